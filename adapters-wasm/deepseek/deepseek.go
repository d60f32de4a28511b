// Package deepseek is the wasmadapt adapter for DeepSeek's Chat
// Completions API (POST https://api.deepseek.com/chat/completions): a
// dialect of package chatcompletions, which documents the projection, the
// events and their order. What differs from OpenAI:
//
//   - Reasoning arrives as reasoning_content (deltas in streams, a message
//     field in whole responses): reasoning-delta events.
//   - Reasoning in the history: reasoning parts of other providers, and of
//     assistant turns without tool calls, are never sent. DeepSeek's
//     current thinking-mode documentation requires the reasoning_content
//     of assistant turns that made tool calls to be passed back (the API
//     answers 400 otherwise), so in thinking mode (see Thinking) a
//     tool-call turn carries the text of its DeepSeek-produced reasoning
//     parts (Part.Provider "deepseek"), "" when there are none.
//   - Thinking mode (deepseek-reasoner and deepseek-v4-* by default, or as
//     the provider option thinking says) accepts temperature, top_p and the
//     penalties without effect: the adapter refuses them with
//     capability_unsupported rather than let them be silently ignored, and
//     refuses logprobs and top_logprobs (rejected by the API) likewise.
//     reasoning.effort is sent as reasoning_effort on reasoning models; a
//     token budget is refused.
//   - Usage: prompt_cache_hit_tokens is cached_input_tokens and input
//     tokens are prompt_tokens (= hit + miss; hit + miss when
//     prompt_tokens is absent); completion_tokens includes
//     completion_tokens_details.reasoning_tokens. Streams ask for usage with
//     stream_options.include_usage.
//   - Keep-alive SSE comment lines (": keep-alive") sent while a request
//     waits are dropped by the host's framer; a body of keep-alives only
//     ends as stream_truncated.
//   - finish_reason insufficient_system_resource (the generation was cut
//     by DeepSeek's capacity) is a finish with reason error.
//   - Errors: 400 and 422 invalid_request, 401 authentication, 402
//     (insufficient balance) rate_limited and not retryable (top up the
//     balance), 429 rate_limited retryable, 500 server_error, 503
//     overloaded.
//   - No images; structured output is JSON mode only (json_object), so a
//     json_schema response format is refused with capability_unsupported;
//     strict tools exist only on DeepSeek's beta endpoint and are refused
//     with capability_unsupported.
//
// Provider options: frequency_penalty, logprobs, presence_penalty,
// thinking ({"type":"enabled"|"disabled"}), top_logprobs, user; OpenAI
// options DeepSeek lacks (logit_bias, seed, n, service_tier, store,
// metadata, parallel_tool_calls, prediction) are refused with
// capability_unsupported.
package deepseek

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// Version is the module's version.
const Version = "1.0.0"

// Path is DeepSeek's Chat Completions path.
const Path = "/chat/completions"

// Dialect returns the DeepSeek dialect of Chat Completions.
func Dialect() *chatcompletions.Dialect {
	no := "DeepSeek does not support it; remove it"
	return &chatcompletions.Dialect{
		Name:                 "deepseek",
		Version:              Version,
		Provider:             "deepseek",
		DefaultBaseURL:       "https://api.deepseek.com",
		MaxTokensField:       "max_tokens",
		ReasoningEffortField: "reasoning_effort",
		StreamUsage:          true,
		ReasoningFields:      []string{"reasoning_content"},
		EchoReasoning:        true,
		ReasoningMode:        Thinking,
		Options: chatcompletions.Pass("frequency_penalty", "logprobs", "presence_penalty", "thinking:object",
			"top_logprobs", "user"),
		Refused: map[string]string{
			"logit_bias": no, "seed": no, "n": no, "service_tier": no, "store": no,
			"metadata": no, "parallel_tool_calls": no, "prediction": no,
		},
		Model:   Model,
		Rewrite: Rewrite,
		Route:   func(*abi.Request) (string, map[string]string, error) { return Path, nil, nil },
		Finish:  Finish,
		Usage:   Usage,
		Error:   mapError,
	}
}

// New returns the DeepSeek adapter.
func New() guest.Adapter { return chatcompletions.New(Dialect()) }

// IsReasoningModel reports whether model runs in thinking mode by default:
// deepseek-reasoner and the deepseek-v4 models.
func IsReasoningModel(model string) bool {
	m := strings.ToLower(model)
	return strings.HasPrefix(m, "deepseek-reasoner") || strings.HasPrefix(m, "deepseek-v4") || strings.Contains(m, "-r1")
}

// Model returns what the adapter knows of a DeepSeek model: text only, JSON
// mode only, tools on every model; deepseek-reasoner and deepseek-v4 run in
// thinking mode by default (Rewrite applies the thinking-mode rules).
func Model(name string) chatcompletions.Model {
	f := chatcompletions.DefaultFeatures
	f.Vision = false
	f.StructuredOutput = abi.SupportJSONMode
	f.Reasoning = IsReasoningModel(name)
	f.Source = chatcompletions.Source(name, []string{"deepseek-chat", "deepseek-reasoner"}, []string{"deepseek-"})
	m := chatcompletions.Model{Features: f}
	if l, ok := opkit.FindLimit(Limits, name); ok {
		// Text only. The sampling parameters depend on the thinking mode
		// (Rewrite refuses temperature and top_p in it): a model thinking
		// by default leaves them unknown (thinking may be disabled per
		// request), one that does not takes temperature, top_p and stop
		// (DeepSeek has no seed or top_k).
		m.Details = l.Details()
		if !f.Reasoning {
			m.Details.Sampling = chatcompletions.Sampling(nil, false, false)
		}
	}
	return m
}

// Limits are the limits of DeepSeek's model lines (DeepSeek's Models &
// Pricing page: a 1M context and 384K most output tokens for
// deepseek-v4-flash and deepseek-v4-pro, and for deepseek-chat and
// deepseek-reasoner, the non-thinking and thinking modes of
// deepseek-v4-flash). The page writes K and M; they are read as 1024 and
// 1024², the larger reading, so the host never refuses a request the
// provider takes.
var Limits = []opkit.Limit{
	{Prefix: "deepseek-v4-flash", Context: 1 << 20, Out: 384 << 10},
	{Prefix: "deepseek-v4-pro", Context: 1 << 20, Out: 384 << 10},
	{Prefix: "deepseek-chat", Context: 1 << 20, Out: 384 << 10},
	{Prefix: "deepseek-reasoner", Context: 1 << 20, Out: 384 << 10},
}

// Thinking reports whether req runs in thinking mode: the provider option
// thinking {"type":"enabled"|"disabled"} when set, else the model's default.
func Thinking(req *abi.Request) bool {
	if v, ok := req.ProviderOptions["thinking"]; ok {
		var t struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(v, &t) == nil && (t.Type == "enabled" || t.Type == "disabled") {
			return t.Type == "enabled"
		}
	}
	return IsReasoningModel(req.Model)
}

// thinkingRefused are the provider options thinking mode ignores (the
// penalties) or rejects (logprobs).
var thinkingRefused = []string{"presence_penalty", "frequency_penalty", "logprobs", "top_logprobs"}

// Rewrite refuses what DeepSeek cannot do for the request: strict tools,
// and in thinking mode temperature, top_p and the options thinking mode
// ignores or rejects.
func Rewrite(req *abi.Request) (*abi.Request, error) {
	for i, t := range req.Tools {
		if t.Strict {
			return nil, guest.Unsupported(fmt.Sprintf("/tools/%d/strict", i),
				"deepseek model %q does not support strict tools: strict function calling exists only on DeepSeek's beta endpoint; set strict false", req.Model)
		}
	}
	if v, ok := req.ProviderOptions["thinking"]; ok {
		var t struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(v, &t) != nil || (t.Type != "enabled" && t.Type != "disabled") {
			return nil, guest.Invalid("/provider_options/thinking",
				`provider option "thinking" must be {"type":"enabled"} or {"type":"disabled"}`)
		}
	}
	if !Thinking(req) {
		return req, nil
	}
	refuse := func(ptr, what string) error {
		return guest.Unsupported(ptr,
			"deepseek model %q does not support %s in thinking mode (DeepSeek ignores or rejects it): remove it, or disable thinking", req.Model, what)
	}
	if req.Temperature != nil {
		return nil, refuse("/temperature", "temperature")
	}
	if req.TopP != nil {
		return nil, refuse("/top_p", "top_p")
	}
	for _, k := range thinkingRefused {
		if _, ok := req.ProviderOptions[k]; ok {
			return nil, refuse("/provider_options/"+k, k)
		}
	}
	return req, nil
}

// Finish maps DeepSeek's finish reasons that OpenAI lacks.
func Finish(raw string) abi.FinishReason {
	if raw == "insufficient_system_resource" {
		return abi.FinishError
	}
	return ""
}

// Usage reads a DeepSeek usage object: the OpenAI fields, with
// prompt_cache_hit_tokens as the cached part of the input.
func Usage(b []byte, u *abi.Usage) error {
	if err := chatcompletions.ReadUsage(b, u); err != nil {
		return err
	}
	var hit, miss int
	var hasHit, hasMiss, hasPrompt bool
	it := jsonx.Object(b)
	for it.Next() {
		switch {
		case it.KeyIs("prompt_cache_hit_tokens"):
			hit, hasHit = chatcompletions.IntOr0(it.Value()), true
		case it.KeyIs("prompt_cache_miss_tokens"):
			miss, hasMiss = chatcompletions.IntOr0(it.Value()), true
		case it.KeyIs("prompt_tokens"):
			hasPrompt = true
		}
	}
	if hasHit {
		u.CachedInputTokens = hit
	}
	if !hasPrompt && (hasHit || hasMiss) {
		u.InputTokens = hit + miss
	}
	return it.Err()
}

func mapError(info *chatcompletions.ErrorInfo, e *abi.Error) {
	if info.Status == 402 {
		e.Code, e.Retryable = abi.CodeRateLimited, false
		e.Message = info.Summary + ": the DeepSeek account balance is exhausted; top it up (retrying will not help)"
	}
}
