package chatcompletions

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// FuzzTransform feeds arbitrary chunk data and state to Transform (both are
// untrusted: provider bytes and host-held state) and ParseResponse and
// MapError (provider bodies). Nothing may panic, every event must be a
// valid JSON object of a known type, and the events must not depend on how
// the chunks were batched.
func FuzzTransform(f *testing.F) {
	f.Add([]byte(chunk(`{"content":"hi"}`, "")), []byte(chunk(`{}`, "stop")), []byte{})
	f.Add([]byte(chunk(`{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":"{\"a\":"}}]}`, "")), []byte(chunk(`{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]}`, "tool_calls")), []byte{1, 2, 0, 1, 0, 0, 0, 0, 0})
	f.Add([]byte(`{"error":{"message":"x"}}`), []byte("[DONE]"), []byte{1, 0, 0, 0})
	f.Add([]byte(usageChunk), []byte(`{"choices":[{"delta":{"refusal":"no"},"finish_reason":"stop"}]}`), []byte{})
	d := testDialect()
	f.Fuzz(func(t *testing.T, a, b, state []byte) {
		run := func(batches [][]abi.Chunk) (string, bool) {
			st := state
			var evs bytes.Buffer
			for i, chunks := range batches {
				in := abi.TransformInput{State: st, Chunks: chunks}
				if i == len(batches)-1 {
					in.Flags = abi.FlagEnd
				}
				var out guest.Output
				if err := d.Transform(&in, &out); err != nil {
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
		ca, cb := abi.Chunk{Data: a}, abi.Chunk{Data: b}
		one, ok1 := run([][]abi.Chunk{{ca, cb}})
		split, ok2 := run([][]abi.Chunk{{ca}, {cb}, nil})
		if ok1 != ok2 || one != split {
			t.Fatalf("batching changed the events:\none call:\n%s\nsplit:\n%s", one, split)
		}
		checkEvents(t, []byte(one))
		// The same chunks with the host's tapes (ABI 1.1) give the same
		// events once parsed.
		taped, ok3 := run([][]abi.Chunk{{withTape(a, true), withTape(b, true)}})
		if ok3 != ok1 || canon(t, taped) != canon(t, one) {
			t.Fatalf("tapes changed the events:\nbytes:\n%s\ntapes:\n%s", one, taped)
		}
		var out guest.Output
		_ = d.ParseResponse(&abi.ResponseInput{Status: 200, Body: a}, &out)
		checkEvents(t, out.Events())
		out.Reset()
		_ = d.MapError(&abi.ResponseInput{Status: 500, Body: a}, &out)
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
		if e.Type == abi.EventToolCall {
			var args map[string]any
			if err := json.Unmarshal([]byte(e.Arguments), &args); err != nil {
				t.Fatalf("tool-call arguments not an object: %q", e.Arguments)
			}
		}
		if e.Type == abi.EventFinish && !e.Reason.Valid() {
			t.Fatalf("bad finish reason %q", e.Reason)
		}
		if e.Type == abi.EventError && !e.Code.Valid() {
			t.Fatalf("bad error code %q", e.Code)
		}
	}
}
