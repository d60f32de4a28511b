// Package bedrock is the wasmadapt adapter for the Amazon Bedrock Converse
// API: POST /model/{modelId}/converse-stream (AWS event-stream framing,
// decoded by the host) and POST /model/{modelId}/converse (a whole JSON
// body), chosen by the request's stream flag.
//
// The host signs every request with AWS Signature Version 4 for the
// service "bedrock" (auth scheme aws-sigv4); the adapter never sees
// credentials. Projection builds the Converse request (messages of content
// blocks text/image/toolUse/toolResult/reasoningContent, system,
// inferenceConfig, toolConfig, outputConfig), alternating user/assistant
// starting with user, with tool-use IDs rewritten to ^[a-zA-Z0-9_-]{1,64}$.
// Cache markers become cachePoint blocks after the marked tool, system
// text or content block, on the models that cache (Claude 3.5 Haiku,
// 3.7 Sonnet and later; Amazon Nova, not in the tool list), at most four
// and for the default lifetime; cacheWriteInputTokens are reported as
// cache_write_input_tokens.
//
// Transform maps the event-stream messages (messageStart,
// contentBlockStart/Delta/Stop, messageStop, metadata and the exception
// events) to normalized events; metadata, the last event Bedrock sends, is
// the end marker. Amazon Nova models write their chain of thought into the
// text as a leading <thinking>...</thinking> block; for them that block is
// emitted as reasoning (guest/think, its state carried in the transform
// state), the rest as text.
//
// Provider options read from the request's provider_options:
//
//	additional_model_request_fields  object: merged into additionalModelRequestFields
//	guardrail_config                 object: sent as guardrailConfig
package bedrock

import (
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Identity of the module.
const (
	// Name is the module name.
	Name = "bedrock"
	// Provider is the provider name carried by reasoning parts this module
	// produces and accepts back.
	Provider = "bedrock"
	// Version is the module's version.
	Version = "1.0.0"
	// StateFormat names the layout of the transform state.
	StateFormat = "bedrock-converse/3"
	// DefaultBaseURL is the Bedrock runtime endpoint of us-east-1; hosts
	// configured for another region use that region's endpoint.
	DefaultBaseURL = "https://bedrock-runtime.us-east-1.amazonaws.com"
	// SigV4Service is the service name requests are signed for.
	SigV4Service = "bedrock"
)

var providerOptions = []string{"additional_model_request_fields", "guardrail_config"}

// Adapter implements guest.Adapter for Bedrock Converse. Its methods are
// pure functions of their arguments.
type Adapter struct{}

var _ guest.Adapter = Adapter{}

// New returns the adapter.
func New() guest.Adapter { return Adapter{} }

// Capabilities describes the module for one model ID.
func (Adapter) Capabilities(modelID string) abi.Capabilities {
	m := lookup(modelID)
	return abi.Capabilities{
		ABIVersion:      abi.VersionString(abi.Version),
		Name:            Name,
		Version:         Version,
		Provider:        Provider,
		Model:           modelID,
		DefaultBaseURL:  DefaultBaseURL,
		Auth:            abi.Auth{Scheme: abi.AuthAWSSigV4, Service: SigV4Service},
		StateFormat:     StateFormat,
		ProviderOptions: providerOptions,
		Features:        m.features(),
		Details:         m.details(),
		Operations:      guest.OpsOf(Adapter{}),
		EmbedMaxBatch:   embedMaxBatch(modelID),
	}
}
