package recordings_test

import (
	"testing"

	azureopenai "github.com/wasmadapt/wasmadapt/adapters-wasm/azure-openai"
)

// azureResponsesFiles are the azure-openai recordings of Azure's Responses
// API surface: the openai-responses adapter serves them
// (TestAzureResponsesRecordings), not the Chat Completions one.
var azureResponsesFiles = map[string]string{
	"azure-text.1.chunks.txt":      "Azure Responses API stream: served by openai-responses",
	"azure-text.1.json":            "Azure Responses API body: served by openai-responses",
	"azure-tool-call.1.chunks.txt": "Azure Responses API stream: served by openai-responses",
	"azure-tool-call.1.json":       "Azure Responses API body: served by openai-responses",
}

// TestAzureOpenAIRecordings replays the Azure Chat Completions recordings
// of ../shared (a model-router stream that opens with a prompt-filter
// chunk, a whole response with filter results) through the adapter and
// compares the events with testdata/azure-openai/recordings.
func TestAzureOpenAIRecordings(t *testing.T) {
	checkRecordings(t, "azure-openai", "azure-openai", azureopenai.New(),
		[]byte(`{"model":"gpt-5-nano","stream":true}`), azureResponsesFiles)
}
