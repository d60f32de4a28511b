package openrouter

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
	f.Add([]byte(`{"id":"gen-1","provider":"X","model":"m","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"r"},"finish_reason":null}]}`), []byte("[DONE]"))
	f.Add([]byte(`{"id":"gen-1","model":"m","error":{"code":502,"message":"down","metadata":{"provider_name":"X","raw":"y"}},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}`), []byte("[DONE]"))
	f.Add([]byte(`{"error":{"code":403,"message":"flagged","metadata":{"reasons":["x"],"flagged_input":"y"}}}`), []byte("[DONE]"))
	f.Add([]byte(`{"id":"gen-1","provider":"X","model":"m","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"r"},"finish_reason":null}]}`), []byte(`{"id":"gen-1","model":"m","error":{"code":502,"message":"down","metadata":{"provider_name":"X","raw":"y"}},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}`))
	guesttest.FuzzChunks(f, New(), 400, 402, 403, 429, 498, 503)
}
