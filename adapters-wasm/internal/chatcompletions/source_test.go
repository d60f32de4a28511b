package chatcompletions

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

// TestStripNotChat: embedding and completions-only models lose every
// feature beyond text; safety classifiers lose tools and structured output
// but keep the images and reasoning of their family; chat models keep all.
func TestStripNotChat(t *testing.T) {
	for _, tc := range []struct {
		model             string
		tools, structured string
		vision, reasoning bool
	}{
		{"text-embedding-3-small", abi.SupportNone, abi.SupportNone, false, false},
		{"gpt-3.5-turbo-instruct", abi.SupportNone, abi.SupportNone, false, false},
		{"Qwen/Qwen3-Reranker-8B", abi.SupportNone, abi.SupportNone, false, false},
		{"Salesforce/Llama-Rank-V1", abi.SupportNone, abi.SupportNone, false, false},
		{"Qwen/Qwen3-Embedding-8B", abi.SupportNone, abi.SupportNone, false, false},
		{"meta-llama/Llama-Guard-4-12B", abi.SupportNone, abi.SupportNone, true, true},
		{"nvidia/llama-3.1-nemoguard-8b-content-safety", abi.SupportNone, abi.SupportNone, true, true},
		{"ibm/granite-guardian-3-2-5b", abi.SupportNone, abi.SupportNone, true, true},
		{"google/shieldgemma-2b", abi.SupportNone, abi.SupportNone, true, true},
		{"openai/gpt-oss-safeguard-20b", abi.SupportNative, abi.SupportNative, true, true},
		{"meta-llama/Llama-3.3-70B-Instruct", abi.SupportNative, abi.SupportNative, true, true},
	} {
		f := DefaultFeatures
		f.Vision, f.Reasoning = true, true
		StripNotChat(tc.model, &f)
		if f.ToolCalling != tc.tools || f.StructuredOutput != tc.structured || f.Vision != tc.vision || f.Reasoning != tc.reasoning ||
			(tc.tools == abi.SupportNone && f.ParallelToolCalls) {
			t.Errorf("StripNotChat(%q) = %+v", tc.model, f)
		}
	}
}
