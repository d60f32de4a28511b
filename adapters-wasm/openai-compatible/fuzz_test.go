package openaicompatible

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// FuzzTransform feeds arbitrary chunk data, state and stream context to the
// wrapper (think splitting and emulation over chatcompletions). Nothing may
// panic, every event must be a JSON object of a known shape, a tool call's
// arguments an object, and batching must not change the events.
func FuzzTransform(f *testing.F) {
	emu := []byte(`{"model":"m+emulated-tools","tools":[{"name":"f"}]}`)
	f.Add([]byte(content("<thi")), []byte(content("nk>a</think>b")), []byte{}, []byte{})
	f.Add([]byte(content(`{"tool_calls":[{"name":"f",`)), []byte(content(`"arguments":{}}]}`)), emu, []byte{})
	f.Add([]byte(content("``"+"`json\n{}")), []byte(stop), emu, []byte{})
	f.Add([]byte(content(" x")), []byte(`[DONE]`), []byte(`{"provider_options":{"think":false,"tool_mode":"emulated"}}`), []byte{1, 3, 1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	a := New()
	f.Fuzz(func(t *testing.T, x, y, ctx, state []byte) {
		run := func(batches [][]abi.Chunk) (string, bool) {
			st := state
			var evs bytes.Buffer
			for i, chunks := range batches {
				in := abi.TransformInput{State: st, Chunks: chunks, Context: ctx}
				if i == len(batches)-1 {
					in.Flags = abi.FlagEnd
				}
				var out guest.Output
				if err := a.Transform(&in, &out); err != nil {
					if abi.CodeOf(err) != abi.CodeInvalidRequest {
						t.Fatalf("error with code %q: %v", abi.CodeOf(err), err)
					}
					return "", false
				}
				st = bytes.Clone(out.State())
				evs.Write(out.Events())
			}
			return evs.String(), true
		}
		cx, cy := abi.Chunk{Data: x}, abi.Chunk{Data: y}
		one, ok1 := run([][]abi.Chunk{{cx, cy}})
		split, ok2 := run([][]abi.Chunk{{cx}, {cy}, nil})
		if ok1 != ok2 || one != split {
			t.Fatalf("batching changed the events:\none call:\n%s\nsplit:\n%s", one, split)
		}
		checkEvents(t, []byte(one))
		var out guest.Output
		if a.ParseResponse(&abi.ResponseInput{Status: 200, Context: ctx, Body: x}, &out) == nil {
			checkEvents(t, out.Events())
		}
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

func checkEvents(t *testing.T, evs []byte) {
	t.Helper()
	for _, line := range bytes.Split(bytes.TrimSuffix(evs, []byte("\n")), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var e abi.Event
		if err := json.Unmarshal(line, &e); err != nil || e.Type == "" {
			t.Fatalf("bad event %q: %v", line, err)
		}
		switch e.Type {
		case abi.EventToolCall:
			var args map[string]any
			if err := json.Unmarshal([]byte(e.Arguments), &args); err != nil || e.ID == "" {
				t.Fatalf("bad tool call %q", line)
			}
		case abi.EventToolCallStart:
			if e.ID == "" || e.Name == "" {
				t.Fatalf("bad tool-call-start %q", line)
			}
		case abi.EventFinish:
			if !e.Reason.Valid() {
				t.Fatalf("bad finish reason %q", e.Reason)
			}
		case abi.EventError:
			if !e.Code.Valid() {
				t.Fatalf("bad error code %q", e.Code)
			}
		}
	}
}
