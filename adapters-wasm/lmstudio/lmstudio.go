// Package lmstudio is the wasmadapt adapter for LM Studio's
// OpenAI-compatible server (POST http://localhost:1234/v1/chat/completions):
// a preset of package openaicompatible, which documents the projection,
// think splitting, emulated tool calling and the model-name suffixes. What
// the preset adds:
//
//   - Its own module name and default base URL (http://localhost:1234),
//     and auth scheme none: LM Studio's server takes no key by default,
//     so the host needs no credential.
//   - Models load on demand (just-in-time loading): the request field ttl
//     (seconds) unloads the model after that much idle time;
//     draft_model names a draft model for speculative decoding.
//   - Structured output: response_format json_schema is enforced by LM
//     Studio (grammar-constrained for GGUF models, outlines for MLX).
//   - Reasoning of thinking models arrives as "reasoning_content" (or
//     "reasoning") when the server separates it, read as reasoning-delta
//     events; otherwise the <think> text is split inline.
//
// Provider options: the generic module's (tool_mode, think,
// think_start_in_reasoning, path, stream_usage, chat_template_kwargs,
// frequency_penalty, logit_bias, logprobs, min_p, parallel_tool_calls,
// presence_penalty, repetition_penalty, seed, top_k, top_logprobs, user)
// and draft_model, ttl.
package lmstudio

import (
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	openaicompatible "github.com/wasmadapt/wasmadapt/adapters-wasm/openai-compatible"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Version is the module's version.
const Version = "1.0.0"

// Preset is the LM Studio preset.
var Preset = openaicompatible.Preset{
	Name:           "lmstudio",
	Version:        Version,
	DefaultBaseURL: "http://localhost:1234",
	NoAuth:         true,
	Options:        chatcompletions.Pass("draft_model:string", "ttl:integer"),
}

// New returns the LM Studio adapter.
func New() guest.Adapter { return openaicompatible.NewPreset(Preset) }
