package mistral

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
	f.Add([]byte(`{"id":"a","model":"magistral-medium-2507","choices":[{"index":0,"delta":{"content":[{"type":"thinking","thinking":[{"type":"text","text":"t"}]},{"type":"text","text":"x"}]},"finish_reason":null}]}`), []byte("[DONE]"))
	f.Add([]byte(`{"id":"a","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"id":"gSIMJiOkT","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"model_length"}],"usage":{"prompt_tokens":1,"completion_tokens":2}}`), []byte("[DONE]"))
	f.Add([]byte(`{"object":"error","message":{"detail":[{"msg":"x"}]},"type":"invalid_request_error","param":null,"code":null}`), []byte("[DONE]"))
	f.Add([]byte(`{"id":"a","model":"magistral-medium-2507","choices":[{"index":0,"delta":{"content":[{"type":"thinking","thinking":[{"type":"text","text":"t"}]},{"type":"text","text":"x"}]},"finish_reason":null}]}`), []byte(`{"id":"a","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"id":"gSIMJiOkT","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"model_length"}],"usage":{"prompt_tokens":1,"completion_tokens":2}}`))
	guesttest.FuzzChunks(f, New(), 400, 402, 403, 429, 498, 503)
}
