package anthropic

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

// typicalDelta is a text_delta event as Anthropic sends it (padded data).
const typicalDelta = `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" world, and a few more words"}}         `

// midStreamState returns the state after message_start and a text block
// start, so the measured call is a steady-state text chunk.
func midStreamState(tb testing.TB) []byte {
	var out guest.Output
	in := abi.TransformInput{Chunks: sse(tb, msgStart+"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n")}
	if err := New().Transform(&in, &out); err != nil {
		tb.Fatal(err)
	}
	return append([]byte(nil), out.State()...)
}

func BenchmarkTransformTextChunk(b *testing.B) {
	a := New()
	in := abi.TransformInput{State: midStreamState(b), Chunks: []abi.Chunk{{Event: []byte("content_block_delta"), Data: []byte(typicalDelta)}}}
	var out guest.Output
	b.SetBytes(int64(len(typicalDelta)))
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		if err := a.Transform(&in, &out); err != nil {
			b.Fatal(err)
		}
	}
}

const toolDelta = `{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"city\": \"Paris\", \"unit\":"}}`

// toolState is the state inside a tool_use block with some arguments.
func toolState(tb testing.TB) []byte {
	var out guest.Output
	in := abi.TransformInput{Chunks: sse(tb, msgStart+
		"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"get\",\"input\":{}}}\n\n"+
		"event: content_block_delta\ndata: "+toolDelta+"\n\n")}
	if err := New().Transform(&in, &out); err != nil {
		tb.Fatal(err)
	}
	return append([]byte(nil), out.State()...)
}

func BenchmarkTransformToolChunk(b *testing.B) {
	a := New()
	in := abi.TransformInput{State: toolState(b), Chunks: []abi.Chunk{{Event: []byte("content_block_delta"), Data: []byte(toolDelta)}}}
	var out guest.Output
	b.SetBytes(int64(len(toolDelta)))
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		if err := a.Transform(&in, &out); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTransformAllocs pins the hot path: a steady text or tool-argument
// chunk allocates nothing, read from bytes or from its tape.
func TestTransformAllocs(t *testing.T) {
	guesttest.NoAllocs(t, New(), map[string]*abi.TransformInput{
		"text": {State: midStreamState(t), Chunks: []abi.Chunk{{Event: []byte("content_block_delta"), Data: []byte(typicalDelta)}}},
		"tool": {State: toolState(t), Chunks: []abi.Chunk{{Event: []byte("content_block_delta"), Data: []byte(toolDelta)}}},
	})
}
