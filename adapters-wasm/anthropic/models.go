package anthropic

import (
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockproject"
)

// thinkingMode says how a model takes extended thinking.
type thinkingMode uint8

const (
	// thinkingNone: the model has no extended thinking.
	thinkingNone thinkingMode = iota
	// thinkingBudget: thinking {"type":"enabled","budget_tokens":N}.
	thinkingBudget
	// thinkingAdaptive: thinking {"type":"adaptive"} with
	// output_config.effort; budget_tokens is still accepted.
	thinkingAdaptive
	// thinkingAdaptiveOnly: adaptive thinking only (no budget_tokens).
	thinkingAdaptiveOnly
)

// model is what the adapter knows about one Claude model family.
type model struct {
	// source is where lookup found the model (abi.Source*); set by
	// lookup, not in the table.
	source string
	// prefix matches the model name (aliases and dated snapshots alike).
	prefix string
	// maxOutput is the documented maximum of output tokens; it is also the
	// max_tokens sent when the request sets none.
	maxOutput int
	thinking  thinkingMode
	// structured: output_config.format (JSON outputs) and strict tools
	// are generally available for the model.
	structured bool
	// oneSampler: the model refuses temperature and top_p together.
	oneSampler bool
	// defaultSampling: the model takes temperature, top_p and top_k only
	// at their defaults and answers 400 otherwise (Opus 4.7).
	defaultSampling bool
	vision          bool
}

// models lists the Claude families, most specific prefix first. Sources:
// Anthropic's models overview (max output tokens), extended-thinking and
// structured-outputs pages (structured outputs are GA for Opus 4.6,
// Sonnet 4.6, Sonnet 4.5, Opus 4.5 and Haiku 4.5; Opus 4.7 is listed by
// the Claude-on-Vertex page too).
var models = []model{
	{prefix: "claude-opus-4-7", maxOutput: 128000, thinking: thinkingAdaptiveOnly, structured: true, oneSampler: true, defaultSampling: true, vision: true},
	{prefix: "claude-opus-4-6", maxOutput: 128000, thinking: thinkingAdaptive, structured: true, oneSampler: true, vision: true},
	{prefix: "claude-sonnet-4-6", maxOutput: 64000, thinking: thinkingAdaptive, structured: true, oneSampler: true, vision: true},
	{prefix: "claude-opus-4-5", maxOutput: 64000, thinking: thinkingBudget, structured: true, oneSampler: true, vision: true},
	{prefix: "claude-sonnet-4-5", maxOutput: 64000, thinking: thinkingBudget, structured: true, oneSampler: true, vision: true},
	{prefix: "claude-haiku-4-5", maxOutput: 64000, thinking: thinkingBudget, structured: true, oneSampler: true, vision: true},
	{prefix: "claude-opus-4-1", maxOutput: 32000, thinking: thinkingBudget, oneSampler: true, vision: true},
	{prefix: "claude-opus-4", maxOutput: 32000, thinking: thinkingBudget, vision: true},
	{prefix: "claude-sonnet-4", maxOutput: 64000, thinking: thinkingBudget, vision: true},
	{prefix: "claude-3-7-sonnet", maxOutput: 64000, thinking: thinkingBudget, vision: true},
	{prefix: "claude-3-5-sonnet", maxOutput: 8192, vision: true},
	{prefix: "claude-3-5-haiku", maxOutput: 8192, vision: true},
	{prefix: "claude-3-opus", maxOutput: 4096, vision: true},
	{prefix: "claude-3-haiku", maxOutput: 4096, vision: true},
}

// unknownModel is assumed for names the table does not know: tools and
// vision (every Claude 3+ model has them), nothing that is refused by
// older models, and the smallest documented max_tokens.
var unknownModel = model{maxOutput: 4096, vision: true}

// lookup returns what the adapter knows about the named model: its table
// entry (a prefix of the name; a prefix such as claude-opus-4 does not
// name a later minor version such as claude-opus-4-8), else, for a newer
// name of a known family, the newest entry of that family not newer than
// it (claude-opus-4-8 is served as claude-opus-4-7, claude-sonnet-5 as
// claude-sonnet-4-6), else unknownModel.
func lookup(name string) model {
	m, source := blockproject.Lookup(models, modelPrefix, name, name, unknownModel)
	m.source = source
	return m
}

func modelPrefix(m *model) string { return m.prefix }

// features returns the flags Capabilities reports: the model's, or
// abi.PlainTextFeatures for a model the adapter does not know (projection
// still serves what it assumes for it). Every Claude model takes tools, a
// forced tool and cache_control breakpoints.
func (m model) features() abi.Features {
	return blockproject.Model{
		Source:              m.source,
		Tools:               true,
		ForcedTool:          true,
		Structured:          m.structured,
		Reasoning:           m.thinking != thinkingNone,
		Vision:              m.vision,
		MaxCacheBreakpoints: maxCacheBreakpoints,
	}.Features()
}
