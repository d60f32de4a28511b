// Package sambanova is the wasmadapt adapter for SambaNova Cloud's Chat
// Completions API (POST https://api.sambanova.ai/v1/chat/completions,
// bearer key): a dialect of package chatcompletions built from a
// hosted.Spec. What differs from OpenAI:
//
//   - SambaNova ignores logprobs, top_logprobs, n, presence_penalty,
//     frequency_penalty, logit_bias and seed: the adapter refuses them with
//     capability_unsupported rather than let them be dropped silently.
//     top_k passes through.
//   - Reasoning models (DeepSeek-R1 and V3.1+, Qwen3, gpt-oss) stream
//     their reasoning in a "reasoning" field ("reasoning_content" is read
//     too): reasoning-delta events; reasoning.effort goes to gpt-oss only.
//   - json_schema response formats are followed best-effort (strict is
//     refused), strict tools are refused. Images on Llama 4 Maverick.
//   - The usage object of the last chunk carries SambaNova's timing
//     fields (time_to_first_token, total_latency, throughput), which have
//     no normalized field.
//   - Errors: {"error":{"code","message","param","type"}}; 410 (a
//     retired model) is not_found; 429 rate_limited, 503 overloaded.
//
// Provider options: parallel_tool_calls, top_k, user.
package sambanova

import (
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Version is the module's version.
const Version = "1.0.0"

// Spec is the SambaNova Cloud platform.
var Spec = hosted.Spec{
	Name:            "sambanova",
	BaseURL:         "https://api.sambanova.ai",
	ReasoningFields: []string{"reasoning", "reasoning_content"},
	Options:         hosted.Pass("parallel_tool_calls", "top_k", "user"),
	Refused: hosted.Same("SambaNova ignores it; remove it", "logprobs", "top_logprobs", "n", "presence_penalty", "frequency_penalty",
		"logit_bias", "seed", "service_tier", "store", "metadata", "prediction"),
	Families: []hosted.Family{
		{Match: []string{"gpt-oss"}, Reasoning: true, Structured: hosted.BestEffortSchema},
		{Match: []string{"deepseek-r1", "deepseek-v3.1", "deepseek-v3.2", "qwen3", "qwq"}, Reasoning: true, Structured: hosted.BestEffortSchema,
			Unsupported: hosted.RefuseEffort},
		{Match: []string{"llama-4-maverick"}, Vision: true, Structured: hosted.BestEffortSchema},
	},
	OpenWeights: true,
	Default:     hosted.Family{Structured: hosted.BestEffortSchema},
	Errors: append([]hosted.ErrorRule{
		{Status: 410, To: abi.CodeNotFound, Hint: "the model is retired; pick a current one"},
	}, hosted.CommonErrors...),
}

// New returns the SambaNova adapter.
func New() guest.Adapter { return Spec.New(Version) }
