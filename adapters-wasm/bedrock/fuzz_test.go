package bedrock

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
	f.Add([]byte("messageStart"), []byte(`{"p":"abc","role":"assistant"}`),
		[]byte("contentBlockStart"), []byte(`{"contentBlockIndex":0,"start":{"toolUse":{"name":"n","toolUseId":"t"}}}`), []byte{})
	f.Add([]byte("contentBlockDelta"), []byte(`{"contentBlockIndex":0,"delta":{"toolUse":{"input":"{\"a\":1}"}}}`),
		[]byte("contentBlockStop"), []byte(`{"contentBlockIndex":0}`), []byte{})
	f.Add([]byte("messageStop"), []byte(`{"stopReason":"guardrail_intervened"}`), []byte("metadata"), []byte(`{"usage":{"inputTokens":1,"outputTokens":2}}`), []byte{})
	f.Add([]byte("exception:throttlingException"), []byte(`{"message":"slow"}`), []byte("error:X"), []byte(`{}`), []byte{1, 0})
	f.Add([]byte(""), []byte(`{"contentBlockDelta":{"contentBlockIndex":2,"delta":{"reasoningContent":{"redactedContent":"eA=="}}}}`), []byte(""), []byte(`{"metadata":{}}`), []byte{})
	a := New()
	ctx := []byte(`{"model":"us.amazon.nova-micro-v1:0","response_format":{"type":"json_schema","name":"n","schema":{}}}`)
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
		if err := a.MapError(&abi.ResponseInput{Status: 503, Body: d1}, &out); err != nil {
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
