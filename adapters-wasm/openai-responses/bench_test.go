package openairesponses_test

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	openairesponses "github.com/wasmadapt/wasmadapt/adapters-wasm/openai-responses"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

// typicalChunk is one response.output_text.delta event as the Responses API
// streams it.
const typicalChunk = `{"type":"response.output_text.delta","sequence_number":7,"item_id":"msg_01830d662ab3856501693c32183a488190a612c410a0a39823","output_index":0,"content_index":0,"delta":" world","logprobs":[],"obfuscation":"XVAoDXXbkE"}`

const created = `{"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","status":"in_progress","model":"gpt-4.1-mini","output":[]}}`

// BenchmarkChunk measures one transform call carrying one typical chunk
// through the Dispatcher the wasip1 exports use (the native floor the
// Wasm runtimes are compared against, BENCHMARKS.md), without and with
// its tape.
func BenchmarkChunk(b *testing.B) {
	start := abi.TransformInput{Chunks: []abi.Chunk{{Event: []byte("response.created"), Data: []byte(created)}}}
	guesttest.BenchTransformTapes(b, openairesponses.New(), start,
		abi.Chunk{Event: []byte("response.output_text.delta"), Data: []byte(typicalChunk)})
}

// TestTransformAllocs pins the per-chunk path: a steady text delta
// allocates nothing, read from bytes or from its tape.
func TestTransformAllocs(t *testing.T) {
	a := openairesponses.New()
	state := guesttest.StateAfter(t, a, abi.TransformInput{Chunks: []abi.Chunk{{Event: []byte("response.created"), Data: []byte(created)}}})
	guesttest.NoAllocs(t, a, map[string]*abi.TransformInput{
		"text": {State: state, Chunks: []abi.Chunk{{Event: []byte("response.output_text.delta"), Data: []byte(typicalChunk)}}},
	})
}
