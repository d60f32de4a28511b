package anthropic

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

var (
	// textDelta is a text_delta event as Anthropic sends it (padded data).
	textDelta = abi.Chunk{Event: []byte("content_block_delta"), Data: []byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" world, and a few more words"}}         `)}
	toolDelta = abi.Chunk{Event: []byte("content_block_delta"), Data: []byte(`{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"city\": \"Paris\", \"unit\":"}}`)}
)

// midStreamState returns the state after message_start and a text block
// start, so the measured call is a steady-state text chunk.
func midStreamState(tb testing.TB) []byte {
	return guesttest.StateAfter(tb, New(), abi.TransformInput{Chunks: sse(tb, msgStart+"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n")})
}

// toolState is the state inside a tool_use block with some arguments.
func toolState(tb testing.TB) []byte {
	return guesttest.StateAfter(tb, New(), abi.TransformInput{Chunks: append(sse(tb, msgStart+
		"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"get\",\"input\":{}}}\n\n"), toolDelta)})
}

func BenchmarkTransformTextChunk(b *testing.B) {
	guesttest.BenchChunk(b, New(), midStreamState(b), textDelta)
}

func BenchmarkTransformToolChunk(b *testing.B) {
	guesttest.BenchChunk(b, New(), toolState(b), toolDelta)
}

// TestTransformAllocs pins the hot path: a steady text or tool-argument
// chunk allocates nothing, read from bytes or from its tape.
func TestTransformAllocs(t *testing.T) {
	guesttest.NoAllocs(t, New(), map[string]*abi.TransformInput{
		"text": {State: midStreamState(t), Chunks: []abi.Chunk{textDelta}},
		"tool": {State: toolState(t), Chunks: []abi.Chunk{toolDelta}},
	})
}
