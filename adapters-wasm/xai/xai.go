// Package xai is the wasmadapt adapter for xAI's Chat Completions API
// (POST https://api.x.ai/v1/chat/completions): a dialect of package
// chatcompletions, which documents the projection, the events and their
// order. What differs from OpenAI:
//
//   - Reasoning models (grok-3-mini, grok-4 and its fast/4.1/4.20/4.3
//     reasoning variants, grok-code-fast) reject presence_penalty,
//     frequency_penalty and stop with an error: the adapter refuses them
//     first with capability_unsupported naming the model. Only grok-3-mini
//     (low, high) and grok-4.3 (none, low, medium, high) take
//     reasoning.effort (sent as reasoning_effort); other models answer
//     reasoning_effort with an error, so it is refused.
//   - Reasoning text arrives as reasoning_content (grok-3-mini only; the
//     other reasoning models return none in Chat Completions):
//     reasoning-delta events.
//   - Usage: xAI's completion_tokens EXCLUDE
//     completion_tokens_details.reasoning_tokens (total_tokens = prompt +
//     completion + reasoning), so output_tokens is completion + reasoning;
//     when total_tokens shows completion_tokens already include them
//     (total = prompt + completion) they are not added twice.
//     prompt_tokens_details.cached_tokens is the cached part of the input.
//     usage.cost_in_usd_ticks and num_sources_used have no normalized
//     field and are not surfaced.
//   - A response that searched the web (xAI's Live Search) lists the
//     pages it used in a top-level "citations" array of URLs (in a
//     stream, on its last chunks): each becomes a source event (kind url)
//     once, after the text and before usage (chatcompletions.Citations).
//   - Error bodies are {"code": "<status text>", "error": "<message>"} as
//     well as the OpenAI shape. An "Incorrect API key" message (sent with
//     400) is authentication; a team without credits or over its spending
//     limit (403) is rate_limited and not retryable; a prompt over the
//     model's maximum prompt length is context_length_exceeded.
//   - Images on grok-4 and the vision models only. Strict json_schema
//     response formats are supported; strict tools are refused with
//     capability_unsupported (xAI documents strict mode for structured
//     outputs only).
//
// Provider options: frequency_penalty, logprobs, parallel_tool_calls,
// presence_penalty, seed, top_logprobs, user.
package xai

import (
	"fmt"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// Version is the module's version.
const Version = "1.1.0"

// Dialect returns the xAI dialect of Chat Completions.
func Dialect() *chatcompletions.Dialect {
	return &chatcompletions.Dialect{
		Name:                 "xai",
		Version:              Version,
		Provider:             "xai",
		DefaultBaseURL:       "https://api.x.ai",
		MaxTokensField:       "max_completion_tokens",
		ReasoningEffortField: "reasoning_effort",
		StreamUsage:          true,
		ReasoningFields:      []string{"reasoning_content"},
		Options: chatcompletions.Pass("frequency_penalty", "logprobs", "parallel_tool_calls", "presence_penalty",
			"seed", "top_logprobs", "user"),
		Model:   Model,
		Rewrite: Rewrite,
		Usage:   Usage,
		Error:   mapError,
		Chunk:   chatcompletions.Citations,
	}
}

// New returns the xAI adapter.
func New() guest.Adapter { return chatcompletions.New(Dialect()) }

// IsReasoningModel reports whether model is a grok reasoning model.
func IsReasoningModel(model string) bool {
	m := strings.ToLower(model)
	switch {
	case strings.Contains(m, "non-reasoning"):
		return false
	case strings.HasPrefix(m, "grok-3-mini"), strings.HasPrefix(m, "grok-4"), strings.HasPrefix(m, "grok-code"):
		return true
	}
	return false
}

// EffortModel reports whether model takes reasoning_effort: grok-3-mini
// and grok-4.3.
func EffortModel(model string) bool {
	m := strings.ToLower(model)
	return strings.HasPrefix(m, "grok-3-mini") || strings.HasPrefix(m, "grok-4.3")
}

// Model returns what the adapter knows of an xAI model.
func Model(name string) chatcompletions.Model {
	m := strings.ToLower(name)
	f := chatcompletions.DefaultFeatures
	f.Reasoning = IsReasoningModel(m)
	f.Vision = strings.HasPrefix(m, "grok-4") || strings.Contains(m, "vision")
	var un map[string]chatcompletions.Action
	if f.Reasoning {
		un = map[string]chatcompletions.Action{chatcompletions.FeatureStop: chatcompletions.Refuse}
		if !EffortModel(m) {
			un[chatcompletions.FeatureReasoningEffort] = chatcompletions.Refuse
		}
	}
	f.Source = chatcompletions.Source(m, []string{"grok-4", "grok-4-fast", "grok-3", "grok-3-mini", "grok-code-fast", "grok-2-vision"}, []string{"grok-"})
	cm := chatcompletions.Model{Features: f, Unsupported: un}
	if l, ok := opkit.FindLimit(Limits, m); ok {
		cm.Details = l.Details(opkit.Modalities(f.Vision, false, false)...)
		// The reasoning models take no stop (un); seed is a provider
		// option.
		cm.Details.Sampling = chatcompletions.Sampling(un, false, true)
		if strings.HasPrefix(m, "grok-3-mini") {
			// xAI's reasoning guide: reasoning_effort low or high.
			cm.Details.Reasoning = &abi.ReasoningControls{Efforts: []string{"low", "high"}}
		}
	}
	return cm
}

// Limits are the context windows of xAI's models page, most specific
// first; the page gives no output limit of its own (output counts against
// the context window).
var Limits = []opkit.Limit{
	{Prefix: "grok-4-1-fast", Context: 2000000},
	{Prefix: "grok-4-fast", Context: 2000000},
	{Prefix: "grok-4", Context: 256000},
	{Prefix: "grok-code-fast", Context: 256000},
	{Prefix: "grok-3", Context: 131072},
	{Prefix: "grok-2-vision", Context: 32768},
}

// Rewrite refuses what xAI rejects for the model: penalties on reasoning
// models and strict tools.
func Rewrite(req *abi.Request) (*abi.Request, error) {
	for i, t := range req.Tools {
		if t.Strict {
			return nil, guest.Unsupported(fmt.Sprintf("/tools/%d/strict", i),
				"xai model %q does not support strict tools: set strict false (strict json_schema response formats are supported)", req.Model)
		}
	}
	if IsReasoningModel(req.Model) {
		for _, k := range []string{"presence_penalty", "frequency_penalty"} {
			if _, ok := req.ProviderOptions[k]; ok {
				return nil, guest.Unsupported("/provider_options/"+k,
					"xai model %q does not support %s: reasoning models reject it; remove it", req.Model, k)
			}
		}
	}
	return req, nil
}

// Usage reads an xAI usage object, whose completion_tokens exclude the
// reasoning tokens.
func Usage(b []byte, u *abi.Usage) error {
	if err := chatcompletions.ReadUsage(b, u); err != nil {
		return err
	}
	total := -1
	if v, ok, _ := jsonx.Lookup(b, "total_tokens"); ok {
		total = chatcompletions.IntOr0(v)
	}
	if u.ReasoningTokens > 0 && total != u.InputTokens+u.OutputTokens {
		u.OutputTokens += u.ReasoningTokens
	}
	return nil
}

func mapError(info *chatcompletions.ErrorInfo, e *abi.Error) {
	code := ""
	if v, ok, _ := jsonx.Lookup(info.Body, "code"); ok && jsonx.KindOf(v) == jsonx.KindString {
		if raw, err := jsonx.Str(v); err == nil {
			b, _ := jsonx.Unescape(nil, raw)
			code = string(b)
		}
	}
	msg := strings.ToLower(info.Message)
	hint := ""
	switch {
	case strings.Contains(msg, "incorrect api key") || strings.Contains(msg, "invalid api key"):
		e.Code, e.Retryable, hint = abi.CodeAuthentication, false, ": check the API key the host is configured with"
	case strings.Contains(msg, "credits") || strings.Contains(msg, "spending limit"):
		e.Code, e.Retryable, hint = abi.CodeRateLimited, false, ": the xAI team has no credits left; add credits or raise the spending limit (retrying will not help)"
	case strings.Contains(msg, "maximum prompt length"):
		e.Code, e.Retryable, hint = abi.CodeContextLengthExceeded, false, ": shorten the conversation or lower max_output_tokens"
	}
	if hint == "" && code == "" {
		return
	}
	where := "stream error"
	if info.Status != 0 {
		where = fmt.Sprintf("HTTP %d", info.Status)
	}
	s := "xai " + where + ": " + info.Message
	if code != "" && info.Code == "" {
		s += " (" + code + ")"
	}
	if hint == "" {
		hint = info.Hint // the default code keeps its default hint
	}
	e.Message = s + hint
}
