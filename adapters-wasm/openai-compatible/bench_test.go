package openaicompatible_test

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	openaicompatible "github.com/wasmadapt/wasmadapt/adapters-wasm/openai-compatible"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

const typicalChunk = `{"id":"chatcmpl-b7f3c2a1d0e94f5a","object":"chat.completion.chunk","created":1764003000,"model":"Qwen/Qwen3-8B","choices":[{"index":0,"delta":{"content":" world"},"logprobs":null,"finish_reason":null}]}`

// BenchmarkChunk measures one transform call carrying one typical text
// chunk through the Dispatcher, with think splitting on (the default) and
// with emulated tool calling (the text is held in the state).
func BenchmarkChunk(b *testing.B) {
	for _, bc := range []struct{ name, ctx string }{
		{"think", `{"model":"Qwen/Qwen3-8B","stream":true}`},
		{"think-emulated", `{"model":"Qwen/Qwen3-8B+emulated-tools","tools":[{"name":"f"}],"stream":true}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			chunk := abi.Chunk{Data: []byte(typicalChunk)}
			guesttest.BenchTransform(b, openaicompatible.New(), abi.TransformInput{Context: []byte(bc.ctx), Chunks: []abi.Chunk{chunk}}, chunk)
		})
	}
}
