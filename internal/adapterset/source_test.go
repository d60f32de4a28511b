package adapterset

import (
	"slices"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// TestUnknownModelIsPlainText: every adapter reports a name it does not
// know with source "unknown" and plain text only, and every adapter says
// where its knowledge of a model comes from.
func TestUnknownModelIsPlainText(t *testing.T) {
	known := map[string]string{ // a model each adapter knows
		"anthropic":         "claude-sonnet-4-5",
		"azure-openai":      "gpt-4o",
		"bedrock":           "anthropic.claude-sonnet-4-5-20250929-v1:0",
		"cerebras":          "gpt-oss-120b",
		"dashscope":         "qwen-plus",
		"deepinfra":         "meta-llama/Llama-3.3-70B-Instruct-Turbo",
		"deepseek":          "deepseek-chat",
		"fireworks":         "accounts/fireworks/models/gpt-oss-120b",
		"gemini":            "gemini-2.5-flash",
		"groq":              "llama-3.3-70b-versatile",
		"mistral":           "mistral-large-latest",
		"moonshot":          "kimi-k2-0905-preview",
		"nebius":            "Qwen/Qwen3-235B-A22B",
		"nvidia":            "meta/llama-3.3-70b-instruct",
		"ollama":            "llama3.2",
		"openai":            "gpt-4.1-mini",
		"openai-compatible": "",
		"openai-responses":  "gpt-4.1-mini",
		"openrouter":        "",
		"sambanova":         "Meta-Llama-3.3-70B-Instruct",
		"together":          "meta-llama/Llama-3.3-70B-Instruct-Turbo",
		"xai":               "grok-4",
		"zhipu":             "glm-4.6",
	}
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			a := New(name)
			for _, model := range []string{"no-such-model-1", "whatever-model"} {
				if f := a.Capabilities(model).Features; f != abi.PlainTextFeatures() {
					t.Errorf("%s: %+v, want plain text with source unknown", model, f)
				}
			}
			model := known[name]
			if model == "" {
				return // the module knows no model, or the test names none
			}
			if s := a.Capabilities(model).Features.Source; s != abi.SourceTable && s != abi.SourceFamily {
				t.Errorf("%s: source %q, want table or family", model, s)
			}
		})
	}
}

// TestNotChatModels: completions-only, embedding and other non-chat
// models of the OpenAI table are not tool-capable.
func TestNotChatModels(t *testing.T) {
	for _, a := range []guest.Adapter{New("openai"), New("azure-openai"), New("openai-responses")} {
		for _, model := range []string{"gpt-3.5-turbo-instruct", "text-embedding-3-small", "omni-moderation-latest", "whisper-1", "tts-1"} {
			f := a.Capabilities(model).Features
			if f.ToolCalling != abi.SupportNone || f.StructuredOutput != abi.SupportNone || f.Vision || f.Reasoning {
				t.Errorf("%s %s: %+v, want no tools, structured output, vision or reasoning", a.Capabilities("").Name, model, f)
			}
		}
	}
}

// TestModelDetails: the anthropic, openai and gemini adapters give details
// for the models they know, none for others.
func TestModelDetails(t *testing.T) {
	tests := []struct {
		a           guest.Adapter
		model       string
		ctx, out    int
		sampling    []string
		modalities  int
		budgetLimit int
	}{
		{New("anthropic"), "claude-opus-4-7", 200000, 128000, []string{"stop"}, 3, 0},
		{New("anthropic"), "claude-sonnet-4-5", 200000, 64000, []string{"temperature", "top_p", "top_k", "stop"}, 3, 63999},
		{New("openai"), "gpt-4.1-mini", 1047576, 32768, []string{"temperature", "top_p", "stop", "seed"}, 3, 0},
		{New("openai"), "o3", 200000, 100000, []string{"stop", "seed"}, 3, 0},
		{New("openai-responses"), "gpt-4o", 128000, 16384, []string{"temperature", "top_p", "stop", "seed"}, 3, 0},
		{New("gemini"), "gemini-2.5-flash", 1048576, 65536, []string{"temperature", "top_p", "stop"}, 4, 24576},
	}
	for _, tt := range tests {
		d := tt.a.Capabilities(tt.model).Details
		if d == nil {
			t.Errorf("%s: no details", tt.model)
			continue
		}
		if d.ContextWindow != tt.ctx || d.MaxOutputTokens != tt.out || !slices.Equal(d.Sampling, tt.sampling) || len(d.InputModalities) != tt.modalities {
			t.Errorf("%s: %+v", tt.model, d)
		}
		if tt.budgetLimit > 0 && (d.Reasoning == nil || d.Reasoning.BudgetMax != tt.budgetLimit) {
			t.Errorf("%s: reasoning controls %+v", tt.model, d.Reasoning)
		}
		if d := tt.a.Capabilities("no-such-model-1").Details; d != nil {
			t.Errorf("no-such-model-1: details %+v", d)
		}
	}
}
