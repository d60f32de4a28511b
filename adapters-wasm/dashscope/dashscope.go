// Package dashscope is the wasmadapt adapter for Alibaba Cloud Model
// Studio (DashScope) in OpenAI-compatible mode (POST
// https://dashscope-intl.aliyuncs.com/compatible-mode/v1/chat/completions;
// dashscope.aliyuncs.com for the Beijing region; bearer key): the Qwen
// models, as a dialect of package chatcompletions built from a hosted.Spec.
// What differs from OpenAI:
//
//   - Thinking: hybrid models (Qwen3, qwen-plus, qwen-flash, qwen-turbo,
//     qwen3-max, Qwen3.5) think when enable_thinking is true; the open
//     Qwen3 models (qwen3-32b, qwen3-235b-a22b, ...) think by default, the
//     commercial ones do not; QwQ, QVQ and the -thinking models always
//     think. Reasoning streams as reasoning_content: reasoning-delta events.
//     reasoning.budget_tokens is sent as thinking_budget with
//     enable_thinking true; reasoning.effort has no DashScope field and is
//     refused.
//   - Thinking runs in streaming mode only: a non-streamed request in
//     thinking mode is refused; a non-streamed request to an open Qwen3
//     model that does not set enable_thinking gets enable_thinking false
//     (DashScope would otherwise answer 400).
//   - JSON mode only (json_object); thinking-only models take no
//     response_format at all. Strict tools are refused. Images on the VL
//     and QVQ models.
//   - Streams ask for usage with stream_options.include_usage (a last
//     chunk with empty choices); prompt_tokens_details.cached_tokens is the
//     cached input.
//   - Errors: {"error":{"code","message","type"},"request_id"}; code
//     data_inspection_failed (Alibaba's content moderation) is
//     content_filter, Arrearage (an overdue account) is rate_limited and
//     not retryable, "Range of input length" context_length_exceeded.
//
// Provider options: enable_search, enable_thinking, logprobs, n,
// parallel_tool_calls, presence_penalty, repetition_penalty, search_options,
// seed, thinking_budget, top_k, top_logprobs, vl_high_resolution_images.
package dashscope

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Version is the module's version.
const Version = "1.0.0"

// budget strips reasoning.budget_tokens from the generic projection; extend
// sends it as thinking_budget.
var budget = map[string]chatcompletions.Action{chatcompletions.FeatureReasoningBudget: chatcompletions.Strip}

// Spec is the DashScope platform.
var Spec = hosted.Spec{
	Name:     "dashscope",
	BaseURL:  "https://dashscope-intl.aliyuncs.com/compatible-mode",
	NoEffort: "it takes a thinking budget: set reasoning.budget_tokens instead",
	Options: hosted.Pass("enable_search:boolean", "enable_thinking:boolean", "logprobs", "n", "parallel_tool_calls",
		"presence_penalty", "repetition_penalty", "search_options:object", "seed", "thinking_budget:integer", "top_k",
		"top_logprobs", "vl_high_resolution_images:boolean"),
	Refused: hosted.Same("DashScope does not support it; remove it", "frequency_penalty", "logit_bias", "service_tier", "store", "metadata", "prediction", "user"),
	Families: []hosted.Family{
		{Match: []string{"qwq", "qvq", "-thinking"}, Reasoning: true, Structured: hosted.NoStructured, Unsupported: budget,
			Refused: hosted.Same("the model always thinks; remove it", "enable_thinking")},
		{Match: []string{"-vl", "qwen-vl"}, Vision: true, Structured: hosted.JSONMode},
		{Match: []string{"instruct-2507", "qwen3-coder", "qwen-max"}, Structured: hosted.JSONMode},
		{Match: []string{"qwen3", "qwen-plus", "qwen-flash", "qwen-turbo", "qwen3.5"}, Reasoning: true, Structured: hosted.JSONMode, Unsupported: budget},
	},
	OpenWeights: true,
	Default:     hosted.Family{Structured: hosted.JSONMode},
	Errors: []hosted.ErrorRule{
		{Code: "data_inspection_failed", To: abi.CodeContentFilter, Hint: "Alibaba Cloud's content moderation blocked the input or output; rephrase the request"},
		{Code: "Arrearage", To: abi.CodeRateLimited, Hint: "the Alibaba Cloud account is overdue; settle the bill (retrying will not help)"},
		{Contains: "range of input length", To: abi.CodeContextLengthExceeded, Hint: "shorten the conversation or lower max_output_tokens"},
	},
}

// The hooks read Spec, so they are set after it.
func init() { Spec.Rewrite, Spec.Extend = Rewrite, extend }

// New returns the DashScope adapter.
func New() guest.Adapter { return Spec.New(Version) }

// ThinksByDefault reports whether model thinks when enable_thinking is not
// set: the thinking-only models and the open Qwen3 models.
func ThinksByDefault(model string) bool {
	m := strings.ToLower(model)
	fam := Spec.Family(m)
	if !fam.Reasoning {
		return false
	}
	if fam.Structured == hosted.NoStructured {
		return true
	}
	// Open Qwen3 models are named by size: qwen3-32b, qwen3-235b-a22b.
	rest, ok := strings.CutPrefix(m, "qwen3-")
	return ok && len(rest) > 0 && rest[0] >= '0' && rest[0] <= '9'
}

// Thinking reports whether req runs in thinking mode: enable_thinking when
// set, else a token budget, else the model's default.
func Thinking(req *abi.Request) bool {
	if !Spec.Family(req.Model).Reasoning {
		return false
	}
	if v, ok := req.ProviderOptions["enable_thinking"]; ok {
		var on bool
		if json.Unmarshal(v, &on) == nil {
			return on
		}
	}
	if r := req.Reasoning; r != nil && r.BudgetTokens != nil {
		return true
	}
	return ThinksByDefault(req.Model)
}

// Rewrite refuses thinking asked for (or always on) outside streaming
// mode.
func Rewrite(req *abi.Request) (*abi.Request, error) {
	fam := Spec.Family(req.Model)
	if !req.Stream && fam.Reasoning && (explicit(req) || fam.Structured == hosted.NoStructured) {
		return nil, &abi.Error{Code: abi.CodeCapabilityUnsupported, Pointer: "/stream",
			Message: fmt.Sprintf("dashscope model %q does not support thinking without streaming: set stream true, or enable_thinking false on a hybrid model", req.Model)}
	}
	if r := req.Reasoning; r != nil && r.BudgetTokens != nil && *r.BudgetTokens <= 0 {
		return nil, &abi.Error{Code: abi.CodeInvalidRequest, Pointer: "/reasoning/budget_tokens", Message: "reasoning.budget_tokens must be positive"}
	}
	return req, nil
}

// explicit reports whether req asks for thinking itself: enable_thinking
// true or a token budget.
func explicit(req *abi.Request) bool {
	v, ok := req.ProviderOptions["enable_thinking"]
	return (ok && strings.TrimSpace(string(v)) == "true") || (req.Reasoning != nil && req.Reasoning.BudgetTokens != nil)
}

// extend sends the token budget as thinking_budget, and enable_thinking
// false where DashScope would otherwise think without streaming.
func extend(req *abi.Request, body *chatcompletions.Body) error {
	if r := req.Reasoning; r != nil && r.BudgetTokens != nil {
		body.SetRaw("thinking_budget", json.RawMessage(fmt.Sprint(*r.BudgetTokens)))
		if _, ok := body.Get("enable_thinking"); !ok && Spec.Family(req.Model).Structured != hosted.NoStructured {
			body.SetRaw("enable_thinking", json.RawMessage("true"))
		}
	}
	if !req.Stream && Spec.Family(req.Model).Reasoning {
		if _, ok := body.Get("enable_thinking"); !ok {
			body.SetRaw("enable_thinking", json.RawMessage("false"))
		}
	}
	return nil
}
