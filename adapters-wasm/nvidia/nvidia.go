// Package nvidia is the wasmadapt adapter for NVIDIA NIM's Chat
// Completions API: the hosted API catalog (POST
// https://integrate.api.nvidia.com/v1/chat/completions, bearer nvapi- key)
// and self-hosted NIM containers at the same path (the host sets the base
// URL). A dialect of package chatcompletions built from a hosted.Spec. What
// differs from OpenAI:
//
//   - Reasoning models (DeepSeek-R1, Qwen3, gpt-oss, Nemotron reasoning
//     models served with a reasoning parser) stream reasoning_content:
//     reasoning-delta events; reasoning.effort goes to gpt-oss only.
//   - Structured output is JSON mode through response_format; schema
//     constraints go through NIM's nvext extension (provider option nvext:
//     {"guided_json": ...}), so a json_schema response format is refused.
//     Strict tools are refused.
//   - Images on the vision models (Llama 3.2 Vision, Llama 4, "-vl" and
//     "vision" models).
//   - Errors are RFC 9457 problem bodies ({"type","status","title",
//     "detail"}) or OpenAI-shaped; the detail (and title) is the message.
//     402 (the API catalog's credits are used up) is rate_limited and not
//     retryable.
//
// Provider options: frequency_penalty, nvext, presence_penalty, seed,
// top_k, user.
package nvidia

import (
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Version is the module's version.
const Version = "1.0.0"

// Spec is the NVIDIA NIM platform.
var Spec = hosted.Spec{
	Name:    "nvidia",
	BaseURL: "https://integrate.api.nvidia.com",
	Options: hosted.Pass("frequency_penalty", "nvext:object", "presence_penalty", "seed", "top_k", "user"),
	Refused: hosted.Same("NIM does not support it; remove it", "logit_bias", "logprobs", "top_logprobs", "n",
		"parallel_tool_calls", "service_tier", "store", "metadata", "prediction"),
	Families: []hosted.Family{
		{Match: []string{"gpt-oss"}, Reasoning: true, Structured: hosted.JSONMode},
		{Match: []string{"deepseek-r1", "qwen3", "qwq", "reasoning", "thinking"}, Reasoning: true, Structured: hosted.JSONMode,
			Unsupported: hosted.RefuseEffort},
		{Match: []string{"vision", "-vl", "llama-4"}, Vision: true, Structured: hosted.JSONMode},
	},
	OpenWeights: true,
	Default:     hosted.Family{Structured: hosted.JSONMode},
	Errors:      hosted.CommonErrors,
}

// New returns the NVIDIA NIM adapter.
func New() guest.Adapter { return Spec.New(Version) }
