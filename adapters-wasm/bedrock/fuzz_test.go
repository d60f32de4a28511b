package bedrock

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
	f.Add([]byte("messageStart"), []byte(`{"p":"abc","role":"assistant"}`),
		[]byte("contentBlockStart"), []byte(`{"contentBlockIndex":0,"start":{"toolUse":{"name":"n","toolUseId":"t"}}}`), []byte{})
	f.Add([]byte("contentBlockDelta"), []byte(`{"contentBlockIndex":0,"delta":{"toolUse":{"input":"{\"a\":1}"}}}`),
		[]byte("contentBlockStop"), []byte(`{"contentBlockIndex":0}`), []byte{})
	f.Add([]byte("messageStop"), []byte(`{"stopReason":"guardrail_intervened"}`), []byte("metadata"), []byte(`{"usage":{"inputTokens":1,"outputTokens":2}}`), []byte{})
	f.Add([]byte("exception:throttlingException"), []byte(`{"message":"slow"}`), []byte("error:X"), []byte(`{}`), []byte{1, 0})
	f.Add([]byte(""), []byte(`{"contentBlockDelta":{"contentBlockIndex":2,"delta":{"reasoningContent":{"redactedContent":"eA=="}}}}`), []byte(""), []byte(`{"metadata":{}}`), []byte{})
	guesttest.FuzzEvents(f, New(), []byte(`{"model":"us.amazon.nova-micro-v1:0","response_format":{"type":"json_schema","name":"n","schema":{}}}`), 503)
}
