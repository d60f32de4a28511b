package openairesponses

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// FuzzTransform feeds arbitrary event data, SSE event names and state to
// Transform (provider bytes and host-held state are untrusted) and the
// data to ParseResponse and MapError. Nothing may panic, every event must
// be a JSON object of a known shape (tool-call arguments an object, known
// finish reasons and error codes), and the events must not depend on how
// the chunks were batched.
func FuzzTransform(f *testing.F) {
	f.Add([]byte(`{"type":"response.created","response":{"id":"r","model":"m"}}`), []byte(`{"type":"response.output_text.delta","delta":"hi"}`), []byte("response.completed"), []byte{})
	f.Add([]byte(`{"type":"response.output_item.added","output_index":0,"item":{"type":"function_call","call_id":"c","name":"f","arguments":""}}`),
		[]byte(`{"type":"response.output_item.done","output_index":0,"item":{"type":"function_call","call_id":"c","name":"f","arguments":"{\"a\":1}"}}`), []byte{}, []byte{1, 0, 1, 1, 0, 0})
	f.Add([]byte(`{"type":"response.completed","response":{"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"usage":{"input_tokens":1,"output_tokens":2,"input_tokens_details":{"cached_tokens":1},"output_tokens_details":{"reasoning_tokens":1}}}}`),
		[]byte(`{"type":"error","code":"server_error","message":"x"}`), []byte("error"), []byte{1, 8, 0, 0})
	f.Add([]byte(`{"type":"response.output_item.done","item":{"type":"reasoning","encrypted_content":"gA==","summary":[{"type":"summary_text","text":"t"}]}}`),
		[]byte(`{"delta":"x"}`), []byte("response.refusal.delta"), []byte{})
	a := New()
	f.Fuzz(func(t *testing.T, x, y, event, state []byte) {
		run := func(batches [][]abi.Chunk) (string, bool) {
			st := state
			var evs bytes.Buffer
			for i, chunks := range batches {
				in := abi.TransformInput{State: st, Chunks: chunks}
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
		cx, cy := abi.Chunk{Data: x}, abi.Chunk{Event: event, Data: y}
		one, ok1 := run([][]abi.Chunk{{cx, cy}})
		split, ok2 := run([][]abi.Chunk{{cx}, {cy}, nil})
		if ok1 != ok2 || one != split {
			t.Fatalf("batching changed the events:\none call:\n%s\nsplit:\n%s", one, split)
		}
		checkEvents(t, []byte(one))
		var out guest.Output
		_ = a.ParseResponse(&abi.ResponseInput{Status: 200, Body: x}, &out)
		checkEvents(t, out.Events())
		out.Reset()
		_ = a.MapError(&abi.ResponseInput{Status: 429, Body: x}, &out)
		checkEvents(t, out.Events())
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
			if err := json.Unmarshal([]byte(e.Arguments), &args); err != nil || e.ID == "" || e.Name == "" {
				t.Fatalf("bad tool call %q", line)
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
