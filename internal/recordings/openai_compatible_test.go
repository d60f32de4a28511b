package recordings_test

import (
	"testing"

	openaicompatible "github.com/wasmadapt/wasmadapt/adapters-wasm/openai-compatible"
)

// TestOpenAICompatibleCases runs the golden cases of
// testdata/openai-compatible through the adapter natively (wasmrun test
// runs the same cases through the Wasm module). ../shared holds no
// recordings of OpenAI-compatible servers (vLLM, llama.cpp, LM Studio), so
// the golden cases are the only replayed bodies.
func TestOpenAICompatibleCases(t *testing.T) {
	runCases(t, "openai-compatible", openaicompatible.New())
}
