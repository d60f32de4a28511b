package bedrock

import (
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/anthropic"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockproject"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
)

// thinking says how a model takes reasoning configuration.
type thinking uint8

const (
	thinkingNone         thinking = iota // no reasoning
	thinkingFixed                        // reasons on its own; nothing to configure
	thinkingBudget                       // Claude: thinking {"type":"enabled","budget_tokens"}
	thinkingAdaptive                     // Claude 4.6+: thinking {"type":"adaptive"} too
	thinkingAdaptiveOnly                 // Claude Opus 4.7: adaptive only
)

// model is what the adapter knows about one Bedrock model family.
type model struct {
	// source is where lookup found the model (abi.Source*); set by
	// lookup, not in the table.
	source string
	// prefix matches the model ID after any inference-profile region
	// prefix (us., eu., apac., global., ...) and ARN path are removed.
	prefix string
	// tools: the model takes toolConfig through Converse.
	tools bool
	// forcedTool: toolChoice any and tool are accepted (Anthropic Claude,
	// Amazon Nova, Mistral Large; others take auto only).
	forcedTool bool
	// structured: outputConfig.textFormat json_schema (and strict tools)
	// are available.
	structured bool
	thinking   thinking
	vision     bool
	// maxOutput is the documented maximum output, sent as maxTokens when
	// thinking needs one and the request sets none.
	maxOutput int
	// defaultSampling: the model takes temperature, top_p and top_k only
	// at their defaults and answers 400 otherwise (Claude Opus 4.7).
	defaultSampling bool
	// caching is the model's prompt caching through cachePoint blocks.
	caching caching
}

// caching says where a model takes cachePoint blocks (the Bedrock user
// guide's prompt-caching table).
type caching uint8

const (
	cachingNone caching = iota
	// cachingClaude: system, messages and tools.
	cachingClaude
	// cachingNova: system and messages, not tools.
	cachingNova
)

// maxCachePoints is the most cachePoint blocks one Converse request may
// carry on the models that cache.
const maxCachePoints = 4

// models lists the families, most specific prefix first. Tool support and
// tool choice follow the Bedrock user guide's table of Converse features
// per model; structured outputs follow the Bedrock structured-output page
// (Claude 4.5 and later).
var models = []model{
	{prefix: "anthropic.claude-opus-4-7", tools: true, forcedTool: true, structured: true, thinking: thinkingAdaptiveOnly, vision: true, caching: cachingClaude, maxOutput: 128000, defaultSampling: true},
	{prefix: "anthropic.claude-opus-4-6", tools: true, forcedTool: true, structured: true, thinking: thinkingAdaptive, vision: true, caching: cachingClaude, maxOutput: 128000},
	{prefix: "anthropic.claude-sonnet-4-6", tools: true, forcedTool: true, structured: true, thinking: thinkingAdaptive, vision: true, caching: cachingClaude, maxOutput: 64000},
	{prefix: "anthropic.claude-opus-4-5", tools: true, forcedTool: true, structured: true, thinking: thinkingBudget, vision: true, caching: cachingClaude, maxOutput: 64000},
	{prefix: "anthropic.claude-sonnet-4-5", tools: true, forcedTool: true, structured: true, thinking: thinkingBudget, vision: true, caching: cachingClaude, maxOutput: 64000},
	{prefix: "anthropic.claude-haiku-4-5", tools: true, forcedTool: true, structured: true, thinking: thinkingBudget, vision: true, caching: cachingClaude, maxOutput: 64000},
	{prefix: "anthropic.claude-opus-4-1", tools: true, forcedTool: true, thinking: thinkingBudget, vision: true, caching: cachingClaude, maxOutput: 32000},
	{prefix: "anthropic.claude-opus-4", tools: true, forcedTool: true, thinking: thinkingBudget, vision: true, caching: cachingClaude, maxOutput: 32000},
	{prefix: "anthropic.claude-sonnet-4", tools: true, forcedTool: true, thinking: thinkingBudget, vision: true, caching: cachingClaude, maxOutput: 64000},
	{prefix: "anthropic.claude-3-7-sonnet", tools: true, forcedTool: true, thinking: thinkingBudget, vision: true, caching: cachingClaude, maxOutput: 64000},
	{prefix: "anthropic.claude-3-5-haiku", tools: true, forcedTool: true, vision: false, caching: cachingClaude, maxOutput: 8192},
	{prefix: "anthropic.claude-3", tools: true, forcedTool: true, vision: true, maxOutput: 4096},
	{prefix: "anthropic.claude", maxOutput: 4096}, // Claude 2 and Instant: text only
	{prefix: "amazon.nova-micro", tools: true, forcedTool: true, caching: cachingNova, maxOutput: 5000},
	{prefix: "amazon.nova-", tools: true, forcedTool: true, vision: true, caching: cachingNova, maxOutput: 5000},
	{prefix: "meta.llama4", tools: true, vision: true, maxOutput: 8192},
	{prefix: "meta.llama3-2-11b", tools: true, vision: true, maxOutput: 2048},
	{prefix: "meta.llama3-2-90b", tools: true, vision: true, maxOutput: 2048},
	{prefix: "meta.llama3-1", tools: true, maxOutput: 2048},
	{prefix: "meta.llama3-3", tools: true, maxOutput: 2048},
	{prefix: "mistral.mistral-large", tools: true, forcedTool: true, maxOutput: 8192},
	{prefix: "mistral.pixtral-large", tools: true, forcedTool: true, vision: true, maxOutput: 8192},
	{prefix: "cohere.command-r", tools: true, maxOutput: 4096},
	{prefix: "ai21.jamba", tools: true, maxOutput: 4096},
	{prefix: "deepseek.r1", thinking: thinkingFixed, maxOutput: 32768},
	{prefix: "openai.gpt-oss", tools: true, thinking: thinkingFixed, maxOutput: 32768},
}

// unknownModel is assumed for IDs the table does not know: text only,
// so that a request using tools or images fails closed at projection.
var unknownModel = model{maxOutput: 4096}

// regionPrefixes are the geography prefixes of cross-region inference
// profiles.
var regionPrefixes = []string{"us-gov.", "us.", "eu.", "apac.", "global.", "jp.", "au.", "ca."}

// baseModelID strips an ARN path and an inference-profile prefix:
// "arn:aws:bedrock:us-east-1:1:inference-profile/us.anthropic.claude-x"
// becomes "anthropic.claude-x".
func baseModelID(id string) string {
	if strings.HasPrefix(id, "arn:") {
		if i := strings.LastIndexByte(id, '/'); i >= 0 {
			id = id[i+1:]
		}
	}
	for _, p := range regionPrefixes {
		if rest, ok := strings.CutPrefix(id, p); ok {
			return rest
		}
	}
	return id
}

// lookup returns what the adapter knows about a model ID: its table entry
// (a prefix of the base ID; for Claude IDs of the current scheme, only a
// prefix of the same version: anthropic.claude-opus-4 does not name
// anthropic.claude-opus-4-8), else, for a newer Claude of a known family,
// the newest entry of that family not newer than it (Opus 4.8 is served
// as Opus 4.7 until the table knows it), else unknownModel.
func lookup(id string) model {
	m, source := blockproject.Lookup(models, modelPrefix, baseModelID(id), id, unknownModel)
	m.source = source
	return m
}

func modelPrefix(m *model) string { return m.prefix }

// details returns what the adapter knows of a model of its table beyond
// its flags, or nil for a model it does not know: the input it projects
// (images with vision, documents on the models taking tools) and, for
// Claude, Anthropic's documented limits (the maximum output of the table
// and, from Claude 3 on, the standard context window) and the sampling
// parameters it takes. The other
// families' limits are left unknown: their output maxima change with the
// model version more often than the table does.
func (m model) details() *abi.ModelDetails {
	if m.source != abi.SourceTable && m.source != abi.SourceFamily {
		return nil
	}
	d := &abi.ModelDetails{InputModalities: opkit.Modalities(m.vision, m.tools, false)}
	if strings.HasPrefix(m.prefix, "anthropic.claude") {
		d.MaxOutputTokens = m.maxOutput
		if m.prefix != "anthropic.claude" {
			d.ContextWindow = anthropic.ContextWindow
		}
		// Converse's temperature, topP and stopSequences (top_k is an
		// additional model request field, not the top_k provider option);
		// a model taking temperature and top_p only at their defaults
		// (Opus 4.7) lists stop alone, so the host refuses them or, opted
		// in, drops them.
		d.Sampling = []string{abi.SamplingTemperature, abi.SamplingTopP, abi.SamplingStop}
		if m.defaultSampling {
			d.Sampling = []string{abi.SamplingStop}
		}
		if m.thinking != thinkingNone {
			// The thinking settings projection takes (as Anthropic's).
			d.Reasoning = blockproject.ThinkingControls(m.thinking == thinkingAdaptive, m.thinking == thinkingAdaptiveOnly, m.maxOutput)
		}
	}
	return d
}

// features returns the flags Capabilities reports: the model's, or
// abi.PlainTextFeatures for a model the adapter does not know (projection
// still serves what it assumes for it). Prompt caching: cachePoint blocks
// where the model takes them.
func (m model) features() abi.Features {
	f := blockproject.Model{
		Source:     m.source,
		Tools:      m.tools,
		ForcedTool: m.forcedTool,
		Structured: m.structured,
		Reasoning:  m.thinking != thinkingNone,
		Vision:     m.vision,
	}
	if m.caching != cachingNone {
		f.MaxCacheBreakpoints = maxCachePoints
	}
	return f.Features()
}
