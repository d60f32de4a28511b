// Package anthropic is the wasmadapt adapter for the Anthropic Messages API
// (POST /v1/messages).
//
// Projection moves system messages to the top-level system field, makes
// the conversation alternate strictly user/assistant starting with user
// (consecutive same-role messages merged, all tool results of a turn in one
// user message right after the assistant turn that called the tools, empty
// text blocks dropped), always sends max_tokens (the model's documented
// maximum output when the request sets none), maps tool_choice and its
// limits under extended thinking, sends structured output natively
// (output_config.format) on the models that have it and as one forced tool
// elsewhere, echoes thinking and redacted_thinking blocks only when they
// came from this provider, and rewrites tool-use IDs to ^[a-zA-Z0-9_-]+$
// with one injective mapping per request.
//
// Transform maps the SSE event stream (message_start, content_block_*,
// message_delta, message_stop, ping, error) to normalized events; its state
// is a compact binary record owned by the host (see state.go).
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
	StateFormat = "anthropic-messages/1"
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
	}
}
