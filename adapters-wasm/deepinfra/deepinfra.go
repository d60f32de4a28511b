// Package deepinfra is the wasmadapt adapter for DeepInfra's
// OpenAI-compatible Chat Completions API (POST
// https://api.deepinfra.com/v1/openai/chat/completions, bearer key): a
// dialect of package chatcompletions built from a hosted.Spec. What differs
// from OpenAI:
//
//   - Reasoning models (DeepSeek-R1 and V3.1+, Qwen3 thinking, QwQ,
//     gpt-oss, Kimi K2 thinking, GLM-4.5+) stream reasoning_content:
//     reasoning-delta events; reasoning.effort is sent as reasoning_effort
//     on gpt-oss and the hybrid models, refused on DeepSeek-R1.
//   - Structured output is JSON mode (response_format json_object) on most
//     models: a json_schema response format is refused, except on the
//     model families DeepInfra serves with schema-constrained decoding
//     (Llama 3.1+, Qwen 2.5+/3, gpt-oss, DeepSeek V3), where it is sent
//     best-effort (strict refused). Strict tools are refused.
//   - Usage arrives in the finishing chunk (with estimated_cost, which has
//     no normalized field); stream_options.include_usage is sent as well.
//   - DeepInfra's sampling options pass through: top_k, min_p,
//     repetition_penalty, service_tier ("default" or "priority").
//   - Errors come as {"error":{"message"}} or FastAPI {"detail": ...}; 402
//     (no balance) is rate_limited and not retryable; 503 (model busy or
//     cold) overloaded.
//
// Provider options: frequency_penalty, logprobs, min_p, n,
// presence_penalty, repetition_penalty, seed, service_tier, top_k,
// top_logprobs, user.
package deepinfra

import (
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Version is the module's version.
const Version = "1.0.0"

// Spec is the DeepInfra platform.
var Spec = hosted.Spec{
	Name:    "deepinfra",
	BaseURL: "https://api.deepinfra.com/v1/openai",
	Path:    "/chat/completions",
	Options: hosted.Pass("frequency_penalty", "logprobs", "min_p", "n", "presence_penalty", "repetition_penalty",
		"seed", "service_tier", "top_k", "top_logprobs", "user"),
	Refused: hosted.Same("DeepInfra does not support it; remove it", "logit_bias", "store", "metadata", "prediction", "parallel_tool_calls"),
	Families: []hosted.Family{
		{Match: []string{"deepseek-r1"}, Reasoning: true, Structured: hosted.JSONMode,
			Unsupported: hosted.RefuseEffort},
		{Match: []string{"instruct-2507", "qwen3-coder"}, Structured: hosted.BestEffortSchema},
		{Match: []string{"gpt-oss", "deepseek-v3.1", "deepseek-v3.2", "qwen3", "qwq", "thinking", "glm-4.5", "glm-4.6"}, Reasoning: true, Structured: hosted.BestEffortSchema},
		{Match: []string{"llama-4", "-vl", "vision", "gemma-3"}, Vision: true, Structured: hosted.BestEffortSchema},
		{Match: []string{"llama-3.1", "llama-3.3", "qwen2.5", "deepseek-v3"}, Structured: hosted.BestEffortSchema},
	},
	OpenWeights: true,
	Default:     hosted.Family{Structured: hosted.JSONMode},
	Errors:      hosted.CommonErrors,
}

// New returns the DeepInfra adapter.
func New() guest.Adapter { return Spec.New(Version) }
