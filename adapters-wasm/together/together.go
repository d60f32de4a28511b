// Package together is the wasmadapt adapter for Together AI's Chat
// Completions API (POST https://api.together.xyz/v1/chat/completions,
// bearer key): a dialect of package chatcompletions built from a
// hosted.Spec. What differs from OpenAI:
//
//   - Reasoning models (DeepSeek-R1 and V3.1+, Qwen3 thinking models and
//     QwQ, gpt-oss, Kimi K2 thinking, GLM-4.5+) stream their reasoning in
//     a "reasoning" delta field: reasoning-delta events. reasoning.effort
//     is sent as reasoning_effort (gpt-oss); the provider option reasoning
//     ({"enabled":bool}) switches hybrid models.
//   - Streams end with a chunk holding finish_reason and usage together;
//     finish_reason "eos" (end of sequence) is stop.
//   - logprobs is an integer (0-20) at Together, not a boolean; top_k,
//     min_p, repetition_penalty, echo, safety_model and
//     context_length_exceeded_behavior are Together's own.
//   - Tools only on the model lines Together lists for function calling
//     (the families of Spec; a model of none, such as MythoMax, has none).
//     Strict tools are refused (Together constrains response formats,
//     not tool arguments); json_schema response formats are supported on
//     the models Together lists for structured outputs, json_object
//     elsewhere. Images on the vision models (Llama 4, Llama 3.2 Vision,
//     Qwen VL, Gemma 3).
//   - Errors: {"error":{"message","type","param","code"}} or
//     {"message","type_"}; 402 (no credit) is rate_limited, not
//     retryable; 503 and 524 (model busy, timeout) are retryable.
//
// Provider options: context_length_exceeded_behavior, echo,
// frequency_penalty, logit_bias, logprobs, min_p, n, parallel_tool_calls,
// presence_penalty, reasoning, repetition_penalty, safety_model, seed,
// top_k, user.
package together

import (
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Version is the module's version.
const Version = "1.0.0"

// Spec is the Together AI platform.
var Spec = hosted.Spec{
	Name:            "together",
	BaseURL:         "https://api.together.xyz",
	ReasoningFields: []string{"reasoning"},
	Options: hosted.Pass("context_length_exceeded_behavior:string", "echo:boolean", "frequency_penalty", "logit_bias",
		"logprobs:integer", "min_p", "n", "parallel_tool_calls", "presence_penalty", "reasoning:object",
		"repetition_penalty", "safety_model:string", "seed", "top_k", "user"),
	Refused: hosted.Same("Together does not support it; remove it", "service_tier", "store", "metadata", "prediction", "top_logprobs"),
	Families: []hosted.Family{
		{Match: []string{"gpt-oss"}, Reasoning: true},
		{Match: []string{"deepseek-r1", "qwq", "thinking", "deepseek-v3.1", "deepseek-v3.2", "glm-4.5", "glm-4.6"}, Reasoning: true,
			Unsupported: hosted.RefuseEffort},
		{Match: []string{"llama-4", "vision", "-vl", "gemma-3"}, Vision: true},
		{Match: []string{"llama-3.3", "llama-3.1", "qwen2.5", "qwen3", "deepseek-v3", "mistral-small", "kimi-k2"}},
	},
	OpenWeights: true,
	Default:     hosted.Family{Structured: hosted.JSONMode, NoTools: true},
	Lines:       []string{"mythomax"},
	Finish:      map[string]abi.FinishReason{"eos": abi.FinishStop},
	Errors: append([]hosted.ErrorRule{
		{Status: 524, To: abi.CodeServerError, Retryable: true, Hint: "Together timed out waiting for the model; retry after a delay"},
	}, hosted.CommonErrors...),
}

// New returns the Together AI adapter.
func New() guest.Adapter { return Spec.New(Version) }
