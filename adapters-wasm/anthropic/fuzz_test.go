package anthropic

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

// FuzzTransform feeds arbitrary events, data and states: the adapter must
// not panic, must refuse only a corrupt state (invalid_request), must give
// the same events however the chunks are batched, and must emit only
// well-formed events; ParseResponse and MapError get the same bytes (see
// guesttest.CheckAdapter).
func FuzzTransform(f *testing.F) {
	f.Add([]byte("message_start"), []byte(`{"type":"message_start","message":{"id":"m","model":"c","usage":{"input_tokens":1}}}`),
		[]byte("content_block_start"), []byte(`{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"n","input":{}}}`), []byte{})
	f.Add([]byte(""), []byte(`{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"a\":1}"}}`),
		[]byte(""), []byte(`{"type":"content_block_stop","index":0}`), []byte{1, 17, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 3, 0, 1, 116, 1, 110, 0})
	f.Add([]byte("message_delta"), []byte(`{"type":"message_delta","delta":{"stop_reason":"refusal","stop_details":{"explanation":"no"}},"usage":{"output_tokens":3}}`),
		[]byte("message_stop"), []byte(`{"type":"message_stop"}`), []byte{})
	f.Add([]byte("error"), []byte(`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`), []byte("ping"), []byte(`{"type":"ping"}`), []byte{})
	f.Add([]byte(""), []byte(`{"type":"content_block_start","index":1,"content_block":{"type":"redacted_thinking","data":"x"}}`), []byte(""), []byte(`[DONE]`), []byte{1, 0})
	f.Add([]byte(""), []byte(`{"type":"content_block_start","index":0,"content_block":{"type":"mcp_tool_use","id":"m","name":"t","server_name":"s","input":{}}}`),
		[]byte(""), []byte(`{"type":"content_block_start","index":1,"content_block":{"type":"mcp_tool_result","tool_use_id":"m","is_error":true,"content":[]}}`), []byte{})
	guesttest.FuzzEvents(f, New(), []byte(`{"model":"claude-3-5-haiku-latest","response_format":{"type":"json_schema","name":"n","schema":{}}}`), 529)
}
