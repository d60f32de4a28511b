package recordings_test

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/adapters-wasm/ollama"
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

// TestOllamaCases runs testdata/ollama natively.
func TestOllamaCases(t *testing.T) { runCases(t, "ollama", ollama.New()) }
