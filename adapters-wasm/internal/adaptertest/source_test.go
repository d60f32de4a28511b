package adaptertest_test

import (
	"slices"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/anthropic"
	azure "github.com/wasmadapt/wasmadapt/adapters-wasm/azure-openai"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/bedrock"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/cerebras"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/dashscope"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/deepinfra"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/deepseek"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/fireworks"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/gemini"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/groq"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/mistral"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/moonshot"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/nebius"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/nvidia"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/ollama"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/openai"
	compatible "github.com/wasmadapt/wasmadapt/adapters-wasm/openai-compatible"
	responses "github.com/wasmadapt/wasmadapt/adapters-wasm/openai-responses"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/openrouter"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/sambanova"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/together"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/xai"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/zhipu"
	"github.com/wasmadapt/wasmadapt/guest"
)

// TestUnknownModelIsPlainText: every adapter reports a name it does not
// know with source "unknown" and plain text only, and every adapter says
// where its knowledge of a model comes from.
func TestUnknownModelIsPlainText(t *testing.T) {
	adapters := map[string]struct {
		a     guest.Adapter
		known string // a model the adapter knows
	}{
		"anthropic":         {anthropic.New(), "claude-sonnet-4-5"},
		"azure-openai":      {azure.New(), "gpt-4o"},
		"bedrock":           {bedrock.New(), "anthropic.claude-sonnet-4-5-20250929-v1:0"},
		"cerebras":          {cerebras.New(), "gpt-oss-120b"},
		"dashscope":         {dashscope.New(), "qwen-plus"},
		"deepinfra":         {deepinfra.New(), "meta-llama/Llama-3.3-70B-Instruct-Turbo"},
		"deepseek":          {deepseek.New(), "deepseek-chat"},
		"fireworks":         {fireworks.New(), "accounts/fireworks/models/gpt-oss-120b"},
		"gemini":            {gemini.New(), "gemini-2.5-flash"},
		"groq":              {groq.New(), "llama-3.3-70b-versatile"},
		"mistral":           {mistral.New(), "mistral-large-latest"},
		"moonshot":          {moonshot.New(), "kimi-k2-0905-preview"},
		"nebius":            {nebius.New(), "Qwen/Qwen3-235B-A22B"},
		"nvidia":            {nvidia.New(), "meta/llama-3.3-70b-instruct"},
		"ollama":            {ollama.New(), "llama3.2"},
		"openai":            {openai.New(), "gpt-4.1-mini"},
		"openai-compatible": {compatible.New(), ""},
		"openai-responses":  {responses.New(), "gpt-4.1-mini"},
		"openrouter":        {openrouter.New(), ""},
		"sambanova":         {sambanova.New(), "Meta-Llama-3.3-70B-Instruct"},
		"together":          {together.New(), "meta-llama/Llama-3.3-70B-Instruct-Turbo"},
		"xai":               {xai.New(), "grok-4"},
		"zhipu":             {zhipu.New(), "glm-4.6"},
	}
	for name, ad := range adapters {
		t.Run(name, func(t *testing.T) {
			for _, model := range []string{"no-such-model-1", "whatever-model"} {
				if f := ad.a.Capabilities(model).Features; f != abi.PlainTextFeatures() {
					t.Errorf("%s: %+v, want plain text with source unknown", model, f)
				}
			}
			if ad.known == "" {
				return // the module knows no model
			}
			if s := ad.a.Capabilities(ad.known).Features.Source; s != abi.SourceTable && s != abi.SourceFamily {
				t.Errorf("%s: source %q, want table or family", ad.known, s)
			}
		})
	}
}

// TestNotChatModels: completions-only, embedding and other non-chat
// models of the OpenAI table are not tool-capable.
func TestNotChatModels(t *testing.T) {
	for _, a := range []guest.Adapter{openai.New(), azure.New(), responses.New()} {
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
		{anthropic.New(), "claude-opus-4-7", 200000, 128000, []string{"stop"}, 3, 0},
		{anthropic.New(), "claude-sonnet-4-5", 200000, 64000, []string{"temperature", "top_p", "top_k", "stop"}, 3, 63999},
		{openai.New(), "gpt-4.1-mini", 1047576, 32768, []string{"temperature", "top_p", "stop", "seed"}, 3, 0},
		{openai.New(), "o3", 200000, 100000, []string{"stop", "seed"}, 3, 0},
		{responses.New(), "gpt-4o", 128000, 16384, []string{"temperature", "top_p", "stop", "seed"}, 3, 0},
		{gemini.New(), "gemini-2.5-flash", 1048576, 65536, []string{"temperature", "top_p", "stop"}, 4, 24576},
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
