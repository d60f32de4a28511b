package openaicompatible

import (
	"encoding/json"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

// FuzzTransform feeds arbitrary chunk data, state and stream context to the
// wrapper (think splitting and emulation over chatcompletions). Nothing may
// panic, every event must be a JSON object of a known shape, a tool call's
// arguments an object, and batching must not change the events (see
// guesttest.CheckAdapter); ParseResponse gets the same bytes.
func FuzzTransform(f *testing.F) {
	emu := []byte(`{"model":"m+emulated-tools","tools":[{"name":"f"}]}`)
	f.Add([]byte(content("<thi")), []byte(content("nk>a</think>b")), []byte{}, []byte{})
	f.Add([]byte(content(`{"tool_calls":[{"name":"f",`)), []byte(content(`"arguments":{}}]}`)), emu, []byte{})
	f.Add([]byte(content("``"+"`json\n{}")), []byte(stop), emu, []byte{})
	f.Add([]byte(content(" x")), []byte(`[DONE]`), []byte(`{"provider_options":{"think":false,"tool_mode":"emulated"}}`), []byte{1, 3, 1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	a := New()
	f.Fuzz(func(t *testing.T, x, y, ctx, state []byte) {
		guesttest.CheckAdapter(t, a, guesttest.Input{
			Stream: guesttest.Stream{Context: ctx, EveryCall: true, State: state, MayRefuse: true},
			Chunks: []abi.Chunk{{Data: x}, {Data: y}},
			Body:   x,
		})
	})
}

// FuzzParseReply: the strict envelope parser never panics, and a reply it
// accepts really is {"tool_calls":[{"name","arguments":{...}}...]}.
func FuzzParseReply(f *testing.F) {
	f.Add([]byte(`{"tool_calls":[{"name":"a","arguments":{"x":1}}]}`))
	f.Add([]byte("```json\n{\"tool_calls\":[{\"name\":\"b\",\"arguments\":{}}]}\n```"))
	f.Add([]byte(`{"tool_calls":[{"name":"a","arguments":"{}"}]}`))
	f.Add([]byte(`{"answer":1}`))
	tools := [][]byte{[]byte("a"), []byte("b")}
	f.Fuzz(func(t *testing.T, reply []byte) {
		calls, v, reason := parseReply(reply, tools)
		switch v {
		case verdictToolCalls:
			if len(calls) == 0 {
				t.Fatal("accepted an envelope without calls")
			}
			for _, c := range calls {
				var args map[string]any
				if err := json.Unmarshal(c.args, &args); err != nil {
					t.Fatalf("accepted arguments %q: %v", c.args, err)
				}
				if string(c.name) != "a" && string(c.name) != "b" {
					t.Fatalf("accepted the unknown tool %q", c.name)
				}
			}
		case verdictMalformed:
			if reason == "" {
				t.Fatal("malformed without a reason")
			}
		}
	})
}
