package anthropic

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

// sse splits an SSE text into chunks (event name, joined data lines).
func sse(_ testing.TB, text string) []abi.Chunk { return guesttest.SplitSSE([]byte(text)) }

// runBoth runs the stream all-at-once and one chunk per call and fails if
// the two differ.
func runBoth(t *testing.T, ctx string, chunks []abi.Chunk) string {
	t.Helper()
	return string(guesttest.Stable(t, New(), []byte(ctx), chunks))
}

func project(t *testing.T, reqJSON string) (*abi.ProviderRequest, error) {
	t.Helper()
	return guesttest.Project(t, New(), reqJSON)
}

var lines = guesttest.JoinLines
