package minimax

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

// FuzzProvider feeds arbitrary provider bytes through this dialect's
// Transform (with its hooks: reasoning_details arrays, base_resp errors),
// ParseResponse and MapError: nothing may panic, every event must pass the
// host's checks, MapError gives exactly one error event, and the events
// must not depend on how the chunks were batched (see
// guesttest.FuzzChunks).
func FuzzProvider(f *testing.F) {
	f.Add([]byte(`{"id":"a","model":"MiniMax-M2","choices":[{"index":0,"delta":{"content":"","reasoning_details":[{"type":"reasoning.text","text":"r"}]},"finish_reason":null}],"usage":null}`), []byte("[DONE]"))
	f.Add([]byte(`{"id":"","choices":null,"base_resp":{"status_code":1002,"status_msg":"rate limit"}}`), []byte("[DONE]"))
	f.Add([]byte(`{"id":"a","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1},"base_resp":{"status_code":0,"status_msg":""}}`), []byte("[DONE]"))
	guesttest.FuzzChunks(f, New(), 400, 401, 429, 500)
}
