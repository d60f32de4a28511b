package recordings_test

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/adapters-wasm/ollama"
	"github.com/wasmadapt/wasmadapt/engine"
)

// TestOllamaRecordings runs the ollama recordings of the native /api/chat
// endpoint through the ollama adapter; the others are of endpoints the
// adapter does not speak.
func TestOllamaRecordings(t *testing.T) {
	checkRecordings(t, "ollama", "ollama", ollama.New(), []byte(`{"model":"gemma3:1b","stream":true}`), map[string]string{
		"TestClient_Generate.httprr":         "/api/generate (prompt completion, field \"response\"), not /api/chat",
		"TestClient_GenerateStream.httprr":   "/api/generate (prompt completion, field \"response\"), not /api/chat",
		"test_ollama_cloud_tool_output.yaml": "Ollama's OpenAI-compatible /v1/chat/completions, served by the openai-compatible adapter, not /api/chat",
	})
}

// FuzzOllamaValidated checks every ollama output against the engine's
// event validator.
func FuzzOllamaValidated(f *testing.F) {
	f.Add(`{"model":"m","created_at":"t","message":{"role":"assistant","content":"a","thinking":"b","tool_calls":[{"function":{"name":"f","arguments":{"x":[1]}}}]},"done":false}`, `{"done":true,"done_reason":"stop","prompt_eval_count":1,"eval_count":2}`)
	f.Add(`{"error":"boom"}`, `{"error":"model \"x\" not found"}`)
	m := engine.NewNative("ollama", ollama.New())
	f.Fuzz(func(t *testing.T, a, b string) {
		fuzzValidated(t, m, []byte(`{"model":"llama3.2","stream":true}`), a, b)
	})
}
