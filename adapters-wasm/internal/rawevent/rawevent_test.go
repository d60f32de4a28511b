package rawevent

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

func TestCompactJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{ "a" : [1, 2 ,3] }`, `{"a":[1,2,3]}`},
		{"{\n\t\"s\": \"keep  spaces\\\" and \\\\\" ,\r\n \"b\": true}", `{"s":"keep  spaces\" and \\","b":true}`},
		{`"x\" y"`, `"x\" y"`},
		{``, ``},
	}
	for _, tt := range tests {
		got := CompactJSON([]byte("pre:"), []byte(tt.in))
		if string(got) != "pre:"+tt.want {
			t.Errorf("CompactJSON(%q) = %q, want %q", tt.in, got, "pre:"+tt.want)
		}
	}
}

func TestAppendQuoted(t *testing.T) {
	for _, in := range []string{`{"a":"b\"c\\d"}`, `[]`, `"é"`} {
		got := AppendQuoted(nil, []byte(in))
		var back string
		if err := json.Unmarshal(got, &back); err != nil || back != in {
			t.Errorf("AppendQuoted(%s) = %s, decodes to %q (%v)", in, got, back, err)
		}
	}
}

func TestSafeID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"call_Ab-9", true},
		{"", false},
		{strings.Repeat("a", 128), true},
		{strings.Repeat("a", 129), false},
		{"a b", false},
		{`a"b`, false},
		{"é", false},
	}
	for _, tt := range tests {
		if got := SafeID([]byte(tt.id)); got != tt.want {
			t.Errorf("SafeID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

// TestEvents checks that each raw event is valid JSON that decodes to the
// event the adapters mean, and what it reuses.
func TestEvents(t *testing.T) {
	var out guest.Output
	buf := make([]byte, 0, 8)
	buf = EmitString(&out, buf, "text-delta", "text", []byte(`hi \"there\"\n`))
	buf = EmitToolCall(&out, buf, false, 1, []byte("call_1"), []byte(`get\"x`), []byte(`{"q":"a\"b"}`))
	buf = EmitToolCall(&out, buf, true, 2, []byte("call_2"), []byte("put"), []byte(`{}`))
	buf = EmitUsage(&out, buf, &abi.Usage{InputTokens: 10, OutputTokens: 3, CachedInputTokens: 4, ReasoningTokens: 2})
	EmitFinish(&out, buf, abi.FinishStop, []byte("STOP"))

	want := []map[string]any{
		{"type": "text-delta", "text": "hi \"there\"\n"},
		{"type": "tool-call-start", "index": 1.0, "id": "call_1", "name": `get"x`},
		{"type": "tool-call-delta", "index": 1.0, "arguments": `{"q":"a\"b"}`},
		{"type": "tool-call", "index": 1.0, "id": "call_1", "name": `get"x`, "arguments": `{"q":"a\"b"}`},
		{"type": "tool-call", "index": 2.0, "id": "call_2", "name": "put", "arguments": `{}`},
		{"type": "usage", "input_tokens": 10.0, "output_tokens": 3.0, "cached_input_tokens": 4.0, "reasoning_tokens": 2.0},
		{"type": "finish", "reason": string(abi.FinishStop), "raw_reason": "STOP"},
	}
	lines := bytes.Split(bytes.TrimSuffix(out.Events(), []byte("\n")), []byte("\n"))
	if len(lines) != len(want) {
		t.Fatalf("got %d events, want %d:\n%s", len(lines), len(want), out.Events())
	}
	for i, line := range lines {
		var got map[string]any
		if err := json.Unmarshal(line, &got); err != nil {
			t.Fatalf("event %d %s: %v", i, line, err)
		}
		if len(got) != len(want[i]) {
			t.Errorf("event %d = %v, want %v", i, got, want[i])
			continue
		}
		for k, v := range want[i] {
			if got[k] != v {
				t.Errorf("event %d %s = %v, want %v", i, k, got[k], v)
			}
		}
	}
}

func TestEventsDoNotAllocate(t *testing.T) {
	var out guest.Output
	buf := make([]byte, 0, 256)
	u := abi.Usage{InputTokens: 1}
	allocs := testing.AllocsPerRun(100, func() {
		out.Reset()
		buf = EmitString(&out, buf, "text-delta", "text", []byte("chunk"))
		buf = EmitToolCall(&out, buf, false, 0, []byte("c"), []byte("n"), []byte(`{"a":1}`))
		buf = EmitUsage(&out, buf, &u)
		buf = EmitFinish(&out, buf, abi.FinishStop, []byte("stop"))
	})
	if allocs != 0 {
		t.Errorf("%v allocations a round once the buffers have grown", allocs)
	}
}

// countState is a State that counts chunks in one byte; a record other
// than empty or one byte is corrupt.
type countState struct {
	n    byte
	done bool // not recorded
}

func (s *countState) Decode(b []byte) error {
	s.n, s.done = 0, false
	switch len(b) {
	case 0:
		return nil
	case 1:
		s.n = b[0]
		return nil
	}
	return errors.New("corrupt")
}
func (s *countState) Encode(dst []byte) []byte { return append(dst, s.n) }

// countProc emits a text-delta of each byte-backed chunk's data, counts
// the tape-backed ones, and ends the stream with an error on a chunk "x".
type countProc struct {
	Emitter
	st    *countState
	ended bool
	taped int // chunks handed over tape-backed
}

func (p *countProc) Chunk(v jsonx.Value) {
	p.st.n++
	switch {
	case v.Tape():
		p.taped++
	case string(v.Raw()) == "x":
		p.Error(abi.CodeStreamTruncated, "x", true)
	default:
		p.Buf = EmitString(p.Out, p.Buf, "text-delta", "text", v.Raw())
	}
}
func (p *countProc) End() { p.ended = true }

func TestTransform(t *testing.T) {
	var st countState
	var out guest.Output
	p := countProc{st: &st}
	tape, ok := abi.AppendTape(nil, []byte(`{"c":1}`))
	if !ok {
		t.Fatal("no tape for a JSON object")
	}
	in := abi.TransformInput{State: []byte{2}, Context: []byte(`{"model":"m"}`), Chunks: []abi.Chunk{{Data: []byte("a")}, {Data: []byte(`{"c":1}`), Tape: tape}, {Data: []byte("b")}}}
	if err := Transform(&st, &p, &p.Emitter, &st.done, &in, &out); err != nil {
		t.Fatal(err)
	}
	if string(out.State()) != "\x05" || p.ended || len(p.Buf) != 0 || p.taped != 1 || st.done {
		t.Errorf("state %q, ended %v, buf %q, %d chunks tape-backed (want 1), done %v", out.State(), p.ended, p.Buf, p.taped, st.done)
	}
	if p.Out != nil || p.Ctx != nil || p.done != nil {
		t.Error("the emitter keeps references to the call after it")
	}
	if want := "{\"type\":\"text-delta\",\"text\":\"a\"}\n{\"type\":\"text-delta\",\"text\":\"b\"}\n"; string(out.Events()) != want {
		t.Errorf("events %q", out.Events())
	}
	in = abi.TransformInput{Flags: abi.FlagEnd, State: out.State(), Chunks: []abi.Chunk{{Data: []byte("x")}}}
	out.Reset()
	if err := Transform(&st, &p, &p.Emitter, &st.done, &in, &out); err != nil || !p.ended || string(out.State()) != "\x06" || !st.done {
		t.Errorf("end call: %v, ended %v, state %q, done %v", err, p.ended, out.State(), st.done)
	}
	if want := `{"type":"error","code":"stream_truncated","message":"x","retryable":true}` + "\n"; string(out.Events()) != want {
		t.Errorf("error events %q", out.Events())
	}
	in = abi.TransformInput{State: []byte{1, 2}}
	if err := Transform(&st, &p, &p.Emitter, &st.done, &in, &out); abi.CodeOf(err) != abi.CodeInvalidRequest {
		t.Errorf("corrupt state: %v, want invalid_request", err)
	}
}

func TestStart(t *testing.T) {
	var out guest.Output
	var done bool
	var e Emitter
	e.Bind(&out, nil, &done)
	e.Start([]byte(`r\"1`), []byte("m"))
	if want := `{"type":"response-start","id":"r\"1","model":"m"}` + "\n"; string(out.Events()) != want || done {
		t.Errorf("events %q (want %q), done %v", out.Events(), want, done)
	}
}
