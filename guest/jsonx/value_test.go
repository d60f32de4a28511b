package jsonx

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

// dump walks v through the Value and iterator API and writes everything
// an adapter could observe: kinds, keys, raw bytes, string contents and
// literals, integers, booleans, errors.
func dump(sb *strings.Builder, v Value, depth int) {
	fmt.Fprintf(sb, "%d:%q ", v.Kind(), trim(v.Raw()))
	if raw, null, err := v.StrOrNull(); err == nil {
		lit, ok := v.Literal()
		fmt.Fprintf(sb, "s=%q n=%v lit=%q/%v ", raw, null, lit, ok)
	}
	if n, err := v.Int(); err == nil || errors.Is(err, ErrRange) {
		fmt.Fprintf(sb, "i=%d/%v ", n, err)
	}
	if bv, err := v.Bool(); err == nil {
		fmt.Fprintf(sb, "b=%v ", bv)
	}
	if depth > 8 {
		return
	}
	switch v.Kind() {
	case KindObject:
		it := v.Object()
		for it.Next() {
			fmt.Fprintf(sb, "\nkey %q %q id=%v val=%q: ", it.Key(), mustStr(it.ValueStr()), it.KeyIs("id"), it.Value())
			dump(sb, it.Val(), depth+1)
		}
		fmt.Fprintf(sb, "\nend err=%v", it.Err())
	case KindArray:
		it := v.Array()
		for it.Next() {
			fmt.Fprintf(sb, "\nelem %d %q: ", it.Index(), it.Value())
			dump(sb, it.Val(), depth+1)
		}
		fmt.Fprintf(sb, "\nend err=%v", it.Err())
	}
}

func mustStr(b []byte, err error) string {
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(b)
}

func views(t *testing.T, data string) (tape, bytes string) {
	t.Helper()
	tp, ok := abi.AppendTape(nil, []byte(data))
	if !ok {
		t.Fatalf("no tape for %q", data)
	}
	var a, b strings.Builder
	dump(&a, Doc([]byte(data), tp), 0)
	dump(&b, Doc([]byte(data), nil), 0)
	return a.String(), b.String()
}

func TestValueTapeMatchesBytes(t *testing.T) {
	for _, data := range []string{
		`{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"a\"b\\c\n","refusal":null},"finish_reason":null}],"usage":{"prompt_tokens":12,"x":1.5e2}}`,
		` [1, -0, 2.0, 3e2, 12345678901234567890, true, false, null, "", "\u00e9\ud83d\ude00", {}, []] `,
		`{"\u0069d":"escaped key","id":1,"id":2,"a\"b":{"c":[[]]}}`,
		`"just a string"`,
		`42`,
		`null`,
	} {
		tape, bytes := views(t, data)
		if tape != bytes {
			t.Errorf("%s\ntape-backed:\n%s\nbyte-backed:\n%s", data, tape, bytes)
		}
	}
}

func TestValueAccessors(t *testing.T) {
	data := []byte(`{"s":"a\nb","u":"\u00e9","n":-7,"f":1.5,"t":true,"z":null,"o":{"k":[1,2]}}`)
	tape, _ := abi.AppendTape(nil, data)
	for _, doc := range []Value{Doc(data, tape), Doc(data, nil), Bytes(data)} {
		name := "bytes"
		if doc.Tape() {
			name = "tape"
		}
		get := func(k string) Value {
			v, ok, err := doc.Lookup(k)
			if !ok || err != nil {
				t.Fatalf("%s: Lookup(%q) = %v, %v", name, k, ok, err)
			}
			return v
		}
		if lit, ok := get("s").Literal(); !ok || string(lit) != `"a\nb"` {
			t.Errorf("%s: Literal of a short-escaped string = %q, %v", name, lit, ok)
		}
		if _, ok := get("u").Literal(); ok {
			t.Errorf("%s: Literal of a \\u-escaped string is ok; want false", name)
		}
		if _, ok := get("n").Literal(); ok {
			t.Errorf("%s: Literal of a number is ok", name)
		}
		if n, err := get("n").Int(); n != -7 || err != nil {
			t.Errorf("%s: Int = %d, %v", name, n, err)
		}
		if _, err := get("f").Int(); !errors.Is(err, ErrType) {
			t.Errorf("%s: Int of 1.5: %v, want ErrType", name, err)
		}
		if b, err := get("t").Bool(); !b || err != nil {
			t.Errorf("%s: Bool = %v, %v", name, b, err)
		}
		if !get("z").IsNull() || get("o").IsNull() {
			t.Errorf("%s: IsNull wrong", name)
		}
		if _, err := get("o").Str(); !errors.Is(err, ErrType) {
			t.Errorf("%s: Str of an object: %v, want ErrType", name, err)
		}
		inner, ok, _ := get("o").Lookup("k")
		if !ok || inner.Kind() != KindArray || string(inner.Raw()) != "[1,2]" {
			t.Errorf("%s: nested Lookup = %q", name, inner.Raw())
		}
		if _, ok, err := doc.Lookup("missing"); ok || err != nil {
			t.Errorf("%s: Lookup(missing) = %v, %v", name, ok, err)
		}
		it := get("n").Object()
		if it.Next() || !errors.Is(it.Err(), ErrType) {
			t.Errorf("%s: Object of a number: %v", name, it.Err())
		}
	}
	var zero Value
	if zero.Exists() || zero.IsNull() || zero.Kind() != KindInvalid || zero.Raw() != nil {
		t.Error("the zero Value is not absent")
	}
	if _, ok := zero.Literal(); ok {
		t.Error("the zero Value has a literal")
	}
	it := zero.Object()
	if it.Next() || it.KeyIs("") {
		t.Error("the zero Value iterates")
	}
}

func TestTapeIterEndState(t *testing.T) {
	data := []byte(`{"a":1}`)
	tape, _ := abi.AppendTape(nil, data)
	it := Doc(data, tape).Object()
	for it.Next() {
	}
	if it.KeyIs("a") || it.Val().Exists() || it.Value() != nil || it.Err() != nil {
		t.Error("a finished tape iterator still shows a member")
	}
}

// FuzzTape checks the host's tape against this package: a tape exists
// exactly when Valid accepts the bytes, and everything an adapter can
// observe through a tape-backed Value equals what the byte-backed Value
// shows. A corrupted tape must never make the reader panic.
func FuzzTape(f *testing.F) {
	for _, s := range []string{
		`{"id":"x","choices":[{"index":0,"delta":{"content":"hi\n"}}],"usage":null}`,
		`[1,"\u00e9",true,null,{"a":{}}]`, `"\ud800"`, `{"a":1,}`, "\"\xff\"", `[DONE]`, `-1.5e-300`,
	} {
		f.Add([]byte(s), uint16(0), byte(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, flip uint16, mask byte) {
		tape, ok := abi.AppendTape(nil, data)
		if valid := Valid(data); ok && !valid {
			t.Fatalf("tape for bytes Valid refuses: %q", data)
		} else if !ok && valid && len(data) > 0 && abi.MaxTapeLen(len(data)) >= 16*len(data) {
			t.Fatalf("no tape for valid %q", data)
		}
		if ok {
			var a, b strings.Builder
			dump(&a, Doc(data, tape), 0)
			dump(&b, Doc(data, nil), 0)
			if a.String() != b.String() {
				t.Fatalf("%q\ntape:\n%s\nbytes:\n%s", data, a.String(), b.String())
			}
			// Corrupt one byte: reading must not panic.
			if len(tape) > 0 {
				bad := append([]byte(nil), tape...)
				bad[int(flip)%len(bad)] ^= mask | 1
				var c strings.Builder
				dump(&c, Doc(data, bad), 0)
			}
		}
		_ = strconv.Itoa(len(data))
	})
}
