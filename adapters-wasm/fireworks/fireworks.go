// Package fireworks is the wasmadapt adapter for Fireworks AI's Chat
// Completions API (POST https://api.fireworks.ai/inference/v1/chat/completions,
// bearer key; models are named accounts/<account>/models/<model>): a
// dialect of package chatcompletions built from a hosted.Spec. What differs
// from OpenAI:
//
//   - Reasoning models (DeepSeek-R1 and V3.1+, Qwen3, gpt-oss, Kimi K2
//     thinking, GLM-4.5+) stream their reasoning in reasoning_content:
//     reasoning-delta events. reasoning.effort is sent as reasoning_effort
//     (gpt-oss and Qwen3; refused for DeepSeek-R1, which always reasons).
//   - Streams carry usage in the last chunk unasked; stream_options is not
//     sent.
//   - Structured output: Fireworks constrains every model to a json_schema
//     response format (grammar-based). Strict tools are refused: Fireworks
//     documents no strict mode for tool arguments.
//   - Fireworks' own sampling and serving options pass through: top_k,
//     min_p, typical_p, repetition_penalty, mirostat_target, mirostat_lr,
//     prompt_truncate_len, context_length_exceeded_behavior,
//     perf_metrics_in_response.
//   - Images on the vision models (Llama 4, Qwen VL, "vision" models).
//   - Errors: {"error":{"object":"error","type","code","message"}}; 412
//     (account suspended or without a payment method) and 402 are
//     rate_limited and not retryable; 404 not_found (model not deployed).
//
// Provider options: context_length_exceeded_behavior, echo,
// frequency_penalty, logit_bias, logprobs, min_p, mirostat_lr,
// mirostat_target, n, perf_metrics_in_response, presence_penalty,
// prompt_truncate_len, repetition_penalty, seed, top_k, top_logprobs,
// typical_p, user.
package fireworks

import (
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Version is the module's version.
const Version = "1.0.0"

// Spec is the Fireworks AI platform.
var Spec = hosted.Spec{
	Name:          "fireworks",
	BaseURL:       "https://api.fireworks.ai/inference",
	NoStreamUsage: true,
	Options: hosted.Pass("context_length_exceeded_behavior:string", "echo:boolean", "frequency_penalty", "logit_bias",
		"logprobs:boolean|integer", "min_p", "mirostat_lr:number", "mirostat_target:number", "n",
		"perf_metrics_in_response:boolean", "presence_penalty", "prompt_truncate_len:integer", "repetition_penalty",
		"seed", "top_k", "top_logprobs", "typical_p:number", "user"),
	Refused: hosted.Same("Fireworks does not support it; remove it", "service_tier", "store", "metadata", "prediction", "parallel_tool_calls"),
	Families: []hosted.Family{
		{Match: []string{"deepseek-r1"}, Reasoning: true,
			Unsupported: hosted.RefuseEffort},
		{Match: []string{"gpt-oss", "qwen3", "qwq", "thinking", "deepseek-v3p1", "deepseek-v3p2", "glm-4p5", "glm-4p6"}, Reasoning: true},
		{Match: []string{"llama4", "-vl", "vision"}, Vision: true},
	},
	OpenWeights: true,
	Errors: append([]hosted.ErrorRule{
		{Status: 412, To: abi.CodeRateLimited, Hint: "the Fireworks account is suspended or has no payment method; fix billing (retrying will not help)"},
	}, hosted.CommonErrors...),
}

// New returns the Fireworks AI adapter.
func New() guest.Adapter { return Spec.New(Version) }
