package recordings_test

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/adapters-wasm/xai"
)

func TestXAIRecordings(t *testing.T) {
	responses := "an xAI Responses API (/v1/responses) stream or body; this module speaks Chat Completions"
	familyRecordings(t, "xai", "xai", xai.New(), map[string]string{
		"xai-text-streaming.1.chunks.txt":  responses,
		"xai-web-search-tool.1.chunks.txt": responses,
		"xai-web-search-tool.1.json":       responses,
	})
}
