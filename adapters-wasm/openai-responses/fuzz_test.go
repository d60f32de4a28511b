package openairesponses

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

// FuzzTransform feeds arbitrary event data, SSE event names and state to
// Transform (provider bytes and host-held state are untrusted) and the
// data to ParseResponse and MapError. Nothing may panic, every event must
// be a JSON object of a known shape (tool-call arguments an object, known
// finish reasons and error codes), MapError gives exactly one event, and
// the events must not depend on how the chunks were batched (see
// guesttest.CheckAdapter).
func FuzzTransform(f *testing.F) {
	f.Add([]byte(`{"type":"response.created","response":{"id":"r","model":"m"}}`), []byte(`{"type":"response.output_text.delta","delta":"hi"}`), []byte("response.completed"), []byte{})
	f.Add([]byte(`{"type":"response.output_item.added","output_index":0,"item":{"type":"function_call","call_id":"c","name":"f","arguments":""}}`),
		[]byte(`{"type":"response.output_item.done","output_index":0,"item":{"type":"function_call","call_id":"c","name":"f","arguments":"{\"a\":1}"}}`), []byte{}, []byte{1, 0, 1, 1, 0, 0})
	f.Add([]byte(`{"type":"response.completed","response":{"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"usage":{"input_tokens":1,"output_tokens":2,"input_tokens_details":{"cached_tokens":1},"output_tokens_details":{"reasoning_tokens":1}}}}`),
		[]byte(`{"type":"error","code":"server_error","message":"x"}`), []byte("error"), []byte{1, 8, 0, 0})
	f.Add([]byte(`{"type":"response.output_item.done","item":{"type":"reasoning","encrypted_content":"gA==","summary":[{"type":"summary_text","text":"t"}]}}`),
		[]byte(`{"delta":"x"}`), []byte("response.refusal.delta"), []byte{})
	f.Add([]byte(`{"type":"response.output_item.done","item":{"type":"mcp_approval_request","id":"a","server_label":"s","name":"t","arguments":"{}"}}`),
		[]byte(`{"type":"response.output_item.done","item":{"type":"code_interpreter_call","id":"c","status":"failed","code":null,"outputs":null}}`), []byte{}, []byte{})
	f.Add([]byte(`{"type":"response.output_item.done","item":{"type":"mcp_call","id":"m","server_label":"s","name":"t","arguments":"[","error":"x"}}`),
		[]byte(`{"type":"response.output_item.done","item":{"type":"file_search_call","id":"f","status":"completed","queries":["q"],"results":null}}`), []byte{}, []byte{})
	a := New()
	f.Fuzz(func(t *testing.T, x, y, event, state []byte) {
		guesttest.CheckAdapter(t, a, guesttest.Input{
			Stream:   guesttest.Stream{State: state, MayRefuse: true},
			Chunks:   []abi.Chunk{{Data: x}, {Event: event, Data: y}},
			Body:     x,
			Statuses: []uint32{429},
		})
	})
}
