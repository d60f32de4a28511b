package abi

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
)

type entry struct {
	kind     TapeKind
	pos, aux uint32
}

func entries(t *testing.T, tape []byte) []entry {
	t.Helper()
	var out []entry
	tp := Tape(tape)
	for i := range tp.Len() {
		k, p, a := tp.Entry(i)
		out = append(out, entry{k, p, a})
	}
	return out
}

func TestAppendTapeLayout(t *testing.T) {
	data := ` {"a":[1,-2.5e3,"x\n"],"b\u0031":null,"c":{},"d":true,"e":"\u00e9"} `
	tape, ok := AppendTape([]byte("prefix"), []byte(data))
	if !ok {
		t.Fatal("valid JSON refused")
	}
	if string(tape[:6]) != "prefix" {
		t.Fatalf("dst prefix overwritten: %q", tape[:6])
	}
	tape = tape[6:]
	// Offsets from the data above: index in the string.
	at := func(s string) uint32 { return uint32(strings.Index(data, s)) }
	end := func(s string) uint32 { return at(s) + uint32(len(s)) }
	want := []entry{
		{TapeObject, at(`{"a"`), 20},
		{TapeString, at(`"a"`), end(`"a"`)},
		{TapeArray, at(`[1`), 7},
		{TapeNumber, at(`1,`), end(`1`) | TapeInteger},
		{TapeNumber, at(`-2.5e3`), end(`-2.5e3`)},
		{TapeString, at(`"x\n"`), end(`"x\n"`) | TapeEscaped},
		{TapeEnd, at(`],`), 2},
		{TapeString, at(`"b\u0031"`), end(`"b\u0031"`) | TapeEscaped | TapeUnicodeEscaped},
		{TapeNull, at(`null`), end(`null`)},
		{TapeString, at(`"c"`), end(`"c"`)},
		{TapeObject, at(`{}`), 12},
		{TapeEnd, at(`{}`) + 1, 10},
		{TapeString, at(`"d"`), end(`"d"`)},
		{TapeTrue, at(`true`), end(`true`)},
		{TapeString, at(`"e"`), end(`"e"`)},
		{TapeString, at(`"\u00e9"`), end(`"\u00e9"`) | TapeEscaped | TapeUnicodeEscaped},
		{TapeEnd, uint32(strings.LastIndex(data, "}")), 0},
	}
	want[0].aux = uint32(len(want))
	got := entries(t, tape)
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if !CheckTape(tape, len(data)) {
		t.Error("CheckTape refuses the tape")
	}
}

func TestAppendTapeRefuses(t *testing.T) {
	tests := []struct{ name, data string }{
		{"empty", ""},
		{"whitespace", "  "},
		{"not JSON", "[DONE]"},
		{"two values", `{} {}`},
		{"trailing comma", `{"a":1,}`},
		{"bad escape", `"\x"`},
		{"short unicode escape", `"\u12"`},
		{"control character", "\"a\tb\""},
		{"invalid UTF-8", "\"\xff\""},
		{"leading zero", `01`},
		{"bare minus", `-`},
		{"fraction without digits", `1.`},
		{"exponent without digits", `1e+`},
		{"truncated", `{"a":[1,2`},
		{"unquoted key", `{a:1}`},
		{"bad literal", `nul`},
		// Padded so that only the depth, not the tape's size, refuses it.
		{"too deep", strings.Repeat("[", TapeMaxDepth+1) + strings.Repeat(" ", 8000) + strings.Repeat("]", TapeMaxDepth+1)},
		{"tape too large", "[" + strings.Repeat("[],", 200) + "[]]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []byte("keep")
			got, ok := AppendTape(dst, []byte(tt.data))
			if ok || string(got) != "keep" {
				t.Errorf("AppendTape(%q) = %q, %v; want dst unchanged, false", tt.data, got, ok)
			}
		})
	}
	deep := strings.Repeat("[", TapeMaxDepth) + strings.Repeat(" ", 8000) + strings.Repeat("]", TapeMaxDepth)
	if _, ok := AppendTape(nil, []byte(deep)); !ok {
		t.Errorf("nesting of exactly %d refused", TapeMaxDepth)
	}
}

func TestTransformEnvelopeTaped(t *testing.T) {
	chunk := []byte(`{"choices":[{"delta":{"content":"hi"}}]}`)
	in := TransformInput{Flags: FlagEnd, Context: []byte(`{"model":"m"}`), State: []byte{1, 2},
		Chunks: []Chunk{{Data: chunk}, {Event: []byte("ping"), Data: []byte("[DONE]")}}}
	env := AppendTransformInputTaped(nil, &in)
	var got TransformInput
	if err := DecodeTransformInput(env, &got); err != nil {
		t.Fatal(err)
	}
	if got.Flags != FlagEnd|FlagTape || string(got.Context) != `{"model":"m"}` || !bytes.Equal(got.State, []byte{1, 2}) || len(got.Chunks) != 2 {
		t.Fatalf("decoded %+v", got)
	}
	want, _ := AppendTape(nil, chunk)
	if !bytes.Equal(got.Chunks[0].Tape, want) || !bytes.Equal(got.Chunks[0].Data, chunk) {
		t.Errorf("chunk 0 tape %x, want %x", got.Chunks[0].Tape, want)
	}
	if len(got.Chunks[1].Tape) != 0 || string(got.Chunks[1].Event) != "ping" {
		t.Errorf("chunk 1 (not JSON) = %+v, want no tape", got.Chunks[1])
	}
	// The generic encoder with FlagTape writes the given tapes; the
	// result is byte-identical.
	in.Flags |= FlagTape
	in.Chunks[0].Tape = want
	if again := AppendTransformInput(nil, &in); !bytes.Equal(again, env) {
		t.Error("AppendTransformInput with FlagTape differs from AppendTransformInputTaped")
	}
	// Without FlagTape the layout is the 1.0 layout: no tape fields.
	plain := AppendTransformInput(nil, &TransformInput{Chunks: []Chunk{{Data: chunk, Tape: want}}})
	if len(plain) != 4+4+4+4+4+4+len(chunk) {
		t.Errorf("1.0 envelope has %d bytes: a tape leaked into it", len(plain))
	}
	// A taped envelope cut short is malformed, not misread.
	for n := range len(env) {
		if err := DecodeTransformInput(env[:n], &got); err == nil {
			t.Fatalf("envelope cut at %d of %d decoded", n, len(env))
		}
	}
}

func TestCheckTapeRefusesCorruption(t *testing.T) {
	data := []byte(`{"a":[1,2],"b":"x"}`)
	tape, _ := AppendTape(nil, data)
	for i := 0; i < len(tape); i += 4 {
		bad := bytes.Clone(tape)
		binary.LittleEndian.PutUint32(bad[i:], binary.LittleEndian.Uint32(bad[i:])^0x0fffffff)
		if CheckTape(bad, len(data)) {
			t.Errorf("word %d corrupted, CheckTape still accepts", i/4)
		}
	}
	if CheckTape(tape[:len(tape)-8], len(data)) || CheckTape(tape[:5], len(data)) || CheckTape(nil, len(data)) {
		t.Error("CheckTape accepts a truncated tape")
	}
}

// FuzzAppendTape: AppendTape never panics, refuses everything
// encoding/json refuses, leaves dst alone when it refuses, and every tape
// it returns is well-formed. (guest/jsonx fuzzes it against its own
// validator and reader.)
func FuzzAppendTape(f *testing.F) {
	for _, s := range []string{`{"a":[1,"x\n",null,true,false,{}]}`, `"\ud800"`, `-0.5e-3`, `[[[]]]`, `{"a":1,}`, "\"\xff\"", `[DONE]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tape, ok := AppendTape([]byte("x"), data)
		if !ok {
			if string(tape) != "x" {
				t.Fatalf("refused but dst changed: %q", tape)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("tape for data encoding/json refuses: %q", data)
		}
		if !CheckTape(tape[1:], len(data)) {
			t.Fatalf("malformed tape for %q: %x", data, tape[1:])
		}
	})
}
