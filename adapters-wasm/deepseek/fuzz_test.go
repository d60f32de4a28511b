package deepseek

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
	f.Add([]byte(`{"id":"a","model":"deepseek-reasoner","choices":[{"index":0,"delta":{"content":null,"reasoning_content":"r"},"finish_reason":null}],"usage":null}`), []byte("[DONE]"))
	f.Add([]byte(`{"id":"a","model":"m","choices":[{"index":0,"delta":{"content":""},"finish_reason":"insufficient_system_resource"}],"usage":{"prompt_tokens":9,"completion_tokens":1,"prompt_cache_hit_tokens":4,"prompt_cache_miss_tokens":5}}`), []byte("[DONE]"))
	f.Add([]byte(`{"error":{"message":"Insufficient Balance","type":"unknown_error","param":null,"code":"invalid_request_error"}}`), []byte("[DONE]"))
	f.Add([]byte(`{"id":"a","model":"deepseek-reasoner","choices":[{"index":0,"delta":{"content":null,"reasoning_content":"r"},"finish_reason":null}],"usage":null}`), []byte(`{"id":"a","model":"m","choices":[{"index":0,"delta":{"content":""},"finish_reason":"insufficient_system_resource"}],"usage":{"prompt_tokens":9,"completion_tokens":1,"prompt_cache_hit_tokens":4,"prompt_cache_miss_tokens":5}}`))
	guesttest.FuzzChunks(f, New(), 400, 402, 403, 429, 498, 503)
}
