// Package openrouter is the wasmadapt adapter for OpenRouter's Chat
// Completions API (POST https://openrouter.ai/api/v1/chat/completions): a
// dialect of package chatcompletions, which documents the projection, the
// events and their order. What differs from OpenAI:
//
//   - Routing: provider_options "provider" (the provider-preferences
//     object: order, only, ignore, allow_fallbacks, require_parameters,
//     data_collection, zdr, enforce_distillable_text, quantizations, sort,
//     max_price, preferred_min_throughput, preferred_max_latency), "models"
//     (a fallback list of model ids) and "transforms" are validated
//     (unknown keys and wrong types are invalid_request) and passed through.
//   - Capabilities cannot be known per routed model: every model has
//     capabilities source "unknown" and reports plain text only, so the
//     host refuses tools, structured output, images and reasoning unless
//     the caller assumes capabilities (host.AssumeCapabilities). Projection
//     serves them all; to fail closed at the provider too, a request that uses tools, a json_schema response format or
//     reasoning gets provider.require_parameters true (OpenRouter then
//     routes only to providers that support every parameter sent, and
//     answers an error otherwise) unless the request sets it itself.
//   - Reasoning: reasoning.effort is sent as {"reasoning":{"effort"}} and
//     reasoning.budget_tokens as {"reasoning":{"max_tokens"}}; the stream's
//     "reasoning" delta field gives reasoning-delta events.
//     reasoning_details (which repeats that text, or carries encrypted
//     reasoning) is not surfaced; reasoning parts are never sent back.
//   - Usage: the OpenAI fields. usage.cost (credits) and cost_details have
//     no normalized field and are not surfaced.
//   - ": OPENROUTER PROCESSING" SSE comments are dropped by the host's
//     framer. Some upstreams end a stream with usage and "data: [DONE]" but
//     no finish_reason; [DONE] then ends the response cleanly (finish
//     tool-calls when it holds tool calls, else other with an empty
//     raw_reason).
//   - Errors: {"error":{"code":<number>,"message","metadata"}}; metadata
//     (provider_name, raw upstream error, moderation reasons) is quoted in
//     the message. 402 (insufficient credits) is rate_limited and not
//     retryable; 403 with moderation metadata is content_filter; 408 and
//     502 server_error, 503 (no provider available) overloaded, both
//     retryable. Errors after the stream started come inside a 200 stream
//     (or body) as a chunk with an "error" object and finish_reason "error":
//     one error event, mapped by the error's numeric code when it has one.
//
// Provider options: app_title (X-Title header), app_url (HTTP-Referer
// header), frequency_penalty, logit_bias, logprobs, min_p, models,
// parallel_tool_calls, presence_penalty, provider, repetition_penalty,
// seed, top_a, top_k, top_logprobs, transforms, user, verbosity.
package openrouter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// Version is the module's version.
const Version = "1.0.0"

// Dialect returns the OpenRouter dialect of Chat Completions.
func Dialect() *chatcompletions.Dialect {
	return &chatcompletions.Dialect{
		Name:                 "openrouter",
		Version:              Version,
		Provider:             "openrouter",
		DefaultBaseURL:       "https://openrouter.ai/api",
		MaxTokensField:       "max_tokens",
		ReasoningEffortField: "reasoning_effort",
		StreamUsage:          true,
		ReasoningFields:      []string{"reasoning"},
		FinishOptional:       true,
		Models:               &chatcompletions.Models{Info: modelInfo},
		Options: append(chatcompletions.Pass("frequency_penalty", "logit_bias", "logprobs", "min_p", "parallel_tool_calls",
			"presence_penalty", "repetition_penalty", "seed", "top_a:number", "top_k", "top_logprobs", "user", "verbosity"),
			chatcompletions.Option{Key: "app_title", Apply: headerOption("app_title")},
			chatcompletions.Option{Key: "app_url", Apply: headerOption("app_url")},
			chatcompletions.Option{Key: "models", Apply: stringList("models")},
			chatcompletions.Option{Key: "provider", Apply: applyProvider},
			chatcompletions.Option{Key: "transforms", Apply: stringList("transforms")},
		),
		Model:   Model,
		Extend:  extend,
		Headers: headers,
		Finish:  Finish,
		Error:   mapError,
	}
}

// New returns the OpenRouter adapter.
func New() guest.Adapter { return chatcompletions.New(Dialect()) }

// Model reports the same features for every model, source "unknown":
// OpenRouter routes to whichever provider serves the parameters (see
// require_parameters).
func Model(name string) chatcompletions.Model {
	f := chatcompletions.DefaultFeatures
	f.Reasoning = true
	if name != "" {
		f.Source = abi.SourceUnknown
	}
	// The budget is sent by extend as reasoning.max_tokens.
	return chatcompletions.Model{Features: f, Unsupported: map[string]chatcompletions.Action{
		chatcompletions.FeatureReasoningBudget: chatcompletions.Strip,
	}}
}

func headerOption(key string) func(json.RawMessage, *chatcompletions.Body) error {
	return func(v json.RawMessage, _ *chatcompletions.Body) error {
		var s string
		if err := json.Unmarshal(v, &s); err != nil || s == "" || strings.ContainsAny(s, "\r\n") {
			return fmt.Errorf("provider option %q must be a non-empty one-line string", key)
		}
		return nil // sent as a header by headers
	}
}

func headers(req *abi.Request) map[string]string {
	var h map[string]string
	for key, name := range map[string]string{"app_title": "X-Title", "app_url": "HTTP-Referer"} {
		if s := chatcompletions.StringOption(req, key); s != "" {
			if h == nil {
				h = map[string]string{}
			}
			h[name] = s
		}
	}
	return h
}

func stringList(key string) func(json.RawMessage, *chatcompletions.Body) error {
	return func(v json.RawMessage, body *chatcompletions.Body) error {
		var l []string
		if err := json.Unmarshal(v, &l); err != nil || l == nil {
			return fmt.Errorf("provider option %q must be an array of strings", key)
		}
		body.SetRaw(key, v)
		return nil
	}
}

// providerKeys are the provider-preferences keys and their JSON kinds.
var providerKeys = map[string][]string{
	"order": {"strings"}, "only": {"strings"}, "ignore": {"strings"}, "quantizations": {"strings"},
	"allow_fallbacks": {"boolean"}, "require_parameters": {"boolean"}, "zdr": {"boolean"}, "enforce_distillable_text": {"boolean"},
	"data_collection": {"allow", "deny"}, "sort": {"string", "object"}, "max_price": {"object"},
	"preferred_min_throughput": {"number", "object"}, "preferred_max_latency": {"number", "object"},
}

func applyProvider(v json.RawMessage, body *chatcompletions.Body) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(v, &m); err != nil || m == nil {
		return fmt.Errorf(`provider option "provider" must be an object of OpenRouter provider preferences`)
	}
	for k, raw := range m {
		kinds, ok := providerKeys[k]
		if !ok {
			return guest.Invalid("/provider_options/provider/"+k,
				"openrouter provider preference %q is unknown: use order, only, ignore, allow_fallbacks, require_parameters, data_collection, zdr, enforce_distillable_text, quantizations, sort, max_price, preferred_min_throughput or preferred_max_latency", k)
		}
		if !kindOK(raw, kinds) {
			return guest.Invalid("/provider_options/provider/"+k,
				"openrouter provider preference %q must be %s", k, strings.Join(kinds, " or "))
		}
	}
	body.SetRaw("provider", v)
	return nil
}

func kindOK(raw json.RawMessage, kinds []string) bool {
	var x any
	if json.Unmarshal(raw, &x) != nil {
		return false
	}
	for _, k := range kinds {
		switch x := x.(type) {
		case bool:
			if k == "boolean" {
				return true
			}
		case float64:
			if k == "number" {
				return true
			}
		case map[string]any:
			if k == "object" {
				return true
			}
		case string:
			if k == "string" || k == x {
				return true
			}
		case []any:
			if k == "strings" {
				for _, e := range x {
					if _, ok := e.(string); !ok {
						return false
					}
				}
				return true
			}
		}
	}
	return false
}

// extend moves reasoning into OpenRouter's reasoning object and turns on
// require_parameters for requests whose features a routed provider could
// silently drop.
func extend(req *abi.Request, body *chatcompletions.Body) error {
	var reasoning map[string]any
	if r := req.Reasoning; r != nil {
		if r.Effort != "" && r.BudgetTokens != nil {
			return guest.Invalid("/reasoning",
				"openrouter takes reasoning.effort or reasoning.budget_tokens, not both: drop one")
		}
		if v, ok := body.Get("reasoning_effort"); ok {
			body.Delete("reasoning_effort")
			reasoning = map[string]any{"effort": v}
		}
		if r.BudgetTokens != nil {
			if *r.BudgetTokens <= 0 {
				return guest.Invalid("/reasoning/budget_tokens", "reasoning.budget_tokens must be positive")
			}
			reasoning = map[string]any{"max_tokens": *r.BudgetTokens}
		}
		if reasoning != nil {
			if err := body.Set("reasoning", reasoning); err != nil {
				return err
			}
		}
	}
	needs := len(req.Tools) > 0 || reasoning != nil || (req.ResponseFormat != nil && req.ResponseFormat.Type == "json_schema")
	if !needs {
		return nil
	}
	prov := map[string]json.RawMessage{}
	if v, ok := body.Get("provider"); ok {
		if err := json.Unmarshal(v, &prov); err != nil {
			return err
		}
	}
	if _, set := prov["require_parameters"]; set {
		return nil
	}
	if v, ok := body.Get("provider"); ok {
		// Keep the caller's key order; append require_parameters.
		v = bytes.TrimSpace(v)
		sep := ","
		if len(prov) == 0 {
			sep = ""
		}
		body.SetRaw("provider", append(append(append([]byte(nil), v[:len(v)-1]...), sep+`"require_parameters":true`...), '}'))
		return nil
	}
	body.SetRaw("provider", json.RawMessage(`{"require_parameters":true}`))
	return nil
}

// Finish maps OpenRouter's finish reason "error" (OpenAI has none).
func Finish(raw string) abi.FinishReason {
	if raw == "error" {
		return abi.FinishError
	}
	return ""
}

func mapError(info *chatcompletions.ErrorInfo, e *abi.Error) {
	obj := info.Body
	if v, ok, _ := jsonx.Lookup(info.Body, "error"); ok && jsonx.KindOf(v) == jsonx.KindObject {
		obj = v
	}
	status := info.Status
	if n, err := strconv.Atoi(info.Code); err == nil && status == 0 {
		status = n
	}
	var provider, raw, reasons string
	if md, ok, _ := jsonx.Lookup(obj, "metadata"); ok && jsonx.KindOf(md) == jsonx.KindObject {
		provider = str(md, "provider_name")
		raw = str(md, "raw")
		if raw == "" {
			if v, ok, _ := jsonx.Lookup(md, "raw"); ok && jsonx.KindOf(v) == jsonx.KindObject {
				raw = string(v)
			}
		}
		if v, ok, _ := jsonx.Lookup(md, "reasons"); ok && jsonx.KindOf(v) == jsonx.KindArray {
			reasons = string(v)
		}
	}
	switch {
	case status == 402:
		e.Code, e.Retryable = abi.CodeRateLimited, false
	case status == 403 && reasons != "":
		e.Code, e.Retryable = abi.CodeContentFilter, false
	case info.Status == 0 && status >= 400 && e.Code != abi.CodeContextLengthExceeded:
		switch status {
		case 400, 413, 422:
			e.Code, e.Retryable = abi.CodeInvalidRequest, false
		case 401:
			e.Code, e.Retryable = abi.CodeAuthentication, false
		case 403:
			e.Code, e.Retryable = abi.CodePermission, false
		case 404:
			e.Code, e.Retryable = abi.CodeNotFound, false
		case 429:
			e.Code, e.Retryable = abi.CodeRateLimited, true
		case 503:
			e.Code, e.Retryable = abi.CodeOverloaded, true
		default:
			e.Code, e.Retryable = abi.CodeServerError, true
		}
	}
	var b strings.Builder
	b.WriteString("openrouter ")
	if info.Status != 0 {
		b.WriteString("HTTP " + strconv.Itoa(info.Status))
	} else {
		b.WriteString("stream error")
		if status != 0 {
			b.WriteString(" " + strconv.Itoa(status))
		} else if info.Code != "" {
			b.WriteString(" (" + info.Code + ")")
		}
	}
	b.WriteString(": ")
	if info.Message != "" {
		b.WriteString(info.Message)
	} else {
		b.WriteString("no error message")
	}
	if provider != "" {
		b.WriteString(" (upstream " + provider + ")")
	}
	if raw != "" {
		if len(raw) > 300 {
			raw = raw[:300] + "..."
		}
		b.WriteString(": " + strconv.Quote(raw))
	}
	if reasons != "" {
		b.WriteString(": moderation reasons " + reasons)
	}
	switch e.Code {
	case abi.CodeRateLimited:
		if e.Retryable {
			b.WriteString(": retry after a delay")
		} else {
			b.WriteString(": the OpenRouter credits are exhausted; add credits (retrying will not help)")
		}
	case abi.CodeContentFilter:
		b.WriteString(": the input was flagged by moderation; rephrase the request")
	case abi.CodeOverloaded:
		b.WriteString(": no provider can serve the request now; retry after a delay or relax the provider preferences")
	case abi.CodeServerError:
		b.WriteString(": retry after a delay")
	case abi.CodeAuthentication:
		b.WriteString(": check the API key the host is configured with")
	case abi.CodeNotFound:
		b.WriteString(": check the model id")
	case abi.CodeContextLengthExceeded:
		b.WriteString(": shorten the conversation or lower max_output_tokens")
	case abi.CodeInvalidRequest:
		b.WriteString(": fix the request")
	case abi.CodePermission:
		b.WriteString(": the key lacks access to this model")
	}
	e.Message = b.String()
}

func str(obj []byte, key string) string {
	v, ok, _ := jsonx.Lookup(obj, key)
	if !ok {
		return ""
	}
	raw, err := jsonx.Str(v)
	if err != nil {
		return ""
	}
	b, _ := jsonx.Unescape(nil, raw)
	return string(b)
}
