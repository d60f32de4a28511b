package recordings_test

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/adapters-wasm/openai"
)

// TestOpenAIChatRecordings runs every openai-chat recording present in
// ../shared through the openai adapter (with the host's framer, one chunk a
// call and all in one call) and compares the events with our reviewed
// expectations in testdata/openai/recordings.
func TestOpenAIChatRecordings(t *testing.T) {
	checkRecordings(t, "openai-chat", "openai", openai.New(), nil, nil)
}
