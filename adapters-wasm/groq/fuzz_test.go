package groq

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

// FuzzProvider feeds arbitrary provider bytes through this dialect's
// Transform (with its hooks), ParseResponse and MapError: nothing may
// panic, every event must pass the host's checks, MapError gives exactly
// one error event, and the events must not depend on how the chunks were
// batched (see guesttest.FuzzChunks).
func FuzzProvider(f *testing.F) {
	f.Add([]byte(`{"id":"a","model":"openai/gpt-oss-20b","choices":[{"index":0,"delta":{"reasoning":"r","channel":"analysis"},"finish_reason":null}]}`), []byte("[DONE]"))
	f.Add([]byte(`{"id":"a","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"x_groq":{"id":"q","usage":{"prompt_tokens":1,"completion_tokens":2}},"usage":{"prompt_tokens":1,"completion_tokens":2}}`), []byte("[DONE]"))
	f.Add([]byte(`{"error":{"message":"m","type":"invalid_request_error","code":"tool_use_failed","failed_generation":"<f>"}}`), []byte("[DONE]"))
	f.Add([]byte(`{"id":"a","model":"openai/gpt-oss-20b","choices":[{"index":0,"delta":{"reasoning":"r","channel":"analysis"},"finish_reason":null}]}`), []byte(`{"id":"a","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"x_groq":{"id":"q","usage":{"prompt_tokens":1,"completion_tokens":2}},"usage":{"prompt_tokens":1,"completion_tokens":2}}`))
	guesttest.FuzzChunks(f, New(), 400, 402, 403, 429, 498, 503)
}
