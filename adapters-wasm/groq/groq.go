// Package groq is the wasmadapt adapter for Groq's OpenAI-compatible Chat
// Completions API (POST https://api.groq.com/openai/v1/chat/completions): a
// dialect of package chatcompletions, which documents the projection, the
// events and their order. What differs from OpenAI:
//
//   - Unsupported OpenAI parameters answer 400 at Groq, so the adapter
//     refuses them first with capability_unsupported: logprobs,
//     top_logprobs, logit_bias, and n other than 1.
//   - Errors can arrive in the middle of a 200 stream as "event: error"
//     with data {"error":{"message","type","code","failed_generation"}}:
//     one error event, the stream is over. code tool_use_failed (the model
//     produced a tool call that failed validation, or none when one was
//     required) is tool_arguments_invalid and retryable (the same request
//     may succeed), with the failed generation quoted in the message; the
//     same holds for a 400 tool_use_failed response.
//   - Usage: the final chunk carries usage both in x_groq.usage and at the
//     top level; it is counted once (the top-level object, x_groq.usage
//     when there is no top-level one).
//   - Reasoning models (openai/gpt-oss-*, qwen/qwen3-*) stream reasoning in
//     a "reasoning" field: reasoning-delta events. qwen3 defaults to "raw"
//     reasoning (<think> inside the text), so the adapter asks for
//     reasoning_format "parsed" unless the request sets it; "raw" is
//     refused (this adapter does not split inline think tags).
//     reasoning.effort is sent as reasoning_effort (gpt-oss: low, medium,
//     high; qwen3: none, default).
//   - Structured outputs: json_schema on the models that support it
//     (gpt-oss, kimi-k2, llama-4), strict only on gpt-oss; elsewhere a
//     json_schema response format is refused. Strict tools are refused
//     (Groq documents strict mode for response formats only).
//   - Images only on the llama-4 (scout, maverick) models. The Compound
//     systems (groq/compound, groq/compound-mini) take no tools of the
//     caller's.
//   - Details: the limits the open-weight models' cards document
//     (openweights.Cards), and gpt-oss's effort levels.
//   - Errors: 498 (flex tier capacity) is overloaded; 413 with code
//     rate_limit_exceeded (a request larger than the token-per-minute
//     limit) is rate_limited and not retryable; the rest by status.
//
// Provider options: frequency_penalty, include_reasoning, n (1 only),
// parallel_tool_calls, presence_penalty, reasoning_format (parsed or
// hidden), seed, service_tier, user.
package groq

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/openweights"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// Version is the module's version.
const Version = "1.0.0"

// Dialect returns the Groq dialect of Chat Completions.
func Dialect() *chatcompletions.Dialect {
	return &chatcompletions.Dialect{
		Name:                 "groq",
		Version:              Version,
		Provider:             "groq",
		DefaultBaseURL:       "https://api.groq.com/openai",
		MaxTokensField:       "max_completion_tokens",
		ReasoningEffortField: "reasoning_effort",
		StreamUsage:          true,
		ReasoningFields:      []string{"reasoning"},
		UsageIn:              []string{"x_groq"},
		Options: append(chatcompletions.Pass("frequency_penalty", "include_reasoning:boolean", "parallel_tool_calls",
			"presence_penalty", "seed", "service_tier", "user"),
			chatcompletions.Option{Key: "n", Apply: applyN},
			chatcompletions.Option{Key: "reasoning_format", Apply: applyReasoningFormat},
		),
		Refused: map[string]string{
			"logprobs":     "Groq answers 400 to logprobs; remove it",
			"top_logprobs": "Groq answers 400 to top_logprobs; remove it",
			"logit_bias":   "Groq answers 400 to logit_bias; remove it",
		},
		Model:   Model,
		Rewrite: Rewrite,
		Extend:  extend,
		Error:   mapError,
	}
}

// New returns the Groq adapter.
func New() guest.Adapter { return chatcompletions.New(Dialect()) }

// applyN sends n, which Rewrite has checked to be 1.
func applyN(v json.RawMessage, body *chatcompletions.Body) error {
	body.SetRaw("n", v)
	return nil
}

func applyReasoningFormat(v json.RawMessage, body *chatcompletions.Body) error {
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return fmt.Errorf(`provider option "reasoning_format" must be "parsed" or "hidden"`)
	}
	switch s {
	case "parsed", "hidden":
		body.SetRaw("reasoning_format", v)
		return nil
	}
	return fmt.Errorf(`provider option "reasoning_format" must be "parsed" or "hidden", not %q`, s)
}

func lower(s string) string { return strings.ToLower(s) }

// IsGPTOSS reports whether model is one of the openai/gpt-oss models.
func IsGPTOSS(model string) bool { return strings.Contains(lower(model), "gpt-oss") }

// IsQwen3 reports whether model is a qwen3 model.
func IsQwen3(model string) bool { return strings.Contains(lower(model), "qwen3") }

// groqTable lists the production and preview chat models of Groq's models
// page; groqFamilies the lines newer names of them continue.
var (
	groqTable = []string{"llama-3.1-8b-instant", "llama-3.3-70b-versatile",
		"meta-llama/llama-4-scout-17b-16e-instruct", "meta-llama/llama-4-maverick-17b-128e-instruct",
		"openai/gpt-oss-120b", "openai/gpt-oss-20b", "qwen/qwen3-32b", "moonshotai/kimi-k2-instruct",
		"groq/compound", "groq/compound-mini"}
	groqFamilies = []string{"llama-3", "meta-llama/llama-4", "openai/gpt-oss", "qwen/qwen3", "moonshotai/kimi-k2"}
)

// Model returns what the adapter knows of a Groq model.
func Model(name string) chatcompletions.Model {
	m := lower(name)
	f := chatcompletions.DefaultFeatures
	f.Reasoning = IsGPTOSS(m) || IsQwen3(m)
	f.Vision = strings.Contains(m, "llama-4")
	if !(IsGPTOSS(m) || strings.Contains(m, "kimi-k2") || strings.Contains(m, "llama-4")) {
		f.StructuredOutput = abi.SupportJSONMode
	}
	if strings.HasPrefix(m, "groq/compound") {
		// Groq's Compound page: custom user-provided tools are not
		// supported (the systems call their own, server-side).
		f.ToolCalling, f.ParallelToolCalls = abi.SupportNone, false
	}
	f.Source = chatcompletions.Source(m, groqTable, groqFamilies)
	cm := chatcompletions.Model{Features: f}
	if c, ok := openweights.Find(m); ok {
		// The model cards' limits (openweights.Cards); reasoning_effort
		// takes gpt-oss's levels (qwen3 takes none and default, which are
		// not effort levels of the contract).
		cm.Details = c.Details(IsGPTOSS(m), opkit.Modalities(f.Vision, false, false)...)
		// temperature, top_p, stop, and seed (a provider option).
		cm.Details.Sampling = chatcompletions.Sampling(nil, false, true)
	}
	return cm
}

// Rewrite refuses, naming the model, n other than 1, raw reasoning, strict
// tools, and strict response formats on models without strict mode.
func Rewrite(req *abi.Request) (*abi.Request, error) {
	if v, ok := req.ProviderOptions["n"]; ok && strings.TrimSpace(string(v)) != "1" {
		return nil, guest.Unsupported("/provider_options/n",
			"groq model %q does not support n other than 1 (one choice per request): remove n or set it to 1", req.Model)
	}
	if v, ok := req.ProviderOptions["reasoning_format"]; ok && strings.TrimSpace(string(v)) == `"raw"` {
		return nil, guest.Unsupported("/provider_options/reasoning_format",
			`groq model %q with reasoning_format "raw" puts <think> text inside the answer, which this adapter does not split: use "parsed" (reasoning events) or "hidden"`, req.Model)
	}
	for i, t := range req.Tools {
		if t.Strict {
			return nil, guest.Unsupported(fmt.Sprintf("/tools/%d/strict", i),
				"groq model %q does not support strict tools (Groq's strict mode covers response formats only): set strict false", req.Model)
		}
	}
	if rf := req.ResponseFormat; rf != nil && rf.Type == "json_schema" && rf.Strict && !IsGPTOSS(req.Model) && Model(req.Model).Features.StructuredOutput == abi.SupportNative {
		return nil, guest.Unsupported("/response_format/strict",
			"groq model %q does not support strict json_schema (best-effort only; strict mode is on gpt-oss models): set strict false or pick openai/gpt-oss-120b", req.Model)
	}
	return req, nil
}

func extend(req *abi.Request, body *chatcompletions.Body) error {
	if IsQwen3(req.Model) {
		if _, ok := body.Get("reasoning_format"); !ok {
			body.SetRaw("reasoning_format", json.RawMessage(`"parsed"`))
		}
	}
	return nil
}

func mapError(info *chatcompletions.ErrorInfo, e *abi.Error) {
	switch {
	case info.Code == "tool_use_failed":
		e.Code, e.Retryable = abi.CodeToolArgumentsInvalid, true
		msg := info.Summary
		if v, ok, _ := jsonx.Lookup(errorObject(info.Body), "failed_generation"); ok {
			if raw, err := jsonx.Str(v); err == nil && len(raw) > 0 {
				g, _ := jsonx.Unescape(nil, raw)
				s := string(g)
				if len(s) > 300 {
					s = s[:300] + "..."
				}
				msg += fmt.Sprintf(": failed generation %q", s)
			}
		}
		e.Message = msg + ": the model's tool call failed Groq's validation; retry, or relax tool_choice"
	case info.Status == 498:
		e.Code, e.Retryable = abi.CodeOverloaded, true
		e.Message = info.Summary + ": the flex tier is at capacity; retry after a delay"
	case info.Status == 413 && info.Code == "rate_limit_exceeded":
		e.Code, e.Retryable = abi.CodeRateLimited, false
		e.Message = info.Summary + ": the request alone exceeds the token-per-minute limit; shorten it (retrying will not help)"
	}
}

func errorObject(body []byte) []byte {
	if v, ok, _ := jsonx.Lookup(body, "error"); ok && jsonx.KindOf(v) == jsonx.KindObject {
		return v
	}
	return body
}
