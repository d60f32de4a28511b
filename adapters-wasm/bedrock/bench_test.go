package bedrock

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

var (
	textDelta = abi.Chunk{Event: []byte("contentBlockDelta"), Data: []byte(`{"contentBlockIndex":0,"delta":{"text":" world, and a few more words"},"p":"abcdefghijklmnopqrstu"}`)}
	toolDelta = abi.Chunk{Event: []byte("contentBlockDelta"), Data: []byte(`{"contentBlockIndex":1,"delta":{"toolUse":{"input":"{\"city\": \"Paris\", \"unit\":"}},"p":"abcdefgh"}`)}
)

// stateAfter returns the state after the given chunks of a Nova stream.
func stateAfter(tb testing.TB, chunks ...abi.Chunk) []byte {
	return guesttest.StateAfter(tb, New(), abi.TransformInput{Context: []byte(ctxNova), Chunks: chunks})
}

func textState(tb testing.TB) []byte {
	return stateAfter(tb, ev("messageStart", `{"p":"abc","role":"assistant"}`), textDelta)
}

func toolState(tb testing.TB) []byte {
	return stateAfter(tb, ev("messageStart", `{"p":"abc","role":"assistant"}`),
		ev("contentBlockStart", `{"contentBlockIndex":1,"start":{"toolUse":{"name":"get","toolUseId":"tooluse_1"}}}`), toolDelta)
}

func BenchmarkTransformTextChunk(b *testing.B) {
	guesttest.BenchChunk(b, New(), textState(b), textDelta)
}

func BenchmarkTransformToolChunk(b *testing.B) {
	guesttest.BenchChunk(b, New(), toolState(b), toolDelta)
}

// TestTransformAllocs pins the hot path: a steady text or tool-input
// chunk allocates nothing, read from bytes or from its tape.
func TestTransformAllocs(t *testing.T) {
	guesttest.NoAllocs(t, New(), map[string]*abi.TransformInput{
		"text": {State: textState(t), Chunks: []abi.Chunk{textDelta}},
		"tool": {State: toolState(t), Chunks: []abi.Chunk{toolDelta}},
	})
}
