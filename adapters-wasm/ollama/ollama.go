// Package ollama is the wasmadapt adapter for Ollama's native chat API
// (POST /api/chat).
//
// # Routing and auth
//
// Every request goes to POST /api/chat with "stream" always set explicitly
// (Ollama streams by default): stream=true gives NDJSON (framing "ndjson",
// one JSON object per line), stream=false one JSON object (framing "none").
// The auth scheme is "none": a local Ollama server takes no credentials, and
// cloud models are reached through the local server, which holds the
// account's key. The default base URL is http://localhost:11434.
//
// # Conversation
//
// System, user and assistant messages map to Ollama messages of the same
// role; the text parts of a message are joined with "\n". Images must be
// inline (base64 data, sent in "images"); an image URL is
// capability_unsupported since Ollama cannot fetch it. An assistant's
// tool-calls become tool_calls with their arguments as JSON objects, and
// its reasoning becomes "thinking" when it came from this provider (reasoning
// of other providers is dropped). Each tool-result becomes a message
// {"role":"tool","content",...,"tool_name"}, the name looked up from the
// tool-call it answers (by tool_call_id) when the result does not carry it.
//
// # Tools, structured output, reasoning, options
//
// Tools are sent in the OpenAI function format with their JSON Schema as is
// (Ollama takes JSON Schema). Ollama has no tool_choice: "auto" is the
// default, "none" omits the tools, and "required" or a named tool are
// capability_unsupported. response_format json_schema sends the schema as
// "format" (without a schema: "json", JSON mode). reasoning.effort sets
// "think": "none" is false, "low"/"medium"/"high" are sent as levels to
// gpt-oss models (the only ones that take levels) and as true to the others;
// reasoning.budget_tokens is capability_unsupported (Ollama has no thinking
// budget). max_output_tokens, temperature, top_p and stop go to
// options.num_predict, temperature, top_p and stop.
//
// Capabilities: a model of a listed family reports, besides its flags,
// the limits its model card documents (package openweights: the model's
// own context window, which a server runs with a smaller num_ctx unless
// told otherwise; Gemma 3's 8192 output tokens; gpt-oss's effort levels)
// and the sampling fields above; model discovery (/api/show) replaces the
// context window with the one the server reports.
//
// Provider options: "keep_alive" (a duration string or a number of
// seconds, sent as is) and "options" (an object of further Ollama model
// options such as num_ctx, seed or top_k; a key that the normalized request
// also sets is invalid_request), and "think_tags" (a boolean, default
// false): split a <think>...</think> block at the start of message.content
// into reasoning-delta and text-delta events, for thinking models whose
// reasoning Ollama leaves inline (a request without reasoning leaves "think"
// unset, and such models then write their thoughts into the content). The
// split holds a tag cut across lines back until it is decided, through the
// host-owned state, so events do not depend on how lines are batched.
//
// # Events
//
// Each NDJSON line gives, in order, response-start (first line only),
// reasoning-delta (message.thinking), text-delta (message.content), and per
// entry of message.tool_calls tool-call-start, tool-call-delta and
// tool-call: Ollama sends a call whole, its arguments an object, which the
// adapter compacts to JSON text (keys in the order sent). The line with
// done:true gives usage (prompt_eval_count as input, eval_count, thinking
// included, as output; Ollama reports no cached or reasoning split, and
// omits prompt_eval_count when its prompt cache served the whole prompt,
// which then reads as 0 input tokens) and
// finish: done_reason "stop" is stop, or tool-calls when the response held a
// call; "length" is length; anything else ("load", "unload", ...) is other.
// A line with "error" is one error event and ends the stream; a body that
// ends before done:true is stream_truncated. ParseResponse gives the same
// events, with whole texts in single deltas.
//
// # IDs
//
// Ollama sends neither a response ID nor tool-call IDs (an id it does send
// is used, sanitized to [A-Za-z0-9_-]). The adapter derives a response key
// from the model name and the created_at timestamp of the first line (a
// nanosecond-resolution time that differs between the responses of a
// conversation) and synthesizes, with guest/toolid, the response ID
// "resp_..." and the tool-call IDs "call_..." from it and the call's
// position, so IDs are deterministic for the same bytes and unique across
// turns. The IDs are never sent to Ollama: results are matched by tool name.
package ollama

import (
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Name is the module and provider name; reasoning parts whose Provider is
// Name are sent back as "thinking".
const Name = "ollama"

// Version is the module's version.
const Version = "1.0.0"

// StateFormat names the layout of the transform state.
const StateFormat = "ollama-ndjson/1"

// DefaultBaseURL is a local Ollama server.
const DefaultBaseURL = "http://localhost:11434"

var providerOptions = []string{"keep_alive", "options", "think_tags"}

// Adapter implements guest.Adapter for Ollama's /api/chat. It holds no state.
type Adapter struct{}

// New returns the Ollama adapter.
func New() guest.Adapter { return Adapter{} }

var _ guest.Adapter = Adapter{}

// Capabilities describes the module for model (see the model families
// above; "" and unknown models get every feature).
func (Adapter) Capabilities(model string) abi.Capabilities {
	return abi.Capabilities{
		Name:            Name,
		Version:         Version,
		Provider:        Name,
		Model:           model,
		DefaultBaseURL:  DefaultBaseURL,
		Auth:            abi.Auth{Scheme: abi.AuthNone},
		StateFormat:     StateFormat,
		ProviderOptions: providerOptions,
		Features:        reported(model),
		Details:         details(model),
		Operations:      guest.OpsOf(Adapter{}),
		EmbedMaxBatch:   embedMaxBatch,
	}
}
