// Package huggingface is the wasmadapt adapter for Hugging Face Inference
// Providers through the router's OpenAI-compatible Chat Completions API
// (POST https://router.huggingface.co/v1/chat/completions, bearer hf_
// token): a dialect of package chatcompletions built from a hosted.Spec.
// What differs from OpenAI:
//
//   - The model names the Hub repository and, optionally, the serving
//     provider or a routing policy after a colon
//     ("openai/gpt-oss-120b:cerebras", "deepseek-ai/DeepSeek-R1:fastest");
//     it is sent as given. Features follow the model family, not the
//     provider.
//   - The serving provider decides what is enforced, so the adapter fails
//     closed where providers differ: json_schema response formats are sent
//     best-effort (strict refused) and strict tools are refused.
//   - Reasoning arrives as reasoning_content or reasoning, depending on the
//     provider; both are read (reasoning-delta events). reasoning.effort
//     goes to gpt-oss only.
//   - Errors come as {"error": "<message>"} or OpenAI-shaped. A model the
//     chosen provider does not serve is not_found (pick another provider);
//     402 (the monthly included credits are spent) is rate_limited and not
//     retryable; 503 overloaded.
//
// Provider options: frequency_penalty, logprobs, presence_penalty, seed,
// top_logprobs.
package huggingface

import (
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Version is the module's version.
const Version = "1.0.0"

const otherProvider = "the provider does not serve this model; name another one after the colon, or none"

// Spec is the Hugging Face router.
var Spec = hosted.Spec{
	Name:            "huggingface",
	BaseURL:         "https://router.huggingface.co",
	ReasoningFields: []string{"reasoning_content", "reasoning"},
	Options:         hosted.Pass("frequency_penalty", "logprobs", "presence_penalty", "seed", "top_logprobs"),
	Refused: hosted.Same("the router does not pass it to every provider; remove it", "logit_bias", "n", "parallel_tool_calls",
		"service_tier", "store", "metadata", "prediction", "user"),
	Families: []hosted.Family{
		{Match: []string{"gpt-oss"}, Reasoning: true, Structured: hosted.BestEffortSchema},
		{Match: []string{"instruct-2507", "qwen3-coder"}, Structured: hosted.BestEffortSchema},
		{Match: []string{"deepseek-r1", "deepseek-v3.1", "deepseek-v3.2", "qwen3", "qwq", "thinking", "glm-4.5", "glm-4.6"}, Reasoning: true,
			Structured: hosted.BestEffortSchema, Unsupported: hosted.RefuseEffort},
		{Match: []string{"-vl", "vision", "llama-4", "gemma-3"}, Vision: true, Structured: hosted.BestEffortSchema},
	},
	OpenWeights: true,
	Default:     hosted.Family{Structured: hosted.BestEffortSchema},
	Errors: append([]hosted.ErrorRule{
		{Code: "model_not_supported", To: abi.CodeNotFound, Hint: otherProvider},
		{Contains: "not supported by provider", To: abi.CodeNotFound, Hint: otherProvider},
		{Status: 402, To: abi.CodeRateLimited, Hint: "the monthly included credits are spent; add credits or wait for the next month (retrying will not help)"},
	}, hosted.CommonErrors...),
}

// New returns the Hugging Face router adapter.
func New() guest.Adapter { return Spec.New(Version) }
