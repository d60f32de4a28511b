// Package vllm is the wasmadapt adapter for vLLM's OpenAI-compatible
// server (vllm serve; POST http://localhost:8000/v1/chat/completions): a
// preset of package openaicompatible, which documents the projection,
// think splitting, emulated tool calling and the model-name suffixes. What
// the preset adds:
//
//   - Its own module name and default base URL (http://localhost:8000),
//     bearer auth (vllm serve --api-key; the model suffix "+no-auth" for a
//     server without one).
//   - Reasoning: a server started with --reasoning-parser returns the
//     reasoning apart, as "reasoning_content" (or "reasoning" in newer
//     releases), read as reasoning-delta events; without a parser the
//     model's <think> text is split inline.
//   - Structured output: response_format json_schema is served by vLLM's
//     guided decoding; its own structured_outputs object (json, regex,
//     choice, grammar, structural_tag) and the older guided_json,
//     guided_regex, guided_choice and guided_grammar fields are passed on.
//   - Errors: vLLM's {"object":"error","message","type","code"} bodies are
//     read like OpenAI's.
//
// Provider options: the generic module's (tool_mode, think,
// think_start_in_reasoning, path, stream_usage, chat_template_kwargs,
// frequency_penalty, logit_bias, logprobs, min_p, parallel_tool_calls,
// presence_penalty, repetition_penalty, seed, top_k, top_logprobs, user)
// and guided_choice, guided_grammar, guided_json, guided_regex,
// include_stop_str_in_output, min_tokens, skip_special_tokens,
// structured_outputs.
package vllm

import (
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	openaicompatible "github.com/wasmadapt/wasmadapt/adapters-wasm/openai-compatible"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Version is the module's version.
const Version = "1.0.0"

// Preset is the vLLM preset.
var Preset = openaicompatible.Preset{
	Name:           "vllm",
	Version:        Version,
	DefaultBaseURL: "http://localhost:8000",
	Options: chatcompletions.Pass("guided_choice:array", "guided_grammar:string", "guided_json:object|string", "guided_regex:string",
		"include_stop_str_in_output:boolean", "min_tokens:integer", "skip_special_tokens:boolean", "structured_outputs:object"),
}

// New returns the vLLM adapter.
func New() guest.Adapter { return openaicompatible.NewPreset(Preset) }
