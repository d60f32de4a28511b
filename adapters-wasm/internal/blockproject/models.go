package blockproject

import "github.com/wasmadapt/wasmadapt/abi"

// Lookup returns the entry of a model table (most specific prefix first,
// prefix giving an entry's) that serves a model, and where it came from:
// the first entry whose prefix names key (ClaudePrefixMatches),
// abi.SourceTable; else, for a newer Claude of a known family, the entry
// ClaudeFamily picks, abi.SourceFamily; else unknown, with
// abi.SourceUnknown for a named model and no source when name is empty.
// key is the name as the table's prefixes read it (the model name, or
// Bedrock's base model ID), name the model as the request names it.
func Lookup[M any](table []M, prefix func(*M) string, key, name string, unknown M) (M, string) {
	for i := range table {
		if ClaudePrefixMatches(key, prefix(&table[i])) {
			return table[i], abi.SourceTable
		}
	}
	if i := ClaudeFamily(key, len(table), func(i int) string { return prefix(&table[i]) }); i >= 0 {
		return table[i], abi.SourceFamily
	}
	if name == "" {
		return unknown, ""
	}
	return unknown, abi.SourceUnknown
}

// Model is what Features reads of a model table's entry.
type Model struct {
	// Source is where the adapter found the model (abi.Source*).
	Source string
	// Tools: the model takes tools (and parallel tool calls).
	Tools bool
	// ForcedTool: a forced tool choice is available, so structured
	// output can be emulated with one (json_mode).
	ForcedTool bool
	// Structured: structured output is native.
	Structured bool
	// Reasoning and Vision are the model's flags.
	Reasoning, Vision bool
	// MaxCacheBreakpoints is the most cache breakpoints a request may
	// carry; 0 for a model without prompt caching.
	MaxCacheBreakpoints int
}

// Features returns the flags Capabilities reports for m: m's, or
// abi.PlainTextFeatures for a model the adapter does not know (projection
// still serves what it assumes for it).
func (m Model) Features() abi.Features {
	if m.Source == abi.SourceUnknown {
		return abi.PlainTextFeatures()
	}
	f := abi.Features{
		Streaming:        true,
		ToolCalling:      abi.SupportNone,
		StructuredOutput: abi.SupportNone,
		MultiTurn:        true,
		Reasoning:        m.Reasoning,
		Vision:           m.Vision,
		Source:           m.Source,
		Caching:          abi.CachingNone,
	}
	if m.Tools {
		f.ToolCalling = abi.SupportNative
		f.ParallelToolCalls = true
	}
	switch {
	case m.Structured:
		f.StructuredOutput = abi.SupportNative
	case m.ForcedTool:
		f.StructuredOutput = abi.SupportJSONMode // one forced tool
	}
	if m.MaxCacheBreakpoints > 0 {
		f.Caching, f.MaxCacheBreakpoints = abi.CachingExplicit, m.MaxCacheBreakpoints
	}
	return f
}
