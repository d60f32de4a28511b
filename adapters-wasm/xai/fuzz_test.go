package xai

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
	f.Add([]byte(`{"id":"a","model":"grok-3-mini","choices":[{"index":0,"delta":{"reasoning_content":"r","role":"assistant"}}]}`), []byte("[DONE]"))
	f.Add([]byte(`{"id":"a","model":"m","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":5,"completion_tokens_details":{"reasoning_tokens":3}}}`), []byte("[DONE]"))
	f.Add([]byte(`{"code":"Client specified an invalid argument","error":"Incorrect API key provided"}`), []byte("[DONE]"))
	f.Add([]byte(`{"id":"a","model":"grok-3-mini","choices":[{"index":0,"delta":{"reasoning_content":"r","role":"assistant"}}]}`), []byte(`{"id":"a","model":"m","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":5,"completion_tokens_details":{"reasoning_tokens":3}}}`))
	guesttest.FuzzChunks(f, New(), 400, 402, 403, 429, 498, 503)
}
