// Package zhipu is the wasmadapt adapter for Zhipu AI's GLM Chat
// Completions API (POST https://open.bigmodel.cn/api/paas/v4/chat/completions,
// or https://api.z.ai/api/paas/v4/chat/completions for Z.ai; bearer key):
// a dialect of package chatcompletions built from a hosted.Spec. What
// differs from OpenAI:
//
//   - The path is /v4/chat/completions below the /api/paas base.
//   - GLM-4.5 and later think unless the provider option thinking is
//     {"type":"disabled"}; reasoning streams as reasoning_content:
//     reasoning-delta events. There is no effort level or token budget:
//     both are refused.
//   - tool_choice takes "auto" only: none, required and a named tool are
//     refused. Strict tools are refused; structured output is JSON mode
//     (json_object) only. Images on the V models (glm-4.5v, glm-4v).
//   - temperature must lie in [0, 1]; frequency and presence penalties,
//     logit_bias, logprobs, n, seed and parallel_tool_calls do not exist
//     and are refused. do_sample, request_id, user_id and tool_stream
//     (streamed tool arguments on GLM-4.6) pass through.
//   - Streams carry usage in the finishing chunk unasked (stream_options
//     is not sent). finish_reason "sensitive" (moderation cut the output)
//     is content_filter, "network_error" error, and
//     "model_context_window_exceeded" length.
//   - Errors: {"error":{"code":"<number>","message"}}, mapped by code:
//     1000-1004 authentication, 1113 (balance spent) rate_limited and not
//     retryable, 1211 not_found, 1261 context_length_exceeded, 1301
//     content_filter, 1302 and 1303 rate_limited, 1305 overloaded.
//
// Provider options: do_sample, request_id, thinking, tool_stream, user_id.
package zhipu

import (
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Version is the module's version.
const Version = "1.0.0"

const (
	onlyAuto = "GLM takes tool_choice auto only; use auto"
	checkKey = "check the API key the host is configured with"
)

// Spec is the Zhipu (GLM) platform.
var Spec = hosted.Spec{
	Name:          "zhipu",
	BaseURL:       "https://open.bigmodel.cn/api/paas",
	Path:          "/v4/chat/completions",
	NoEffort:      "remove it; the model decides how long it thinks",
	NoStreamUsage: true,
	Options:       hosted.Pass("do_sample:boolean", "request_id:string", "thinking:object", "tool_stream:boolean", "user_id:string"),
	Refused: hosted.Same("GLM does not support it; remove it", "frequency_penalty", "presence_penalty", "logit_bias", "logprobs",
		"top_logprobs", "n", "seed", "parallel_tool_calls", "service_tier", "store", "metadata", "prediction", "user"),
	MaxTemperature:    1,
	ToolChoiceRefused: hosted.Same(onlyAuto, "none", "required", "tool"),
	Families: []hosted.Family{
		{Match: []string{"glm-4.5v", "glm-4.6v", "glm-4v"}, Vision: true, Reasoning: true, Structured: hosted.JSONMode},
		{Match: []string{"glm-4.5", "glm-4.6", "glm-4.7", "glm-5"}, Reasoning: true, Structured: hosted.JSONMode},
	},
	Default: hosted.Family{Structured: hosted.JSONMode},
	// Limits: the context length and most output tokens of Z.ai's model
	// pages (GLM-4.6: 200K and 128K; GLM-4.5 and GLM-4.5-Air: 128K and
	// 96K), a K read as 1024 tokens, the larger reading, so the host never
	// refuses a request the platform takes.
	Limits: []opkit.Limit{
		{Prefix: "glm-4.6", Context: 200 << 10, Out: 128 << 10},
		{Prefix: "glm-4.5", Context: 128 << 10, Out: 96 << 10},
	},
	Finish: map[string]abi.FinishReason{
		"sensitive": abi.FinishContentFilter, "network_error": abi.FinishError, "model_context_window_exceeded": abi.FinishLength,
	},
	Errors: []hosted.ErrorRule{
		{Code: "1000", To: abi.CodeAuthentication, Hint: checkKey}, {Code: "1001", To: abi.CodeAuthentication, Hint: checkKey},
		{Code: "1002", To: abi.CodeAuthentication, Hint: checkKey}, {Code: "1003", To: abi.CodeAuthentication, Hint: checkKey},
		{Code: "1004", To: abi.CodeAuthentication, Hint: checkKey},
		{Code: "1113", To: abi.CodeRateLimited, Hint: "the Zhipu account balance is spent; top it up (retrying will not help)"},
		{Code: "1211", To: abi.CodeNotFound, Hint: "check the model name"},
		{Code: "1261", To: abi.CodeContextLengthExceeded, Hint: "shorten the conversation or lower max_output_tokens"},
		{Code: "1301", To: abi.CodeContentFilter, Hint: "Zhipu's content moderation blocked it; rephrase the request"},
		{Code: "1302", To: abi.CodeRateLimited, Retryable: true, Hint: "retry after a delay"},
		{Code: "1303", To: abi.CodeRateLimited, Retryable: true, Hint: "retry after a delay"},
		{Code: "1305", To: abi.CodeOverloaded, Retryable: true, Hint: "GLM is overloaded; retry after a delay"},
	},
}

// New returns the Zhipu adapter.
func New() guest.Adapter { return Spec.New(Version) }
