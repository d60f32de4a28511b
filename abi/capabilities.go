package abi

// Capabilities is what wasmadapt_capabilities returns for one model: who the
// module is, how the host authenticates its requests, and what the model can
// do. The host's capability check holds every request against it before a
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
	// Details are the model's limits, inputs and accepted parameters,
	// when the module knows them (an optional addition: nil from modules
	// that do not say, and for models they do not know).
	Details *ModelDetails `json:"details,omitempty"`
	// ProviderTools lists the provider tool kinds (ProviderTool*) the
	// module projects for the model (ABI 1.2); the host refuses a request
	// with any other provider tool.
	ProviderTools []string `json:"provider_tools,omitempty"`
	// EchoServerTools says the module takes server-tool-call and
	// server-tool-result parts of its own provider in assistant messages
	// and sends them back (ABI 1.3); the host drops those parts for a
	// module without it, and for a module of another provider.
	EchoServerTools bool `json:"echo_server_tools,omitempty"`
	// Operations lists the operations (Op*) the module serves through
	// wasmadapt_project_op and wasmadapt_parse_op (ABI 1.3); the host
	// refuses any other.
	Operations []string `json:"operations,omitempty"`
	// EmbedMaxBatch is the most inputs one embed call takes (ABI 1.3;
	// 0: the host's MaxEmbedBatch); the host splits longer lists.
	EmbedMaxBatch int `json:"embed_max_batch,omitempty"`
}

// The input modalities of ModelDetails.InputModalities.
const (
	ModalityText  = "text"
	ModalityImage = "image"
	ModalityPDF   = "pdf"
	ModalityAudio = "audio"
)

// The sampling parameters of ModelDetails.Sampling: the request fields
// temperature, top_p and stop, and the provider options top_k and seed.
const (
	SamplingTemperature = "temperature"
	SamplingTopP        = "top_p"
	SamplingTopK        = "top_k"
	SamplingStop        = "stop"
	SamplingSeed        = "seed"
)

// ModelDetails are what a module knows of a model beyond its flags. Zero
// fields are unknown; the host checks the known ones before sending.
type ModelDetails struct {
	// ContextWindow is the most input and output tokens of one request.
	ContextWindow int `json:"context_window,omitempty"`
	// MaxOutputTokens is the most output tokens the model produces; a
	// request's max_output_tokens above it is refused.
	MaxOutputTokens int `json:"max_output_tokens,omitempty"`
	// InputModalities lists the kinds of input the model reads
	// (Modality*).
	InputModalities []string `json:"input_modalities,omitempty"`
	// Sampling lists the sampling parameters the model accepts at any
	// value (Sampling*); nil means unknown, and a parameter a model takes
	// only at its default is not listed. A request setting one not listed
	// is refused.
	Sampling []string `json:"sampling,omitempty"`
	// Reasoning describes the model's reasoning controls, for reasoning
	// models.
	Reasoning *ReasoningControls `json:"reasoning,omitempty"`
}

// ReasoningControls are the reasoning settings a model takes.
type ReasoningControls struct {
	// Efforts lists the reasoning.effort values accepted; empty: none.
	Efforts []string `json:"efforts,omitempty"`
	// BudgetMin and BudgetMax bound reasoning.budget_tokens (0: unbounded
	// on that side); Budget says whether a budget is accepted at all.
	Budget    bool `json:"budget,omitempty"`
	BudgetMin int  `json:"budget_min,omitempty"`
	BudgetMax int  `json:"budget_max,omitempty"`
	// Adaptive: the model decides how much to reason by itself.
	Adaptive bool `json:"adaptive,omitempty"`
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

// PlainTextFeatures are the flags a module reports for a model it does not
// know (Source "unknown"): streaming, multi-turn text, and nothing the
// model may lack (no tools, structured output, reasoning or vision). The
// host sends such a model plain text only unless the caller assumes
// capabilities for it; the module's projection may still serve the
// features it would assume, for a caller who does.
func PlainTextFeatures() Features {
	return Features{Streaming: true, ToolCalling: SupportNone, StructuredOutput: SupportNone,
		MultiTurn: true, Source: SourceUnknown}
}
