// Package anthropic is the wasmadapt adapter for the Anthropic Messages API
// (POST /v1/messages).
//
// Projection moves system messages to the top-level system field, makes
// the conversation alternate strictly user/assistant starting with user
// (consecutive same-role messages merged, all tool results of a turn in one
// user message right after the assistant turn that called the tools, empty
// text blocks dropped), and always sends max_tokens: when the request sets
// none, the model's documented maximum output for streams and at most
// 16384 for whole responses (see models.go). It maps tool_choice
// (auto/any/tool/none) and refuses forced tool use under extended thinking.
// Structured output is native (output_config.format, generally available
// on Claude Sonnet 4.5, Opus 4.5, Haiku 4.5, Opus 4.6, Sonnet 4.6 and
// Opus 4.7; the schema put in Claude's dialect by StrictSchema) on those
// models and one forced tool elsewhere (capabilities say json_mode there).
// Claude Opus 4.7 takes temperature, top_p and top_k only at their
// defaults: other values are refused with capability_unsupported (pointer
// at the field) and default ones are not sent. A model name the table does
// not know but of a known family (claude-opus-4-8, claude-sonnet-5) is
// served as the newest known model of that family not newer than it (see
// lookup in models.go).
// Thinking and redacted_thinking blocks are echoed unchanged only when
// they came from this provider; tool-use IDs are rewritten to
// ^[a-zA-Z0-9_-]+$ with one injective mapping per request.
//
// Provider tools (see servertools.go): web_search, web_fetch and
// code_execution are server tools (the last two add their beta to
// anthropic-beta); mcp is an mcp_servers entry of the MCP connector (beta
// mcp-client-2025-04-04); file_search is refused. server_tool_use,
// mcp_tool_use and *_tool_result blocks are server-tool-call and
// server-tool-result events.
//
// Cache markers of the request (on tools, the system prompt, messages and
// parts) become cache_control breakpoints, at most four, with ttl 5m or 1h;
// cache_creation_input_tokens are reported as cache_write_input_tokens.
//
// Transform maps the SSE event stream (message_start, content_block_*,
// message_delta, message_stop, ping, error) to normalized events; its state
// is a compact binary record owned by the host (see state.go). Content
// blocks a message_start already carries (whole tool_use blocks, as
// programmatic tool calling sends them) give the events of a whole
// response's blocks, and its stop_reason counts like message_delta's. One
// body is one message: a second message_start is a malformed stream, an
// error event server_error ("malformed stream event") that ends it. Text
// blocks separated by a block of another kind are joined by a "\n\n"
// text-delta (see the ABI's text boundaries).
//
// Provider options read from the request's provider_options:
//
//	top_k            integer: sampling top_k
//	user_id          string: metadata.user_id
//	service_tier     string: "auto" or "standard_only"
//	anthropic_beta   array of strings: sent as the anthropic-beta header
package anthropic

import (
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Identity of the module.
const (
	// Name is the module name.
	Name = "anthropic"
	// Provider is the provider name carried by reasoning parts this module
	// produces and accepts back.
	Provider = "anthropic"
	// Version is the module's version.
	Version = "1.0.0"
	// APIVersion is the anthropic-version header value sent with every
	// request.
	APIVersion = "2023-06-01"
	// StateFormat names the layout of the transform state.
	StateFormat = "anthropic-messages/3"
	// DefaultBaseURL is Anthropic's public API.
	DefaultBaseURL = "https://api.anthropic.com"
)

// providerOptions are the provider_options keys the adapter reads.
var providerOptions = []string{"anthropic_beta", "service_tier", "top_k", "user_id"}

// Adapter implements guest.Adapter for the Anthropic Messages API. Its
// methods are pure functions of their arguments.
type Adapter struct{}

var _ guest.Adapter = Adapter{}

// New returns the adapter.
func New() guest.Adapter { return Adapter{} }

// Capabilities describes the module for one model.
func (Adapter) Capabilities(modelName string) abi.Capabilities {
	return abi.Capabilities{
		ABIVersion:      abi.VersionString(abi.Version),
		Name:            Name,
		Version:         Version,
		Provider:        Provider,
		Model:           modelName,
		DefaultBaseURL:  DefaultBaseURL,
		Auth:            abi.Auth{Scheme: abi.AuthHeader, Name: "x-api-key"},
		StateFormat:     StateFormat,
		ProviderOptions: providerOptions,
		Features:        lookup(modelName).features(),
		Details:         lookup(modelName).details(),
		ProviderTools:   serverKinds,
		EchoServerTools: true,
		Operations:      guest.OpsOf(Adapter{}),
	}
}
