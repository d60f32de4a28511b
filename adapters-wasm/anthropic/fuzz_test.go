package anthropic

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// FuzzTransform feeds arbitrary events, data and states: the adapter must
// not panic, must refuse only a corrupt state (invalid_request), must give
// the same events however the chunks are batched, and must emit only
// well-formed events; ParseResponse and MapError get the same bytes.
func FuzzTransform(f *testing.F) {
	f.Add([]byte("message_start"), []byte(`{"type":"message_start","message":{"id":"m","model":"c","usage":{"input_tokens":1}}}`),
		[]byte("content_block_start"), []byte(`{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"n","input":{}}}`), []byte{})
	f.Add([]byte(""), []byte(`{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"a\":1}"}}`),
		[]byte(""), []byte(`{"type":"content_block_stop","index":0}`), []byte{1, 17, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 3, 0, 1, 116, 1, 110, 0})
	f.Add([]byte("message_delta"), []byte(`{"type":"message_delta","delta":{"stop_reason":"refusal","stop_details":{"explanation":"no"}},"usage":{"output_tokens":3}}`),
		[]byte("message_stop"), []byte(`{"type":"message_stop"}`), []byte{})
	f.Add([]byte("error"), []byte(`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`), []byte("ping"), []byte(`{"type":"ping"}`), []byte{})
	f.Add([]byte(""), []byte(`{"type":"content_block_start","index":1,"content_block":{"type":"redacted_thinking","data":"x"}}`), []byte(""), []byte(`[DONE]`), []byte{1, 0})
	a := New()
	ctx := []byte(`{"model":"claude-3-5-haiku-latest","response_format":{"type":"json_schema","name":"n","schema":{}}}`)
	f.Fuzz(func(t *testing.T, e1, d1, e2, d2, state []byte) {
		run := func(batches [][]abi.Chunk) (string, bool) {
			st := state
			var evs bytes.Buffer
			for i, chunks := range batches {
				in := abi.TransformInput{State: st, Chunks: chunks}
				if len(st) == 0 {
					in.Context = ctx
				}
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
		c1, c2 := abi.Chunk{Event: e1, Data: d1}, abi.Chunk{Event: e2, Data: d2}
		one, ok1 := run([][]abi.Chunk{{c1, c2}})
		split, ok2 := run([][]abi.Chunk{{c1}, {c2}, nil})
		if ok1 != ok2 || one != split {
			t.Fatalf("batching changed the events:\none call:\n%s\nsplit:\n%s", one, split)
		}
		checkEvents(t, []byte(one))
		var out guest.Output
		_ = a.ParseResponse(&abi.ResponseInput{Status: 200, Context: ctx, Body: d1}, &out)
		checkEvents(t, out.Events())
		out.Reset()
		if err := a.MapError(&abi.ResponseInput{Status: 529, Body: d1}, &out); err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(out.Events(), []byte("\n")); n != 1 {
			t.Fatalf("MapError gave %d events, want 1", n)
		}
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
			if err := json.Unmarshal([]byte(e.Arguments), &args); err != nil || args == nil {
				t.Fatalf("tool-call arguments not an object: %q", e.Arguments)
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
