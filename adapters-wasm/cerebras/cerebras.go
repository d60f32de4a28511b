// Package cerebras is the wasmadapt adapter for the Cerebras Inference
// Chat Completions API (POST https://api.cerebras.ai/v1/chat/completions,
// bearer key): a dialect of package chatcompletions built from a
// hosted.Spec. What differs from OpenAI:
//
//   - frequency_penalty, presence_penalty, logit_bias, parallel_tool_calls
//     and service_tier answer 400 at Cerebras: refused first with
//     capability_unsupported.
//   - Reasoning (gpt-oss-120b, zai-glm, the Qwen3 thinking models) comes in
//     a "reasoning" delta field when reasoning_format is "parsed"; the
//     defaults differ per model (Qwen3 puts <think> text inside the answer),
//     so the adapter asks for "parsed" unless the request sets
//     reasoning_format, and refuses "raw" (this adapter does not split
//     inline think tags). reasoning.effort is sent as reasoning_effort on
//     gpt-oss only.
//   - Strict tools and strict json_schema response formats are enforced by
//     constrained decoding, except on the Qwen models, where strict tools
//     are refused.
//   - Text only: images are refused. Usage comes in the finishing chunk
//     (with time_info, which has no normalized field).
//   - Errors are top-level {"message","type","param","code"}; 429
//     (request or token quota) is rate_limited, 503 "high traffic" is
//     overloaded, both retryable.
//
// Provider options: logprobs, reasoning_format (parsed, hidden, none),
// seed, top_logprobs, user.
package cerebras

import (
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Version is the module's version.
const Version = "1.0.0"

const badRequest = "Cerebras answers 400 to it; remove it"

var parsed = map[string]string{"reasoning_format": `"parsed"`}

// Spec is the Cerebras platform.
var Spec = hosted.Spec{
	Name:            "cerebras",
	BaseURL:         "https://api.cerebras.ai",
	MaxTokensField:  "max_completion_tokens",
	ReasoningFields: []string{"reasoning"},
	StrictTools:     true,
	Options:         hosted.Pass("logprobs", "reasoning_format:string", "seed", "top_logprobs", "user"),
	Refused:         hosted.Same(badRequest, "frequency_penalty", "presence_penalty", "logit_bias", "parallel_tool_calls", "service_tier", "n", "store", "metadata", "prediction"),
	RefusedValues: map[string]map[string]string{"reasoning_format": {
		`"raw"`: `it puts the reasoning inside the answer, which this adapter does not split: use "parsed" (reasoning events) or "hidden"`,
	}},
	Families: []hosted.Family{
		{Match: []string{"gpt-oss"}, Reasoning: true, Defaults: parsed},
		{Match: []string{"qwen-3-235b-a22b-instruct", "qwen-3-coder"}, NoStrictTools: true},
		{Match: []string{"qwen"}, Reasoning: true, NoStrictTools: true, Defaults: parsed, Unsupported: hosted.RefuseEffort},
		{Match: []string{"glm"}, Reasoning: true, Defaults: parsed, Unsupported: hosted.RefuseEffort},
	},
	OpenWeights: true,
	Errors: append([]hosted.ErrorRule{
		{Status: 503, To: abi.CodeOverloaded, Retryable: true, Hint: "Cerebras is at capacity; retry after a delay"},
	}, hosted.CommonErrors...),
}

// New returns the Cerebras adapter.
func New() guest.Adapter { return Spec.New(Version) }
