// Package llamacpp is the wasmadapt adapter for the llama.cpp server
// (llama-server; POST http://localhost:8080/v1/chat/completions): a
// preset of package openaicompatible, which documents the projection,
// think splitting, emulated tool calling and the model-name suffixes. What
// the preset adds:
//
//   - Its own module name and default base URL (http://localhost:8080),
//     bearer auth (llama-server --api-key; the model suffix "+no-auth" for
//     a server without one). Tool calls need llama-server --jinja.
//   - Reasoning: with --reasoning-format deepseek (the default of recent
//     builds for thinking models) the reasoning arrives apart as
//     "reasoning_content", read as reasoning-delta events; with
//     --reasoning-format none the <think> text is split inline. The
//     request field reasoning_format overrides the server's per request.
//   - The last chunk (and a whole response) carries "timings" (prompt and
//     generation speed), which no event holds; it is ignored.
//   - llama.cpp's own sampling and cache fields are passed on:
//     cache_prompt (reuse the KV cache of a shared prompt prefix), grammar
//     (GBNF) and json_schema (grammar-constrained output), n_probs,
//     id_slot, mirostat, mirostat_tau, mirostat_eta, typical_p,
//     dry_multiplier, timings_per_token.
//   - Errors: {"error":{"code","message","type"}}; a server still loading
//     its model answers 503, overloaded and retryable; a prompt over the
//     slot's context (type exceed_context_size_error) is
//     context_length_exceeded.
//
// Provider options: the generic module's (tool_mode, think,
// think_start_in_reasoning, path, stream_usage, chat_template_kwargs,
// frequency_penalty, logit_bias, logprobs, min_p, parallel_tool_calls,
// presence_penalty, repetition_penalty, seed, top_k, top_logprobs, user)
// and cache_prompt, dry_multiplier, grammar, id_slot, json_schema,
// mirostat, mirostat_eta, mirostat_tau, n_probs, reasoning_format,
// timings_per_token, typical_p.
package llamacpp

import (
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	openaicompatible "github.com/wasmadapt/wasmadapt/adapters-wasm/openai-compatible"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Version is the module's version.
const Version = "1.0.0"

// Preset is the llama.cpp server preset.
var Preset = openaicompatible.Preset{
	Name:           "llamacpp",
	Version:        Version,
	DefaultBaseURL: "http://localhost:8080",
	Options: chatcompletions.Pass("cache_prompt:boolean", "dry_multiplier:number", "grammar:string", "id_slot:integer",
		"json_schema:object", "mirostat:integer", "mirostat_eta:number", "mirostat_tau:number", "n_probs:integer",
		"reasoning_format:string", "timings_per_token:boolean", "typical_p:number"),
	Error: mapError,
}

func mapError(info *chatcompletions.ErrorInfo, e *abi.Error) {
	if info.Type == "exceed_context_size_error" {
		e.Code, e.Retryable = abi.CodeContextLengthExceeded, false
		e.Message = info.Summary + ": shorten the conversation, or start llama-server with a larger context (--ctx-size)"
	}
}

// New returns the llama.cpp server adapter.
func New() guest.Adapter { return openaicompatible.NewPreset(Preset) }
