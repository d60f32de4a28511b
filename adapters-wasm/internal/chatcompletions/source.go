package chatcompletions

import (
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
)

// Source says where a dialect's knowledge of model comes from: abi.SourceTable
// when the lower-cased name is one of table or continues one with "-", ":",
// "@" or "/" (a dated snapshot, a tag, a version), abi.SourceFamily when it
// starts with one of families (a newer name of a known line), else
// abi.SourceUnknown; "" for no model.
func Source(model string, table, families []string) string {
	m := strings.ToLower(model)
	if m == "" {
		return ""
	}
	for _, t := range table {
		if rest, ok := strings.CutPrefix(m, t); ok && (rest == "" || strings.ContainsAny(rest[:1], "-:@/")) {
			return abi.SourceTable
		}
	}
	for _, f := range families {
		if strings.HasPrefix(m, f) {
			return abi.SourceFamily
		}
	}
	return abi.SourceUnknown
}

// notChatMarks are name parts of models that are not chat models:
// embeddings, moderation, speech, transcription, image generation and the
// completions-only models.
var notChatMarks = []string{"embed", "moderation", "whisper", "tts", "transcribe", "dall-e", "gpt-image", "gpt-3.5-turbo-instruct", "davinci-0", "babbage-0"}

// NotChat reports whether model names a model that is not a chat model
// (an embedding, moderation, speech, transcription, image or
// completions-only model): it has no tools, structured output, reasoning
// or vision through chat completions.
func NotChat(model string) bool {
	m := strings.ToLower(model)
	for _, s := range notChatMarks {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

// StripNotChat removes from f, when model is not a chat model (NotChat),
// tools, structured output, reasoning and vision.
func StripNotChat(model string, f *abi.Features) {
	if NotChat(model) {
		f.ToolCalling, f.ParallelToolCalls, f.StructuredOutput = abi.SupportNone, false, abi.SupportNone
		f.Reasoning, f.Vision = false, false
	}
}

// Reported returns the flags Capabilities reports for a model whose
// dialect features are f: abi.PlainTextFeatures for a model the dialect
// does not know (its features stay the projection's assumption), f
// otherwise.
func Reported(f abi.Features) abi.Features {
	if f.Source == abi.SourceUnknown {
		return abi.PlainTextFeatures()
	}
	return f
}
