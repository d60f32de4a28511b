// Package cohere is the wasmadapt adapter for Cohere's v2 Chat API (POST
// https://api.cohere.com/v2/chat, bearer key), a native API with its own
// request shape and stream events.
//
// # Request
//
// Messages keep their roles (system, user, assistant, tool); user images
// become image_url parts (vision models only); assistant tool calls are
// tool_calls and tool results role "tool" messages with tool_call_id (an
// is_error result is sent as {"error": content}, Cohere having no error
// flag). Cohere's tool plan comes back as reasoning (see below); in history,
// the Cohere-produced reasoning of an assistant turn with tool calls is sent
// as its tool_plan, and reasoning of other providers is never sent.
// max_output_tokens is max_tokens, top_p is p, stop is stop_sequences;
// temperature must lie in [0, 1] and top_p in [0.01, 0.99].
//
// tool_choice: auto is Cohere's default (not sent), required is
// "REQUIRED", none is "NONE"; a named tool has no Cohere form and is
// refused. Strict tools are Cohere's strict_tools, which applies to every
// tool of the request: tools that are all strict set it, a mix is refused.
// A json_schema response format is {"type":"json_object","json_schema":...}
// (Cohere enforces it).
//
// Reasoning: command-a-reasoning models think; reasoning.budget_tokens is
// thinking.token_budget, reasoning.effort has no Cohere field and is
// refused; the provider option thinking ({"type":"enabled"|"disabled"})
// passes through.
//
// # Events
//
// Stream events are typed: message-start gives response-start (the id;
// the model is the request's), content-delta text and thinking give
// text-delta and reasoning-delta, tool-plan-delta gives reasoning-delta,
// tool-call-start/delta/end give tool-call-start, tool-call-delta and, at
// the end, the complete tool-call (arguments must be a JSON object; ""
// is {}), message-end gives usage then finish. Usage: tokens.input_tokens
// and tokens.output_tokens (billed_units, the billing view, is not
// surfaced), cached_tokens as the cached input. finish_reason COMPLETE and
// STOP_SEQUENCE are stop, MAX_TOKENS length, TOOL_CALL tool-calls, ERROR
// and TIMEOUT error. citation-start/end events (grounded answers over
// documents) are not surfaced: the event contract has no source event yet.
// A body that ends before message-end gives stream_truncated.
//
// The transform state is JSON (started, done, the open tool calls): this
// module favours simplicity over the zero-allocation paths of the busiest
// adapters.
//
// # Errors
//
// Error bodies are {"id","message"}: 400 and 422 invalid_request, 401 and
// 498 (invalid token) authentication, 402 (no credit) rate_limited and not
// retryable, 404 not_found, 429 rate_limited (a trial key's limit says
// so), 499 (cancelled) and 5xx server_error, 503 overloaded.
//
// Provider options: documents, frequency_penalty, k, presence_penalty,
// safety_mode, seed, thinking.
package cohere

import (
	"slices"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Module facts.
const (
	Name           = "cohere"
	Version        = "1.0.0"
	DefaultBaseURL = "https://api.cohere.com"
	StateFormat    = "cohere-v2-json/1"
	Path           = "/v2/chat"
)

// providerOptions are the provider_options keys the adapter reads.
var providerOptions = []string{"documents", "frequency_penalty", "k", "presence_penalty", "safety_mode", "seed", "thinking"}

// Adapter implements guest.Adapter for Cohere's v2 Chat API. It holds no
// state.
type Adapter struct{}

var _ guest.Adapter = Adapter{}

// New returns the Cohere adapter.
func New() guest.Adapter { return Adapter{} }

// Features returns what the adapter knows of a Cohere model: the Command
// family (command-a, command-r, ... — source "family") takes tools and
// structured output, its -reasoning models think, command-a-vision takes
// images and no tools; any other name is unknown: plain text only (see
// abi.PlainTextFeatures).
func Features(model string) abi.Features {
	m := strings.ToLower(model)
	if !strings.HasPrefix(m, "command") && !strings.HasPrefix(m, "c4ai-") {
		return abi.PlainTextFeatures()
	}
	f := abi.Features{Streaming: true, ToolCalling: abi.SupportNative, ParallelToolCalls: true,
		StructuredOutput: abi.SupportNative, MultiTurn: true, Source: abi.SourceFamily}
	switch {
	case strings.Contains(m, "reasoning"):
		f.Reasoning = true
	case strings.Contains(m, "vision"):
		f.Vision, f.ToolCalling, f.ParallelToolCalls = true, abi.SupportNone, false
	}
	return f
}

// Capabilities describes the module for model.
func (Adapter) Capabilities(model string) abi.Capabilities {
	return abi.Capabilities{
		ABIVersion:      abi.VersionString(abi.Version),
		Name:            Name,
		Version:         Version,
		Provider:        Name,
		Model:           model,
		DefaultBaseURL:  DefaultBaseURL,
		Auth:            abi.Auth{Scheme: abi.AuthBearer},
		StateFormat:     StateFormat,
		ProviderOptions: slices.Clone(providerOptions),
		Features:        Features(model),
		Details:         Details(model),
	}
}

// Limits are the context windows and output maxima of Cohere's model
// pages: Command A Reasoning 256,000 and 32,000; Command A 256K and 8K
// (read as 256,000 and 8,192: the larger reading of a K, so the host
// never refuses a request Cohere takes).
var Limits = []opkit.Limit{
	{Prefix: "command-a-reasoning", Context: 256000, Out: 32000},
	{Prefix: "command-a-03-2025", Context: 256000, Out: 8192},
}

// Details returns what the adapter knows of a Cohere model beyond its
// flags: the limits of Limits, with text input (and images on the vision
// models), the sampling parameters it takes and, on the reasoning models,
// a thinking budget; nil for a model of no line there.
func Details(model string) *abi.ModelDetails {
	l, ok := opkit.FindLimit(Limits, model)
	if !ok {
		return nil
	}
	d := l.Details(opkit.Modalities(Features(model).Vision, false, false)...)
	// temperature, p (top_p), stop_sequences and the seed option; top_k is
	// Cohere's k option, not the top_k the host reads.
	d.Sampling = []string{abi.SamplingTemperature, abi.SamplingTopP, abi.SamplingStop, abi.SamplingSeed}
	if Features(model).Reasoning {
		// thinking takes a token budget, not an effort level.
		d.Reasoning = &abi.ReasoningControls{Budget: true}
	}
	return d
}
