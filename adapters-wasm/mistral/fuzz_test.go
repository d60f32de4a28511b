package mistral

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// FuzzProvider feeds arbitrary provider bytes through this dialect's
// Transform (with its hooks), ParseResponse and MapError: nothing may
// panic, every event must be a valid JSON object with a known type, finish
// reason and error code, MapError gives exactly one error event, and the
// events must not depend on how the chunks were batched.
func FuzzProvider(f *testing.F) {
	f.Add([]byte(`{"id":"a","model":"magistral-medium-2507","choices":[{"index":0,"delta":{"content":[{"type":"thinking","thinking":[{"type":"text","text":"t"}]},{"type":"text","text":"x"}]},"finish_reason":null}]}`), []byte("[DONE]"))
	f.Add([]byte(`{"id":"a","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"id":"gSIMJiOkT","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"model_length"}],"usage":{"prompt_tokens":1,"completion_tokens":2}}`), []byte("[DONE]"))
	f.Add([]byte(`{"object":"error","message":{"detail":[{"msg":"x"}]},"type":"invalid_request_error","param":null,"code":null}`), []byte("[DONE]"))
	f.Add([]byte(`{"id":"a","model":"magistral-medium-2507","choices":[{"index":0,"delta":{"content":[{"type":"thinking","thinking":[{"type":"text","text":"t"}]},{"type":"text","text":"x"}]},"finish_reason":null}]}`), []byte(`{"id":"a","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"id":"gSIMJiOkT","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"model_length"}],"usage":{"prompt_tokens":1,"completion_tokens":2}}`))
	a := New()
	f.Fuzz(func(t *testing.T, x, y []byte) {
		run := func(batches [][]abi.Chunk) string {
			var st []byte
			var evs bytes.Buffer
			for i, chunks := range batches {
				in := abi.TransformInput{State: st, Chunks: chunks}
				if i == len(batches)-1 {
					in.Flags = abi.FlagEnd
				}
				var out guest.Output
				if err := a.Transform(&in, &out); err != nil {
					t.Fatalf("transform: %v", err)
				}
				st = bytes.Clone(out.State())
				evs.Write(out.Events())
			}
			return evs.String()
		}
		cx, cy := abi.Chunk{Data: x}, abi.Chunk{Data: y}
		one := run([][]abi.Chunk{{cx, cy}})
		if split := run([][]abi.Chunk{{cx}, {cy}, nil}); split != one {
			t.Fatalf("batching changed the events:\n%s\nvs\n%s", one, split)
		}
		fuzzCheck(t, []byte(one), -1)
		var out guest.Output
		_ = a.ParseResponse(&abi.ResponseInput{Status: 200, Body: x}, &out)
		fuzzCheck(t, out.Events(), -1)
		for _, status := range []uint32{400, 402, 403, 429, 498, 503} {
			out.Reset()
			if err := a.MapError(&abi.ResponseInput{Status: status, Body: x}, &out); err != nil {
				t.Fatal(err)
			}
			fuzzCheck(t, out.Events(), 1)
		}
	})
}

func fuzzCheck(t *testing.T, evs []byte, want int) {
	t.Helper()
	n := 0
	for _, line := range bytes.Split(bytes.TrimSuffix(evs, []byte("\n")), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		n++
		var e abi.Event
		if err := json.Unmarshal(line, &e); err != nil || e.Type == "" {
			t.Fatalf("bad event %q: %v", line, err)
		}
		switch e.Type {
		case abi.EventFinish:
			if !e.Reason.Valid() {
				t.Fatalf("bad finish reason %q", e.Reason)
			}
		case abi.EventError:
			if !e.Code.Valid() || e.Message == "" {
				t.Fatalf("bad error event %s", line)
			}
		case abi.EventToolCall:
			var args map[string]any
			if json.Unmarshal([]byte(e.Arguments), &args) != nil {
				t.Fatalf("tool-call arguments not an object: %s", line)
			}
		}
	}
	if want >= 0 && n != want {
		t.Fatalf("%d events, want %d:\n%s", n, want, evs)
	}
}
