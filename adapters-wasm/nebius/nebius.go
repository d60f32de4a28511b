// Package nebius is the wasmadapt adapter for Nebius AI Studio (Token
// Factory) Chat Completions (POST
// https://api.studio.nebius.com/v1/chat/completions, bearer key): a dialect
// of package chatcompletions built from a hosted.Spec. What differs from
// OpenAI:
//
//   - Reasoning models (DeepSeek-R1 and V3.1+, Qwen3 thinking and QwQ,
//     gpt-oss, GLM-4.5+, Kimi K2 thinking) stream reasoning_content:
//     reasoning-delta events; reasoning.effort goes to gpt-oss only.
//   - json_schema response formats are enforced by guided decoding, strict
//     ones included; strict tools are refused (the server does not enforce
//     tool schemas). The vLLM sampling extras pass through: top_k, min_p,
//     repetition_penalty, and the guided_* constraints.
//   - Images on the vision models (Qwen VL, Gemma 3, Llama 4 "vision"
//     checkpoints).
//   - Errors come OpenAI-shaped or as FastAPI {"detail": ...}; 402 (no
//     credit) is rate_limited and not retryable.
//
// Provider options: frequency_penalty, guided_choice, guided_json,
// guided_regex, logit_bias, logprobs, min_p, n, presence_penalty,
// repetition_penalty, seed, top_k, top_logprobs, user.
package nebius

import (
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Version is the module's version.
const Version = "1.0.0"

// Spec is the Nebius AI Studio platform.
var Spec = hosted.Spec{
	Name:    "nebius",
	BaseURL: "https://api.studio.nebius.com",
	Options: hosted.Pass("frequency_penalty", "guided_choice:array", "guided_json:object", "guided_regex:string",
		"logit_bias", "logprobs", "min_p", "n", "presence_penalty", "repetition_penalty", "seed", "top_k",
		"top_logprobs", "user"),
	Refused: hosted.Same("Nebius does not support it; remove it", "service_tier", "store", "metadata", "prediction"),
	Families: []hosted.Family{
		{Match: []string{"gpt-oss"}, Reasoning: true},
		{Match: []string{"instruct-2507", "qwen3-coder"}},
		{Match: []string{"deepseek-r1", "deepseek-v3.1", "deepseek-v3.2", "qwen3", "qwq", "thinking", "glm-4.5", "glm-4.6"}, Reasoning: true,
			Unsupported: hosted.RefuseEffort},
		{Match: []string{"-vl", "vision", "gemma-3"}, Vision: true},
	},
	OpenWeights: true,
	Errors:      hosted.CommonErrors,
}

// New returns the Nebius adapter.
func New() guest.Adapter { return Spec.New(Version) }
