// Package openai is the wasmadapt adapter for the OpenAI Chat Completions
// API (POST /v1/chat/completions): the OpenAI dialect of package
// chatcompletions, which documents the projection, the events and their
// order.
//
// Provider options (provider_options keys; each is copied to the request
// body field of the same name after a type check, any other key is refused
// with invalid_request): frequency_penalty, logit_bias, logprobs, metadata,
// parallel_tool_calls, presence_penalty, prediction, prompt_cache_key,
// prompt_cache_retention, safety_identifier, seed, service_tier, store,
// top_logprobs, user, verbosity.
//
// Per-model rules (Model): o-series and gpt-5 reasoning models (not the
// gpt-5 "chat" models) take reasoning.effort as reasoning_effort and refuse
// temperature and top_p with capability_unsupported; o1-mini and o1-preview
// also lack tools, structured outputs, images and system messages; older
// gpt-3.5/gpt-4 models lack images (gpt-3.5, gpt-4 without turbo) and
// strict structured outputs (JSON mode only). Unknown models get the
// features of a current chat model.
package openai

import (
	"slices"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Version is the module's version.
const Version = "1.0.0"

// Dialect returns the OpenAI dialect of Chat Completions.
func Dialect() *chatcompletions.Dialect {
	return &chatcompletions.Dialect{
		Name:                 "openai",
		Version:              Version,
		Provider:             "openai",
		DefaultBaseURL:       "https://api.openai.com",
		MaxTokensField:       "max_completion_tokens",
		ReasoningEffortField: "reasoning_effort",
		StreamUsage:          true,
		// Plain text chunks are served by the host (ABI 1.4 templates).
		PlainText:  true,
		FileParts:  true,
		AudioInput: audioModel,
		// 256 inputs keep 3,072-dimension vectors under the 16 MiB result
		// cap; the API takes up to 2,048.
		Embeddings: &chatcompletions.Embeddings{MaxBatch: 256},
		Models:     &chatcompletions.Models{},
		Options: chatcompletions.Pass("frequency_penalty", "logit_bias", "logprobs", "metadata", "parallel_tool_calls",
			"presence_penalty", "prediction", "prompt_cache_key", "prompt_cache_retention", "safety_identifier", "seed",
			"service_tier", "store", "top_logprobs", "user", "verbosity"),
		Model: Model,
	}
}

// New returns the OpenAI adapter.
func New() guest.Adapter { return chatcompletions.New(Dialect()) }

// IsReasoningModel reports whether model is an o-series or gpt-5 reasoning
// model. Newer names follow the family rule: gpt-5.5-foo, gpt-6 and later
// are reasoning models like gpt-5 (the newest family the adapter knows),
// the -chat variants excepted.
func IsReasoningModel(model string) bool {
	m := strings.ToLower(model)
	if len(m) >= 2 && m[0] == 'o' && m[1] >= '1' && m[1] <= '9' {
		return true
	}
	return gptMajor(m) >= 5 && !strings.Contains(m, "-chat")
}

// gptMajor returns the major version of a gpt-N... name (gpt-5.5-foo is 5,
// gpt-4o is 4), or 0 when the name is not one.
func gptMajor(m string) int {
	rest, ok := strings.CutPrefix(m, "gpt-")
	if !ok {
		return 0
	}
	n := 0
	for i := 0; i < len(rest) && i < 3 && rest[i] >= '0' && rest[i] <= '9'; i++ {
		n = n*10 + int(rest[i]-'0')
	}
	return n
}

// Model returns what the adapter knows of an OpenAI model.
func Model(name string) chatcompletions.Model {
	m := strings.ToLower(name)
	f := chatcompletions.DefaultFeatures
	var un map[string]chatcompletions.Action
	switch {
	case strings.HasPrefix(m, "o1-mini") || strings.HasPrefix(m, "o1-preview"):
		f.Reasoning = true
		f.ToolCalling, f.ParallelToolCalls = abi.SupportNone, false
		f.StructuredOutput = abi.SupportNone
		f.Vision = false
		un = map[string]chatcompletions.Action{
			chatcompletions.FeatureTemperature:   chatcompletions.Refuse,
			chatcompletions.FeatureTopP:          chatcompletions.Refuse,
			chatcompletions.FeatureSystemMessage: chatcompletions.Refuse,
		}
	case IsReasoningModel(m):
		f.Reasoning = true
		un = map[string]chatcompletions.Action{
			chatcompletions.FeatureTemperature: chatcompletions.Refuse,
			chatcompletions.FeatureTopP:        chatcompletions.Refuse,
		}
	case strings.HasPrefix(m, "gpt-3.5"):
		f.Vision = false
		f.StructuredOutput = abi.SupportJSONMode
	case strings.HasPrefix(m, "gpt-4-turbo"):
		f.StructuredOutput = abi.SupportJSONMode
	case m == "gpt-4" || strings.HasPrefix(m, "gpt-4-0"):
		f.Vision = false
		f.StructuredOutput = abi.SupportNone
	}
	f.Source = Source(m)
	// OpenAI caches prompt prefixes on its own (steered by the
	// prompt_cache_key and prompt_cache_retention options): cache markers
	// have no form here.
	f.Caching = abi.CachingAutomatic
	chatcompletions.StripNotChat(m, &f)
	return chatcompletions.Model{Features: f, Unsupported: un, Details: details(m, f, un)}
}

// knownLines are the model lines of the adapter's table: a name is one of
// them when it is the line's name or continues it with "-" (gpt-4o-mini,
// o3-2025-04-16), not with another version (gpt-5.5 is not gpt-5).
var knownLines = []string{
	"gpt-5.1", "gpt-5", "gpt-4.1", "gpt-4o", "gpt-4-turbo", "gpt-4", "gpt-3.5-turbo",
	"chatgpt-4o-latest", "o1", "o3", "o4-mini",
}

// Source says where the adapter's knowledge of a model comes from
// (abi.Source*): its table of model lines, the family rules (a newer
// gpt-N or o-series name, served as the newest line), or nothing
// ("unknown"; "" for no model).
func Source(model string) string {
	m := strings.ToLower(model)
	switch {
	case m == "":
		return ""
	case slices.ContainsFunc(knownLines, func(l string) bool { return m == l || strings.HasPrefix(m, l+"-") }):
		return abi.SourceTable
	case gptMajor(m) >= 5, len(m) >= 2 && m[0] == 'o' && m[1] >= '1' && m[1] <= '9':
		return abi.SourceFamily
	}
	return abi.SourceUnknown
}

// audioModel reports whether an OpenAI model takes input_audio through
// Chat Completions: the audio models (gpt-4o-audio-preview,
// gpt-4o-mini-audio-preview, gpt-audio, gpt-audio-mini and their
// snapshots).
func audioModel(model string) bool {
	return strings.HasPrefix(model, "gpt-audio") || strings.HasPrefix(model, "gpt-4o-audio") || strings.HasPrefix(model, "gpt-4o-mini-audio")
}
