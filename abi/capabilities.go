package abi

// Capabilities is what wasmadapt_capabilities returns for one model: who the
// module is, how the host authenticates its requests, and what the model can
// do. The host's capability gate checks every request against it before a
// byte is sent.
type Capabilities struct {
	// ABIVersion is "major.minor.patch" of the ABI the module implements.
	ABIVersion string `json:"abi_version"`
	// Name is the module's name (e.g. the file name without .wasm).
	Name string `json:"name"`
	// Version is the module's own version (semver).
	Version string `json:"version"`
	// Provider names the wire protocol family the module speaks.
	Provider string `json:"provider"`
	// Model is the model these capabilities are for ("" for the defaults).
	Model string `json:"model,omitempty"`
	// DefaultBaseURL is the provider's public base URL, if it has one.
	DefaultBaseURL string `json:"default_base_url,omitempty"`
	// Auth says how the host injects credentials.
	Auth Auth `json:"auth"`
	// StateFormat names the layout of the transform state. Two versions
	// of a module with the same non-empty StateFormat can continue each
	// other's streams (hot swap may migrate them); otherwise streams stay
	// pinned to the version that started them.
	StateFormat string `json:"state_format,omitempty"`
	// ProviderOptions lists the provider_options keys the module reads.
	ProviderOptions []string `json:"provider_options,omitempty"`
	// Features are the model's capability flags.
	Features Features `json:"capabilities"`
	// ProviderTools lists the provider tool kinds (ProviderTool*) the
	// module projects for the model (ABI 1.2); the host refuses a request
	// with any other provider tool.
	ProviderTools []string `json:"provider_tools,omitempty"`
}

// The auth schemes a module may declare.
const (
	// AuthBearer: "Authorization: Bearer <key>".
	AuthBearer = "bearer"
	// AuthHeader: "<Name>: <Prefix><key>" (e.g. x-api-key, api-key).
	AuthHeader = "header"
	// AuthQuery: "?<Name>=<key>".
	AuthQuery = "query"
	// AuthAWSSigV4: AWS Signature Version 4 for Service and the region the
	// host is configured with.
	AuthAWSSigV4 = "aws-sigv4"
	// AuthNone: no credentials (local servers).
	AuthNone = "none"
)

// Auth is the module's auth scheme; the host holds the secret.
type Auth struct {
	Scheme  string `json:"scheme"`
	Name    string `json:"name,omitempty"`
	Prefix  string `json:"prefix,omitempty"`
	Service string `json:"service,omitempty"`
}

// The values of Features.ToolCalling and Features.StructuredOutput.
const (
	SupportNative   = "native"
	SupportEmulated = "emulated"
	SupportJSONMode = "json_mode"
	SupportNone     = "none"
)

// The values of Features.Source: where a module's knowledge of a model
// comes from.
const (
	// SourceTable: the model is in the module's table of known models.
	SourceTable = "table"
	// SourceFamily: the model is not in the table but matches one of the
	// module's model families (name patterns, such as a newer version of
	// a known line), whose capabilities it is given.
	SourceFamily = "family"
	// SourceDiscovered: the capabilities come from the provider's own
	// model list.
	SourceDiscovered = "discovered"
	// SourceUnknown: the name matches no table entry and no family; the
	// flags are the module's assumptions, not facts about the model.
	SourceUnknown = "unknown"
)

// Features are a model's capability flags.
type Features struct {
	Streaming bool `json:"streaming"`
	// ToolCalling is "native", "emulated" or "none".
	ToolCalling       string `json:"tool_calling"`
	ParallelToolCalls bool   `json:"parallel_tool_calls"`
	// StructuredOutput is "native", "json_mode" or "none".
	StructuredOutput string `json:"structured_output"`
	MultiTurn        bool   `json:"multi_turn"`
	Reasoning        bool   `json:"reasoning"`
	Vision           bool   `json:"vision"`
	// Source says where the flags come from (Source* above); empty when
	// the module does not say, or for a module's defaults (no model).
	Source string `json:"source,omitempty"`

	// Prompt caching (ABI 1.2). Caching is "explicit", "automatic" or
	// "none" (Caching* in cache.go); empty when the module does not say
	// (an ABI 1.1 module), which the host treats as "none".
	// MaxCacheBreakpoints is the most cache markers one request may carry
	// when Caching is "explicit".
	Caching             string `json:"caching,omitempty"`
	MaxCacheBreakpoints int    `json:"max_cache_breakpoints,omitempty"`
}
