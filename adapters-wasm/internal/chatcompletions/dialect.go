// Package chatcompletions implements the OpenAI Chat Completions wire
// protocol as a reusable adapter: OpenAI itself and every provider that
// speaks a dialect of it (Azure OpenAI, Mistral, DeepSeek, Groq, xAI,
// OpenRouter, OpenAI-compatible servers) are a Dialect, a small
// configuration plus optional hooks, turned into a guest.Adapter by New.
//
// # Projection
//
// Project builds the request body with encoding/json (it runs once per
// request). Messages: system and user text, user images (base64 data becomes
// a data: URL), assistant text and tool calls, tool results as role "tool"
// messages. Reasoning parts are never sent to Chat Completions (the protocol
// has no field for them), whoever produced them. Tools come from the one
// ToolDefinition; with strict, the schema is made strict-compatible (every
// object gets additionalProperties:false, optional properties become
// nullable and required) or refused with schema_unsupported and the JSON
// pointer of the offending keyword. Features the model lacks
// (Dialect.Model) are refused with capability_unsupported naming the model
// and the feature, or stripped where the dialect says so. provider_options
// keys the dialect does not list are refused with invalid_request.
//
// # Stream events and their order
//
// Transform emits, per stream: response-start once (at the first chunk with
// an id, or before the first content), then text-delta, reasoning-delta,
// refusal (source "provider") and tool-call-start / tool-call-delta as the
// deltas come. Tool calls are buffered by their index; the complete
// tool-call events are emitted when the finish_reason arrives, in the order
// the calls started, each once its arguments are whole and valid JSON
// ("" becomes "{}"). Arguments that are not a JSON object (for example cut
// off by finish_reason "length") are reported as an error event with code
// tool_arguments_invalid, never guessed.
//
// The usage chunk of OpenAI streams (stream_options.include_usage) comes
// AFTER the chunk that carries finish_reason, with empty choices. So that a
// UI sees usage before the end, the finish event is held back until the
// end marker "data: [DONE]": the order is always ... tool-call*, usage,
// finish. A body that ends (abi.FlagEnd) before [DONE] gets an error event
// stream_truncated instead of a finish (complete tool calls are flushed
// first), unless Dialect.DoneOptional says the host never sends [DONE] and a
// finish_reason was seen. An error object inside the stream is one error
// event, and the stream is over: later chunks are ignored.
//
// Reasoning fields (Dialect.ReasoningFields) hold a string, or an array of
// strings or of objects with a "text" (MiniMax's reasoning_details): each
// text is a reasoning-delta. A Dialect.Chunk hook reads the top-level
// fields a provider adds to chunks, after the choices and before the usage:
// Citations turns "citations" and "search_results" into source events,
// once per response, after the text they support; a hook may also end the
// response with an error (MiniMax's base_resp in an HTTP 200 body).
//
// ParseResponse gives the events a stream of the same response would give,
// with whole texts in single deltas: response-start, reasoning-delta and
// text-delta with whole texts, refusal, tool-call-start and one
// tool-call-delta with the whole arguments per call, then tool-call,
// usage, finish.
//
// # State
//
// The transform state is host-owned bytes in a compact binary layout named
// by Dialect.StateFormat: a version byte, flag bits, the raw finish reason,
// per tool call its index and whether it started, then per tool call its
// id, name and the arguments received before it started (the host assembles the rest from the tool-call-delta events
// and completes the call at its tool-call-end, ABI 1.4).
// Decoding and encoding it reuses pooled scratch buffers, so the per-chunk
// path allocates nothing in steady state and stays a pure function of its
// input.
package chatcompletions

import (
	"encoding/json"
	"sync/atomic"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// Action says what projection does with a request feature a model lacks.
type Action uint8

// The actions.
const (
	// Refuse fails projection with capability_unsupported.
	Refuse Action = iota
	// Strip leaves the field out of the provider request.
	Strip
)

// The feature names used in Model.Unsupported.
const (
	FeatureTemperature     = "temperature"
	FeatureTopP            = "top_p"
	FeatureStop            = "stop"
	FeatureMaxTokens       = "max_output_tokens"
	FeatureReasoningEffort = "reasoning.effort"
	FeatureReasoningBudget = "reasoning.budget_tokens"
	FeatureSystemMessage   = "system messages"
)

// Model is what a dialect knows of one model.
type Model struct {
	// Features are the capability flags reported by Capabilities and
	// enforced at projection (tools, structured output, vision, reasoning).
	Features abi.Features
	// Unsupported maps a feature name (the Feature* constants) to what
	// projection does when a request uses it.
	Unsupported map[string]Action
	// Details are reported by Capabilities for a known model (nil:
	// none).
	Details *abi.ModelDetails
}

// Option is one provider_options key a dialect reads.
type Option struct {
	// Key is the provider_options key.
	Key string
	// Apply validates the value and applies it to the body.
	Apply func(value json.RawMessage, body *Body) error
}

// ErrorInfo is a provider error object, {"error":{"message","type","code","param"}}.
type ErrorInfo struct {
	Status  int
	Message string
	Type    string
	Code    string
	Param   string
	// Body is the whole error body (or stream chunk) the fields were read
	// from, for dialects whose errors carry more (metadata, details).
	Body []byte
	// Summary is the default message without its hint: "<provider> HTTP
	// <status>: <message> (type ..., code ..., param ...)", and Hint the
	// default code's advice (": fix the request"), "" when it has none.
	// The default message is Summary + Hint; a Dialect.Error hook that
	// changes the code builds its message from Summary with its own hint,
	// rather than editing the default message.
	Summary, Hint string
}

// Dialect configures the protocol for one provider. Only the fields above
// the hooks are required; a nil hook means the OpenAI behaviour.
type Dialect struct {
	// Name is the module name, Version its semver, Provider the
	// provider's name (capabilities and error messages use them).
	Name, Version, Provider string
	// DefaultBaseURL is the provider's public base URL.
	DefaultBaseURL string
	// Auth is how the host injects credentials; the zero value means
	// bearer (Authorization: Bearer <key>).
	Auth abi.Auth
	// StateFormat names the transform state layout; empty means
	// StateFormat of this package, right for every dialect that does not
	// change the transform.
	StateFormat string
	// Options are the provider_options keys read, in any order
	// (Capabilities and the unknown-option error list them sorted); Pass
	// builds the pass-through ones from data.
	Options []Option
	// MaxTokensField is the body field for max_output_tokens
	// ("max_completion_tokens" for OpenAI, "max_tokens" for most others).
	MaxTokensField string
	// ReasoningEffortField is the body field for reasoning.effort ("" when
	// the provider has none: a request with an effort is refused).
	ReasoningEffortField string
	// StreamUsage asks for usage in streams with
	// stream_options.include_usage.
	StreamUsage bool
	// ToolResultName adds "name" to role "tool" messages (Mistral needs it).
	ToolResultName bool
	// FileParts: user messages take file parts as {"type":"file"} content
	// parts (OpenAI: a PDF inline as file_data, or a file_id), on models
	// with vision. Without it a file part is refused with
	// capability_unsupported.
	FileParts bool
	// AudioInput reports whether a model takes input_audio content parts
	// (base64 wav or mp3); nil: no model does, and an audio part is refused
	// with capability_unsupported.
	AudioInput func(model string) bool
	// ReasoningFields are the delta/message fields carrying reasoning text
	// ("reasoning_content" for DeepSeek, "reasoning" for some hosts).
	ReasoningFields []string
	// EchoReasoning: for models with Features.Reasoning, assistant
	// messages that hold tool calls carry "reasoning_content": the text of
	// the reasoning parts this provider produced (Part.Provider is Name or
	// Provider), "" when there are none. DeepSeek's thinking mode requires
	// it on tool-call turns. Reasoning of other providers, and reasoning of
	// turns without tool calls, is never sent.
	EchoReasoning bool
	// ReasoningMode reports whether req runs its model in reasoning mode,
	// for EchoReasoning; nil means the model's Features.Reasoning.
	ReasoningMode func(req *abi.Request) bool
	// DoneOptional: the provider may end a stream without "data: [DONE]";
	// a finish_reason then ends the response cleanly at the end of body.
	DoneOptional bool
	// FinishOptional: "data: [DONE]" ends the response cleanly even when
	// no finish_reason came (routers relaying upstreams that omit it); the
	// finish is then tool-calls when the response holds tool calls, else
	// other with an empty raw_reason.
	FinishOptional bool
	// UsageIn are top-level chunk keys whose object may hold a "usage"
	// object, read when the chunk has no top-level usage (Groq: x_groq).
	// A chunk's usage is counted once either way.
	UsageIn []string
	// UsageInChoice: the provider puts the usage object inside the choice
	// that finishes (Moonshot), read as well as a top-level one.
	UsageInChoice bool

	// Refused are provider_options keys of the OpenAI protocol the
	// provider does not support, each with what to do instead: a request
	// using one fails with capability_unsupported naming the model. They
	// are not listed among the module's provider options.
	//
	// A dialect refuses a request it cannot serve in one way: with a
	// capability_unsupported error built by guest.Unsupported (or
	// guest.ModelUnsupported) at the JSON pointer of the field, naming the
	// model. What a table can say is said here (Refused) or in
	// Model.Unsupported; every other refusal belongs in Rewrite, which runs
	// before anything else. Option.Apply only validates a value
	// (invalid_request); it never refuses a capability.
	Refused map[string]string

	// Rewrite runs first and returns the request to project (a copy when
	// it changes anything; req itself must not be modified): per-model
	// checks a Model cannot express and history rewrites such as
	// Mistral's tool-call IDs. nil means req as is.
	Rewrite func(req *abi.Request) (*abi.Request, error)
	// Route returns the path and query of the request; nil means
	// POST /v1/chat/completions (Azure routes by deployment).
	Route func(req *abi.Request) (path string, query map[string]string, err error)
	// Headers returns extra request headers; nil means none.
	Headers func(req *abi.Request) map[string]string
	// Model returns what the dialect knows of a model, its Features.Source
	// included; nil means every model has DefaultFeatures, source
	// "unknown", and no unsupported feature. Models that are not chat
	// models (NotChat) lose tools, structured output, reasoning and vision
	// whatever Model says.
	Model func(name string) Model
	// ToolCallID maps a tool-call ID of the history to the form the
	// provider accepts; it is applied to tool calls and tool results alike,
	// so it must be deterministic and injective (Mistral: 9 alphanumerics).
	ToolCallID func(id string) string
	// Extend adds, changes or removes body fields last (extra request
	// fields, stripped parameters).
	Extend func(req *abi.Request, body *Body) error
	// Finish maps a raw finish_reason; nil (or a "" result) means the
	// OpenAI mapping.
	Finish func(raw string) abi.FinishReason
	// Usage reads a usage object; nil means the OpenAI fields
	// (prompt_tokens, completion_tokens, prompt_tokens_details.cached_tokens,
	// completion_tokens_details.reasoning_tokens).
	Usage func(usage []byte, u *abi.Usage) error
	// Error adjusts the default mapping of a provider error (e holds the
	// default code, message and retryable).
	Error func(info *ErrorInfo, e *abi.Error)
	// Chunk reads what a chunk (or a whole response) carries besides the
	// protocol's fields. It runs once per chunk, after the choices (and the
	// tool calls a finish_reason flushes) and before the usage, so a stream
	// and ParseResponse of the same response run it at the same point:
	// finished is true once a finish_reason was seen, once is true until a
	// chunk of the response emitted an event with emit. A hook that reports
	// what every chunk repeats (Perplexity's and xAI's citations, as
	// source events) emits when finished and once, so the events come
	// after the text they support, in streams and whole responses alike. A
	// non-nil error ends the response with an error event (MiniMax's
	// base_resp with a non-zero status_code in an HTTP 200 body). nil
	// means no extra fields.
	Chunk func(doc jsonx.Value, finished, once bool, emit func(*abi.Event)) *abi.Error
	// PlainText declares the dialect's plain text chunks as a text-delta
	// template (ABI 1.4, PlainTextTemplates), so that the host serves them
	// without calling the module. It is ignored for a dialect with a
	// Chunk hook, reasoning fields or usage outside "usage", whose chunks
	// carry more than their text.
	PlainText bool

	// Operations (ABI 1.3, ops.go). Embeddings enables the embed
	// operation on the OpenAI embeddings endpoint; Models the models
	// operation on its model list. nil: the operation is not served.
	Embeddings *Embeddings
	Models     *Models

	// last is the Model projectModel looked up last.
	last atomic.Pointer[modelEntry]
}

// Embeddings configures the embed operation: POST {"model", "input",
// "dimensions"?, "encoding_format"?} to the embeddings endpoint, answered
// with {"data": [{"index", "embedding"}], "usage": {"prompt_tokens"}}.
type Embeddings struct {
	// Route returns the path and query for model; nil means
	// /v1/embeddings (Azure routes by deployment).
	Route func(model string) (path string, query map[string]string, err error)
	// MaxBatch is the most inputs per request (capabilities'
	// embed_max_batch).
	MaxBatch int
	// InputType is the body field input_type is sent as ("" refuses a
	// request with one).
	InputType string
	// DimensionsField is the body field of dimensions; "" means
	// "dimensions".
	DimensionsField string
}

// Models configures the models operation: GET the list, answered with
// {"data": [{"id", ...}]}, all in one page.
type Models struct {
	// Path is the list's path; "" means /v1/models.
	Path string
	// Info fills a listed model's capabilities (base: the dialect's own
	// for the model) from its raw list entry; nil keeps base, whose
	// source is the table's, a family's or unknown: an ID-only list
	// discovers nothing.
	Info func(entry []byte, base *abi.Capabilities) error
}

// StateFormat is the transform state layout of this package.
const StateFormat = "chat-completions/3"

// DefaultFeatures are the features of a current chat model.
var DefaultFeatures = abi.Features{
	Streaming:         true,
	ToolCalling:       abi.SupportNative,
	ParallelToolCalls: true,
	StructuredOutput:  abi.SupportNative,
	MultiTurn:         true,
	Reasoning:         false,
	Vision:            true,
}

func (d *Dialect) auth() abi.Auth {
	if d.Auth == (abi.Auth{}) {
		return abi.Auth{Scheme: abi.AuthBearer}
	}
	return d.Auth
}

// modelEntry is the Model of one name, as projectModel keeps it.
type modelEntry struct {
	name string
	m    Model
}

// projectModel is model for Project, which only reads the Model it gets:
// the last name's Model is kept per Dialect, since an agent loop projects
// the same model every turn and, in a Go guest under Wasm, the lookup
// (lower-casing the name, the dialect's tables, NotChat and Classifier)
// is a noticeable part of a projection. Capabilities, whose caller may
// change the Details it returns, looks the model up afresh.
func (d *Dialect) projectModel(name string) Model {
	if e := d.last.Load(); e != nil && e.name == name {
		return e.m
	}
	m := d.model(name)
	d.last.Store(&modelEntry{name: name, m: m})
	return m
}

func (d *Dialect) model(name string) Model {
	var m Model
	if d.Model == nil {
		m = Model{Features: DefaultFeatures}
		if name != "" {
			m.Features.Source = abi.SourceUnknown
		}
	} else {
		m = d.Model(name)
	}
	StripNotChat(name, &m.Features)
	return m
}
