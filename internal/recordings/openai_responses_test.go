package recordings_test

import (
	"testing"

	openairesponses "github.com/wasmadapt/wasmadapt/adapters-wasm/openai-responses"
)

// TestOpenAIResponsesRecordings replays every openai-responses recording of
// ../shared through the adapter and compares the events with our reviewed
// expectations in testdata/openai-responses/recordings.
func TestOpenAIResponsesRecordings(t *testing.T) {
	checkRecordings(t, "openai-responses", "openai-responses", openairesponses.New(),
		[]byte(`{"model":"gpt-4o","stream":true}`), nil)
}

// TestAzureResponsesRecordings replays the azure-openai recordings of
// Azure's Responses API surface (same wire format as OpenAI's) through the
// openai-responses adapter; the Chat Completions ones are
// TestAzureOpenAIRecordings'.
func TestAzureResponsesRecordings(t *testing.T) {
	skip := map[string]string{
		"azure-chat-basic.yaml":           "Azure Chat Completions: served by azure-openai",
		"azure-model-router.1.chunks.txt": "Azure Chat Completions: served by azure-openai",
	}
	checkRecordings(t, "azure-openai", "azure-openai", openairesponses.New(),
		[]byte(`{"model":"gpt-4.1-mini","stream":true}`), skip)
}
