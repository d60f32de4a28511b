// Package gemini is the wasmadapt adapter for the Google Gemini API
// (generativelanguage.googleapis.com, v1beta generateContent).
//
// # Routing
//
// A request with stream=false goes to POST /v1beta/models/{model}:generateContent
// (framing "none", parsed by ParseResponse); stream=true goes to
// POST /v1beta/models/{model}:streamGenerateContent?alt=sse (framing "sse";
// the Gemini API ends its SSE lines in CRLF, which the host's framer
// handles). The key travels in the x-goog-api-key header.
//
// # Conversation
//
// System messages become systemInstruction; user and tool messages become
// "user" contents, assistant messages "model" contents; consecutive contents
// of one role are merged. Tool results become functionResponse parts, named
// after the tool-call they answer (looked up by tool_call_id in the history)
// and ordered like the calls of the model turn they answer; a model turn's
// calls must all be answered, in the next user content, so that the number of
// functionResponse parts equals the number of functionCall parts (a call
// without a result is invalid_request). A result's content is sent as
// {"output": content} or, with is_error, {"error": content}.
//
// # Tool-call IDs
//
// Gemini's functionCall parts usually carry no id (an id Gemini does send
// is used, sanitized to [A-Za-z0-9_-]). Otherwise the adapter synthesizes
// one with guest/toolid: "call_" and 22 base62 characters of a hash of
// (responseId, n), n counting the calls of the response from 0. responseId
// is unique per response, so the IDs are unique across the turns of a
// conversation, and replaying the same bytes gives the same IDs. A response
// without a responseId is keyed by the call's name and arguments instead: two
// identical calls in different turns would then share an ID (a documented
// limitation; every recorded Gemini response carries a responseId).
// Results are matched to calls by name and order; in addition, since
// Gemini asks that a call it gave an id be answered with that id, a
// tool-call's ID is sent back as functionCall.id and functionResponse.id,
// except an ID of the synthesized form, which Gemini never issued.
//
// # Thought signatures
//
// A part's thoughtSignature is reported as a reasoning-signature event placed
// before the part's text or tool call (after the text of a thought part), so
// that the host records it as a reasoning part immediately before the part it
// belongs to. On projection, a reasoning part with a signature whose provider
// is "gemini" puts its signature on the next part of the same assistant
// message (a functionCall or text part), or on an empty text part when it is
// the last one, which is how Gemini sent it. Reasoning text (thought
// summaries) is not sent back, and reasoning from other providers is dropped
// (thinking-block scrubbing). For Gemini 3 models, which reject a model turn
// whose first functionCall has no signature (history from another provider or
// module), the documented placeholder "skip_thought_signature_validator" is
// sent on that part.
//
// # Schemas
//
// Models of the 2.5 and 3 families take full JSON Schema: tools use
// parametersJsonSchema and structured output responseJsonSchema, the schema
// passed as given. Older models (1.5, 2.0, Gemma) take Gemini's OpenAPI
// subset in parameters/responseSchema: the schema is projected with
// guest/schema.Subset (local $ref inlined, a cycle refused; [T,"null"] to
// nullable; const to enum; annotations such as $schema, title, default and
// examples dropped; format passed through, which the API accepts for any
// value; additionalProperties:false dropped, a documented widening since
// the subset cannot forbid extra properties and the host validates against
// the full schema), and a keyword the subset cannot express (oneOf, allOf,
// not, exclusiveMinimum, patternProperties, an enum value "", ...) is refused
// with schema_unsupported and its JSON pointer in the request.
// The provider option "schema_mode" ("json_schema" or "openapi") overrides
// the choice.
//
// # Events
//
// Streams give response-start (responseId, modelVersion), text-delta,
// reasoning-delta (thought parts), reasoning-signature, and per function
// call tool-call-start, tool-call-delta and tool-call (a whole call arrives
// in one part: its arguments come in one delta, compacted; calls whose
// arguments Gemini streams in pieces (partialArgs, nested JSONPaths such
// as $.recipe.ingredients[0].amount build nested values) give one delta
// per piece), then usage and finish. ParseResponse gives the same events
// a stream of the response gives. An error object inside the stream is one
// error event and ends the stream.
//
// # Finish reasons and usage
//
// STOP is stop, or tool-calls when the response holds a function call;
// MAX_TOKENS is length; SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT,
// SPII and the IMAGE_* safety reasons are content-filter; MALFORMED_FUNCTION_CALL,
// UNEXPECTED_TOOL_CALL and TOO_MANY_TOOL_CALLS are error (the raw reason says
// which: the model failed to produce a usable call, so neither a clean stop
// nor a tool-calls finish is true); anything else is other. Finish and
// block reasons sent as protobuf enum numbers (clients that ask for
// enum-encoding=int) are mapped by number, the number kept as raw_reason. A
// prompt blocked by promptFeedback.blockReason finishes with content-filter
// and the block reason as raw_reason. Gemini streams have no end sentinel: the chunk that
// carries finishReason (or a prompt block) ends the response, and a body that
// ends without one is stream_truncated. Usage: input is promptTokenCount
// (cached tokens included) plus toolUsePromptTokenCount, output is
// candidatesTokenCount plus thoughtsTokenCount, cached is
// cachedContentTokenCount, reasoning is thoughtsTokenCount.
//
// # Models and reasoning
//
// Capabilities are per model family: gemini-3* (and "") and gemini-2.5*
// have everything, thinking included (a newer versioned name, such as
// gemini-3.5-pro or gemini-4-flash, is served as the newest family not
// newer than it); gemini-2.0* and gemini-1.5* do not
// think (but the -thinking variants); gemma-* has no tools and no
// structured output. A request for a feature the model lacks is
// capability_unsupported. reasoning.effort is thinkingConfig.thinkingLevel
// on Gemini 3 ("minimal", "low", "medium", "high"; thinking cannot be
// switched off there, and the Pro models have no "minimal") and a thinkingBudget on older models (none 0,
// minimal 512, low 1024, medium 8192, high 24576; 2.5 Pro cannot switch
// thinking off); reasoning.budget_tokens is thinkingBudget (-1 dynamic).
// When a request sets both, the model's native one is used: the level on
// Gemini 3, the budget elsewhere. includeThoughts is set when reasoning is
// requested, so thought summaries stream as reasoning-delta.
//
// # Provider tools
//
// web_search is the googleSearch tool (grounding), code_execution the
// codeExecution tool (Gemini 2.0 and later), web_fetch the urlContext tool
// (Gemini 2.5 and later); none takes options, and file_search and mcp are
// refused. Grounding metadata, executableCode/codeExecutionResult parts
// and urlContextMetadata are server-tool-call and server-tool-result
// events (see grounding.go).
//
// # Errors
//
// Error bodies {"error":{"code","message","status","details"}} map by
// status: INVALID_ARGUMENT, FAILED_PRECONDITION and OUT_OF_RANGE are
// invalid_request (authentication when the ErrorInfo reason is
// API_KEY_INVALID, context_length_exceeded when the input token count
// exceeds the maximum), UNAUTHENTICATED authentication, PERMISSION_DENIED
// permission, NOT_FOUND not_found, RESOURCE_EXHAUSTED rate_limited
// (retryable, with the RetryInfo delay in the message, unless a
// QuotaFailure names a per-day quota), UNAVAILABLE overloaded (retryable),
// INTERNAL, DEADLINE_EXCEEDED, UNKNOWN and ABORTED server_error
// (retryable); a body without that shape maps by HTTP status.
//
// # Provider options
//
//   - "safety_settings": an array sent as safetySettings, unchanged.
//   - "cached_content": a cachedContents/... name sent as cachedContent.
//   - "schema_mode": "json_schema" or "openapi" (see Schemas).
//   - "include_thoughts": a boolean for thinkingConfig.includeThoughts
//     (default: true when the request sets reasoning).
//   - "thinking_level": "minimal", "low", "medium" or "high" (Gemini 3),
//     overriding the level derived from reasoning.effort.
package gemini

import (
	"slices"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Name is the module and provider name; reasoning parts whose Provider is
// Name are echoed back to Gemini.
const Name = "gemini"

// Version is the module's version.
const Version = "1.0.0"

// StateFormat names the layout of the transform state.
const StateFormat = "gemini-sse/1"

// DefaultBaseURL is the public Gemini API endpoint.
const DefaultBaseURL = "https://generativelanguage.googleapis.com"

// The provider_options keys the adapter reads.
var providerOptions = []string{"cached_content", "include_thoughts", "safety_settings", "schema_mode", "thinking_level"}

// Adapter implements guest.Adapter for the Gemini API. It holds no state.
type Adapter struct{}

// New returns the Gemini adapter.
func New() guest.Adapter { return Adapter{} }

var _ guest.Adapter = Adapter{}

// family is what the adapter knows of a model.
type family struct {
	features abi.Features
	// jsonSchema: the model takes parametersJsonSchema/responseJsonSchema.
	jsonSchema bool
	// levels: the model takes thinkingConfig.thinkingLevel (Gemini 3).
	levels bool
	// needsSignature: the model rejects a function call without a
	// thought signature (Gemini 3).
	needsSignature bool
	// noDisableThinking: thinking cannot be switched off (2.5 Pro).
	noDisableThinking bool
	// noMinimal: the model has no "minimal" thinking level (Gemini 3 Pro).
	noMinimal bool
}

// modelFamily returns the family of a model name. Versioned names follow
// the family rule: a gemini-N.M name is served as the newest family not
// newer than it, so gemini-3.5-pro and gemini-4-flash are Gemini 3 and a
// gemini-2.7 name would be 2.5, until the adapter knows them.
func modelFamily(model string) family {
	m := strings.TrimPrefix(model, "models/")
	full := abi.Features{Streaming: true, ToolCalling: abi.SupportNative, ParallelToolCalls: true,
		StructuredOutput: abi.SupportNative, MultiTurn: true, Reasoning: true, Vision: true}
	v := geminiVersion(m)
	switch {
	case m == "" || v >= 30:
		return family{features: full, jsonSchema: true, levels: true, needsSignature: true,
			noMinimal: strings.Contains(m, "-pro")}
	case v >= 25 && strings.Contains(m, "-pro"):
		return family{features: full, jsonSchema: true, noDisableThinking: true}
	case v >= 25, strings.HasPrefix(m, "gemini-flash-latest"), strings.HasPrefix(m, "gemini-flash-lite-latest"), strings.HasPrefix(m, "gemini-pro-latest"):
		return family{features: full, jsonSchema: true}
	case strings.HasPrefix(m, "gemma"):
		f := full
		f.ToolCalling, f.ParallelToolCalls, f.StructuredOutput, f.Reasoning = abi.SupportNone, false, abi.SupportNone, false
		return family{features: f}
	default: // gemini-2.0, gemini-1.5 and unknown older names
		f := full
		f.Reasoning = strings.Contains(m, "thinking")
		return family{features: f}
	}
}

// knownLines are the Gemini lines the adapter's table was written for.
var knownLines = []string{"gemini-3-", "gemini-2.5-", "gemini-2.0-", "gemini-1.5-", "gemma-",
	"gemini-flash-latest", "gemini-flash-lite-latest", "gemini-pro-latest"}

// modelSource says where the adapter's knowledge of a model comes from
// (abi.Source*): a known line, the family rule (a newer gemini-N.M name),
// or nothing ("unknown"; "" for the defaults).
func modelSource(model string) string {
	m := strings.TrimPrefix(model, "models/")
	switch {
	case m == "":
		return ""
	case slices.ContainsFunc(knownLines, func(l string) bool { return strings.HasPrefix(m, l) }):
		return abi.SourceTable
	case geminiVersion(m) > 25:
		return abi.SourceFamily
	}
	return abi.SourceUnknown
}

// geminiVersion returns ten times the version of a gemini-N[.M] name
// (gemini-2.5-flash is 25, gemini-3-pro-preview 30), or 0 when the name
// is not one.
func geminiVersion(m string) int {
	rest, ok := strings.CutPrefix(m, "gemini-")
	if !ok || len(rest) == 0 || rest[0] < '0' || rest[0] > '9' {
		return 0
	}
	major, i := 0, 0
	for ; i < len(rest) && i < 2 && rest[i] >= '0' && rest[i] <= '9'; i++ {
		major = major*10 + int(rest[i]-'0')
	}
	minor := 0
	if i+1 < len(rest) && rest[i] == '.' && rest[i+1] >= '0' && rest[i+1] <= '9' {
		minor = int(rest[i+1] - '0')
	}
	return major*10 + minor
}

// Capabilities describes the module for model ("" for the defaults, which
// are those of the current Gemini 3 family).
func (Adapter) Capabilities(model string) abi.Capabilities {
	f := modelFamily(model).features
	f.Source = modelSource(model)
	// Gemini caches prompt prefixes implicitly; explicit caches are
	// referenced with the cached_content provider option, not markers.
	f.Caching = abi.CachingAutomatic
	var providerTools []string
	if f.ToolCalling != abi.SupportNone {
		providerTools = modelKinds(model) // Google Search grounding, code execution, URL context
	}
	if f.Source == abi.SourceUnknown {
		f, providerTools = abi.PlainTextFeatures(), nil
	}
	return abi.Capabilities{
		Name:            Name,
		Version:         Version,
		Provider:        Name,
		Model:           model,
		DefaultBaseURL:  DefaultBaseURL,
		Auth:            abi.Auth{Scheme: abi.AuthHeader, Name: "x-goog-api-key"},
		StateFormat:     StateFormat,
		ProviderOptions: providerOptions,
		Details:         modelDetails(model),
		Features:        f,
		ProviderTools:   providerTools,
		Operations:      guest.OpsOf(Adapter{}),
		EmbedMaxBatch:   embedMaxBatch,
	}
}
