package recordings_test

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/adapters-wasm/cohere"
)

func TestCohereRecordings(t *testing.T) {
	familyRecordings(t, "cohere", "cohere", cohere.New(), map[string]string{
		"test_cohere_model_thinking_part.yaml.0": "interaction 0 of this cassette is an OpenAI Responses API call, not Cohere",
	})
}
