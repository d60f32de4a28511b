package jsonx

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValid(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{`{}`, true},
		{` [ ] `, true},
		{`{"a":[1,-2.5e+3,0,true,false,null,"x\u00e9\n"]}`, true},
		{`"\ud83d\ude00"`, true},
		{`"\ud800"`, true}, // lone surrogate escapes are valid JSON syntax
		{`-0`, true},
		{`0.5E-2`, true},
		{``, false},
		{` `, false},
		{`{`, false},
		{`{"a"}`, false},
		{`{"a":1,}`, false},
		{`[1,]`, false},
		{`[1 2]`, false},
		{`{"a":1}x`, false},
		{`{} {}`, false},
		{`01`, false},
		{`1.`, false},
		{`.5`, false},
		{`1e`, false},
		{`+1`, false},
		{`-`, false},
		{`tru`, false},
		{`nulls`, false},
		{`"abc`, false},
		{"\"a\x01\"", false},
		{`"\x"`, false},
		{`"\u12G4"`, false},
		{"\"\xff\"", false},
		{"\"\xe2\x82\"", false},
		{`{1:2}`, false},
		{`NaN`, false},
		{strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth), true},
		{strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), false},
	}
	for _, tt := range tests {
		if got := Valid([]byte(tt.in)); got != tt.want {
			t.Errorf("Valid(%q) = %v, want %v", tt.in, got, tt.want)
		}
		// encoding/json accepts invalid UTF-8 in strings; jsonx does not.
		if utf8.ValidString(tt.in) && tt.want != json.Valid([]byte(tt.in)) && !strings.HasPrefix(tt.in, "[[[") {
			t.Errorf("test table disagrees with encoding/json for %q", tt.in)
		}
	}
}

func TestObjectIter(t *testing.T) {
	in := []byte(` {"id" : "c1", "n":42 , "o":{"x":[1,{"y":null}]},"e\u0073c":true,"s":"a\"b"} `)
	type kv struct{ k, v string }
	var got []kv
	it := Object(in)
	for it.Next() {
		got = append(got, kv{string(it.Key()), string(it.Value())})
	}
	if it.Err() != nil {
		t.Fatal(it.Err())
	}
	want := []kv{{"id", `"c1"`}, {"n", "42"}, {"o", `{"x":[1,{"y":null}]}`}, {`e\u0073c`, "true"}, {"s", `"a\"b"`}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("field %d = %v, want %v", i, got[i], want[i])
		}
	}
	v, ok, err := Lookup(in, "esc")
	if err != nil || !ok || string(v) != "true" {
		t.Errorf("Lookup escaped key = %q %v %v", v, ok, err)
	}
	if _, ok, err := Lookup(in, "missing"); ok || err != nil {
		t.Errorf("Lookup missing = %v %v", ok, err)
	}
}

func TestIterErrors(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{`[1]`, ErrType},
		{`"s"`, ErrType},
		{``, ErrSyntax},
		{`{"a":1`, ErrSyntax},
		{`{"a":1} x`, ErrSyntax},
		{`{"a":[1,}`, ErrSyntax},
		{`{"a" 1}`, ErrSyntax},
		{`{"a":"` + "\xff" + `"}`, ErrSyntax},
		{`{"a":` + strings.Repeat("[", MaxDepth+1), ErrDepth},
	}
	for _, tt := range tests {
		it := Object([]byte(tt.in))
		for it.Next() {
		}
		if !errors.Is(it.Err(), tt.want) {
			t.Errorf("Object(%q) err = %v, want %v", tt.in, it.Err(), tt.want)
		}
	}
	ai := Array([]byte(`{"a":1}`))
	if ai.Next() || !errors.Is(ai.Err(), ErrType) {
		t.Errorf("Array(object) err = %v", ai.Err())
	}
	ai = Array([]byte(`[1,2`))
	for ai.Next() {
	}
	if !errors.Is(ai.Err(), ErrSyntax) {
		t.Errorf("Array truncated err = %v", ai.Err())
	}
}

func TestTrustedChildren(t *testing.T) {
	in := []byte(`{"a":{"k":"v\"w","n":[1,[2,"]"],{"x":"}"}]},"b":[{"c":true}, "s\\"],"c":12}`)
	it := Object(in)
	var got []string
	for it.Next() {
		switch {
		case it.KeyIs("a"):
			ci := it.ValueObject()
			for ci.Next() {
				got = append(got, string(ci.Key())+"="+string(ci.Value()))
				if ci.KeyIs("k") {
					s, err := ci.ValueStr()
					if err != nil || string(s) != `v\"w` {
						t.Errorf("ValueStr = %q %v", s, err)
					}
				}
			}
			if ci.Err() != nil {
				t.Error(ci.Err())
			}
		case it.KeyIs("b"):
			ai := it.ValueArray()
			for ai.Next() {
				got = append(got, string(ai.Value()))
			}
			if ai.Err() != nil {
				t.Error(ai.Err())
			}
		case it.KeyIs("c"):
			ci := it.ValueObject()
			if ci.Next() || !errors.Is(ci.Err(), ErrType) {
				t.Errorf("ValueObject of a number: err = %v", ci.Err())
			}
			if _, err := it.ValueStr(); !errors.Is(err, ErrType) {
				t.Errorf("ValueStr of a number: err = %v", err)
			}
		}
	}
	want := `k="v\"w"|n=[1,[2,"]"],{"x":"}"}]|{"c":true}|"s\\"`
	if strings.Join(got, "|") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, "|"), want)
	}
}

func TestArrayIter(t *testing.T) {
	it := Array([]byte(`[ 1 , "two", [3], {"4":4} ,null]`))
	var got []string
	for it.Next() {
		if it.Index() != len(got) {
			t.Errorf("Index = %d, want %d", it.Index(), len(got))
		}
		got = append(got, string(it.Value()))
	}
	if it.Err() != nil {
		t.Fatal(it.Err())
	}
	want := `1|"two"|[3]|{"4":4}|null`
	if strings.Join(got, "|") != want {
		t.Errorf("got %q, want %q", strings.Join(got, "|"), want)
	}
	empty := Array([]byte(" [ ] "))
	if empty.Next() || empty.Err() != nil {
		t.Errorf("empty array: %v", empty.Err())
	}
}

func TestStrings(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{`"plain"`, "plain", nil},
		{`"a\"b\\c\/d\b\f\n\r\t"`, "a\"b\\c/d\b\f\n\r\t", nil},
		{`"\u00e9\u4e2d"`, "é中", nil},
		{`"\ud83d\ude00!"`, "😀!", nil},
		{`"\ud800x"`, "\uFFFDx", nil},
		{`"\udc00"`, "\uFFFD", nil},
		{`"\ud800\u0041"`, "\uFFFDA", nil},
		{`"héllo"`, "héllo", nil},
		{`""`, "", nil},
		{`12`, "", ErrType},
		{`null`, "", ErrType},
		{`"ab`, "", ErrSyntax},
		{`"a"b"`, "", ErrSyntax},
		{"\"\xc3\"", "", ErrSyntax},
	}
	for _, tt := range tests {
		got, err := AppendUnescaped(nil, []byte(tt.in))
		if !errors.Is(err, tt.err) {
			t.Errorf("AppendUnescaped(%s) err = %v, want %v", tt.in, err, tt.err)
			continue
		}
		if err == nil {
			if string(got) != tt.want {
				t.Errorf("AppendUnescaped(%s) = %q, want %q", tt.in, got, tt.want)
			}
			var std string
			if json.Unmarshal([]byte(tt.in), &std) != nil || std != string(got) {
				t.Errorf("AppendUnescaped(%s) = %q, encoding/json says %q", tt.in, got, std)
			}
		}
	}
	raw, null, err := StrOrNull([]byte(" null "))
	if raw != nil || !null || err != nil {
		t.Errorf("StrOrNull(null) = %q %v %v", raw, null, err)
	}
}

func TestKeyIs(t *testing.T) {
	long := strings.Repeat(`\u0061`, 20) // 20 x "a", 120 raw bytes
	tests := []struct {
		raw, key string
		want     bool
	}{
		{"id", "id", true},
		{"id", "ids", false},
		{`\u0069d`, "id", true},
		{`\ud83d\ude00`, "😀", true},
		{long, strings.Repeat("a", 20), true},
		{long, strings.Repeat("a", 19), false},
		{long, strings.Repeat("a", 21), false},
		{long + `\n`, strings.Repeat("a", 20) + "\n", true},
	}
	for _, tt := range tests {
		if got := rawEquals([]byte(tt.raw), tt.key); got != tt.want {
			t.Errorf("rawEquals(%q, %q) = %v, want %v", tt.raw, tt.key, got, tt.want)
		}
	}
}

func TestScalars(t *testing.T) {
	ints := []struct {
		in   string
		want int64
		err  error
	}{
		{"0", 0, nil},
		{" 42 ", 42, nil},
		{"-7", -7, nil},
		{"9223372036854775807", 1<<63 - 1, nil},
		{"-9223372036854775808", -1 << 63, nil},
		{"9223372036854775808", 0, ErrRange},
		{"99999999999999999999", 0, ErrRange},
		{"1.0", 1, nil},
		{"2e3", 2000, nil},
		{"1500e-2", 15, nil},
		{"1.5", 0, ErrType},
		{`"1"`, 0, ErrType},
		{"01", 0, ErrSyntax},
		{"", 0, ErrSyntax},
	}
	for _, tt := range ints {
		got, err := Int([]byte(tt.in))
		if !errors.Is(err, tt.err) || (err == nil && got != tt.want) {
			t.Errorf("Int(%q) = %d, %v; want %d, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
	if b, err := Bool([]byte("true")); !b || err != nil {
		t.Errorf("Bool(true) = %v %v", b, err)
	}
	if b, err := Bool([]byte(" false")); b || err != nil {
		t.Errorf("Bool(false) = %v %v", b, err)
	}
	if _, err := Bool([]byte("1")); !errors.Is(err, ErrType) {
		t.Errorf("Bool(1) err = %v", err)
	}
	if _, err := Bool([]byte("tru")); !errors.Is(err, ErrSyntax) {
		t.Errorf("Bool(tru) err = %v", err)
	}
	if !IsNull([]byte(" null")) || IsNull([]byte("nul")) {
		t.Error("IsNull")
	}
	kinds := map[string]Kind{"null": KindNull, "true": KindTrue, "false": KindFalse, "-1": KindNumber, `"`: KindString, "{": KindObject, " [": KindArray, "x": KindInvalid, "": KindInvalid}
	for in, want := range kinds {
		if got := KindOf([]byte(in)); got != want {
			t.Errorf("KindOf(%q) = %d, want %d", in, got, want)
		}
	}
}

const typicalChunk = `{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4.1-2025-04-14","service_tier":"default","system_fingerprint":"fp_f9f4fb6dbf","choices":[{"index":0,"delta":{"content":" world"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"Ab3"}`

// walkChunk reads a chunk the way an adapter does.
func walkChunk(b []byte, buf []byte) ([]byte, error) {
	it := Object(b)
	for it.Next() {
		if it.KeyIs("choices") {
			ai := it.ValueArray()
			for ai.Next() {
				ci := ai.ValueObject()
				for ci.Next() {
					if ci.KeyIs("delta") {
						di := ci.ValueObject()
						for di.Next() {
							if di.KeyIs("content") {
								raw, err := di.ValueStr()
								if err != nil {
									return buf, err
								}
								if buf, err = Unescape(buf[:0], raw); err != nil {
									return buf, err
								}
							}
						}
					}
				}
				if ci.Err() != nil {
					return buf, ci.Err()
				}
			}
			if ai.Err() != nil {
				return buf, ai.Err()
			}
		}
	}
	return buf, it.Err()
}

func TestNoAllocs(t *testing.T) {
	b := []byte(typicalChunk)
	buf := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		buf, err = walkChunk(b, buf)
		if err != nil || string(buf) != " world" {
			t.Fatalf("walkChunk = %q, %v", buf, err)
		}
		if !Valid(b) {
			t.Fatal("not valid")
		}
		if !rawEquals([]byte(`\u0069d`), "id") {
			t.Fatal("rawEquals")
		}
		if _, err := Int([]byte("123")); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("allocations per chunk = %v, want 0", allocs)
	}
}

func BenchmarkWalkChunk(b *testing.B) {
	in := []byte(typicalChunk)
	buf := make([]byte, 0, 64)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = walkChunk(in, buf)
	}
}

func BenchmarkValid(b *testing.B) {
	in := []byte(typicalChunk)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		Valid(in)
	}
}

// FuzzReader checks that no input makes the reader panic, that Valid agrees
// with encoding/json, and that walking an object with the iterators finds
// an error exactly when the input is not valid.
func FuzzReader(f *testing.F) {
	for _, s := range []string{typicalChunk, `{}`, `[1,"a",{"b":null}]`, `"\ud83d\ude00"`, `{"a":`, "\"\xff\"", `{"a":1e5,"b":-0.5}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		valid := Valid(b)
		if utf8.Valid(b) && valid != json.Valid(b) && !deep(b) {
			t.Fatalf("Valid(%q) = %v, encoding/json says %v", b, valid, !valid)
		}
		it := Object(b)
		for it.Next() {
			if it.Value()[0] == '{' {
				// The trusted child must see the same fields as a
				// validating one.
				a, c := it.ValueObject(), Object(it.Value())
				for a.Next() {
					if !c.Next() || string(a.Key()) != string(c.Key()) || string(a.Value()) != string(c.Value()) {
						t.Fatalf("trusted child disagrees on %q", it.Value())
					}
				}
				if c.Next() || a.Err() != nil || c.Err() != nil {
					t.Fatalf("trusted child disagrees on %q: %v %v", it.Value(), a.Err(), c.Err())
				}
			}
			if !Valid(it.Value()) {
				t.Fatalf("iterator returned invalid value %q", it.Value())
			}
			k, err := Unescape(nil, it.Key())
			if err != nil || !utf8.Valid(k) {
				t.Fatalf("key %q: %v", it.Key(), err)
			}
			if !it.KeyIs(string(k)) {
				t.Fatalf("KeyIs(%q) false for its own key %q", k, it.Key())
			}
		}
		if !utf8.Valid(b) && valid {
			t.Fatalf("Valid accepted invalid UTF-8 %q", b)
		}
		// Trusted iterators must never panic, whatever the bytes.
		ti := TrustedObject(b)
		for ti.Next() {
			_, _ = ti.ValueStr()
			ci := ti.ValueObject()
			for ci.Next() {
			}
		}
		ta := TrustedArray(b)
		for ta.Next() {
			ai := ta.ValueArray()
			for ai.Next() {
			}
		}
		if KindOf(b) == KindObject && (it.Err() == nil) != valid {
			t.Fatalf("object walk err = %v but Valid = %v for %q", it.Err(), valid, b)
		}
		if s, err := AppendUnescaped(nil, b); err == nil {
			var std string
			if json.Unmarshal(b, &std) != nil || std != string(s) {
				t.Fatalf("AppendUnescaped(%q) = %q, encoding/json says %q", b, s, std)
			}
		}
		if n, err := Int(b); err == nil {
			var std json.Number
			if json.Unmarshal(b, &std) != nil {
				t.Fatalf("Int accepted %q", b)
			}
			_ = n
		}
	})
}

// deep reports whether b nests brackets deeper than MaxDepth, where jsonx
// refuses what encoding/json accepts.
func deep(b []byte) bool {
	d := 0
	for _, c := range b {
		switch c {
		case '[', '{':
			d++
			if d > MaxDepth {
				return true
			}
		case ']', '}':
			d--
		}
	}
	return false
}
