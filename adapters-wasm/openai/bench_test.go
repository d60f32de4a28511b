package openai_test

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/openai"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

// typicalChunk is one text-delta chunk as OpenAI streams it.
const typicalChunk = `{"id":"chatcmpl-Wa7xQ2mZ9rT4uV1bN8cL3pK6hG0sD","object":"chat.completion.chunk","created":1764000000,"model":"gpt-4.1-mini-2025-04-14","service_tier":"default","system_fingerprint":"fp_6f2eabb9a5","choices":[{"index":0,"delta":{"content":" world"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"k3Jd"}`

// BenchmarkChunk measures one transform call carrying one typical chunk,
// through the same Dispatcher the wasip1 exports use (envelope decode,
// state in and out, event encoding). The native sub-benchmark is the floor
// that BENCHMARKS.md compares the Wasm runtimes against.
func BenchmarkChunk(b *testing.B) {
	b.Run("native", func(b *testing.B) {
		chunk := abi.Chunk{Data: []byte(typicalChunk)}
		guesttest.BenchTransform(b, openai.New(), abi.TransformInput{Chunks: []abi.Chunk{chunk}}, chunk)
	})
}
