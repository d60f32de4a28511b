package host_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/bedrock"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/cerebras"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/cohere"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/deepinfra"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/deepseek"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/fireworks"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/groq"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/moonshot"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/ollama"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/sambanova"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/together"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/xai"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/zhipu"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/host"
)

// TestTableDetailsChecked: the limits of the adapters' tables reach the
// capability check: max_output_tokens above a model's documented limit and
// an image to a text-only model are refused before sending, and a request
// within the limits passes.
func TestTableDetailsChecked(t *testing.T) {
	image := func(r *abi.Request) {
		r.Messages[0].Content = append(r.Messages[0].Content, abi.Part{Type: abi.PartImage, MediaType: "image/png", Data: "iVBORw0KGgo="})
	}
	tests := []struct {
		name, module string
		a            guest.Adapter
		model        string
		edit         func(r *abi.Request)
		want         string
	}{
		{"deepseek above 384K output", "deepseek", deepseek.New(), "deepseek-v4-pro", func(r *abi.Request) { r.MaxOutputTokens = intp(400000) }, "at most 393216 output tokens"},
		{"deepseek within the limit", "deepseek", deepseek.New(), "deepseek-chat", func(r *abi.Request) { r.MaxOutputTokens = intp(300000) }, ""},
		{"deepseek image", "deepseek", deepseek.New(), "deepseek-chat", image, "image"},
		{"glm-4.5 above 96K output", "zhipu", zhipu.New(), "glm-4.5", func(r *abi.Request) { r.MaxOutputTokens = intp(100000) }, "at most 98304 output tokens"},
		{"glm-4.6 within the limit", "zhipu", zhipu.New(), "glm-4.6", func(r *abi.Request) { r.MaxOutputTokens = intp(100000) }, ""},
		{"kimi-k2 image", "moonshot", moonshot.New(), "kimi-k2-0905-preview", image, "image"},
		{"bedrock claude above its output maximum", "bedrock", bedrock.New(), "us.anthropic.claude-3-haiku-20240307-v1:0", func(r *abi.Request) { r.MaxOutputTokens = intp(5000) }, "at most 4096 output tokens"},
		{"bedrock opus 4.7 temperature", "bedrock", bedrock.New(), "global.anthropic.claude-opus-4-7", func(r *abi.Request) { r.Temperature = new(0.5) }, "does not take temperature"},
		{"bedrock opus 4.7 budget", "bedrock", bedrock.New(), "global.anthropic.claude-opus-4-7", func(r *abi.Request) { r.Reasoning = &abi.Reasoning{BudgetTokens: new(4096)} }, "takes no reasoning budget"},
		{"bedrock sonnet 4.5 budget above its output", "bedrock", bedrock.New(), "us.anthropic.claude-sonnet-4-5-20250929-v1:0", func(r *abi.Request) { r.Reasoning = &abi.Reasoning{BudgetTokens: new(64000)} }, "reasoning budget of 1024 to 63999"},
		{"bedrock nova image", "bedrock", bedrock.New(), "amazon.nova-pro-v1:0", image, ""},
		{"cohere command-a above 8K", "cohere", cohere.New(), "command-a-03-2025", func(r *abi.Request) { r.MaxOutputTokens = intp(9000) }, "at most 8192 output tokens"},
		{"xai grok-3 image", "xai", xai.New(), "grok-3", image, "image"},
		// Open-weight models on hosted platforms and Ollama: their model
		// cards' limits (adapters-wasm/internal/openweights).
		{"deepinfra gemma-3 above 8K output", "deepinfra", deepinfra.New(), "google/gemma-3-27b-it", func(r *abi.Request) { r.MaxOutputTokens = intp(9000) }, "at most 8192 output tokens"},
		{"deepinfra gemma-3 image", "deepinfra", deepinfra.New(), "google/gemma-3-27b-it", image, ""},
		{"fireworks qwen2.5 above 8K output", "fireworks", fireworks.New(), "accounts/fireworks/models/qwen2p5-72b-instruct", func(r *abi.Request) { r.MaxOutputTokens = intp(8193) }, "at most 8192 output tokens"},
		{"together llama-3.3 image", "together", together.New(), "meta-llama/Llama-3.3-70B-Instruct-Turbo", image, "image"},
		{"groq gpt-oss effort outside its levels", "groq", groq.New(), "openai/gpt-oss-120b", func(r *abi.Request) { r.Reasoning = &abi.Reasoning{Effort: "minimal"} }, "reasoning efforts low, medium, high"},
		{"groq gpt-oss high effort", "groq", groq.New(), "openai/gpt-oss-120b", func(r *abi.Request) { r.Reasoning = &abi.Reasoning{Effort: "high"} }, ""},
		{"cerebras gpt-oss above its output maximum", "cerebras", cerebras.New(), "gpt-oss-120b", func(r *abi.Request) { r.MaxOutputTokens = intp(131073) }, "at most 131072 output tokens"},
		{"xai grok-4 stop", "xai", xai.New(), "grok-4", func(r *abi.Request) { r.Stop = []string{"END"} }, "does not take stop"},
		{"xai grok-3 stop", "xai", xai.New(), "grok-3", func(r *abi.Request) { r.Stop = []string{"END"} }, ""},
		{"sambanova seed", "sambanova", sambanova.New(), "Meta-Llama-3.3-70B-Instruct", func(r *abi.Request) {
			r.ProviderOptions = map[string]json.RawMessage{"seed": json.RawMessage(`7`)}
		}, "does not take seed"},
		{"ollama gemma3 above 8K output", "ollama", ollama.New(), "gemma3:12b", func(r *abi.Request) { r.MaxOutputTokens = intp(10000) }, "at most 8192 output tokens"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := engine.NewNative(tt.module, tt.a)
			t.Cleanup(func() { m.Close(context.Background()) })
			caps, err := host.NewClient().Capabilities(context.Background(), m, tt.model)
			if err != nil {
				t.Fatal(err)
			}
			if caps.Details == nil {
				t.Fatalf("%s reports no details for %q", tt.module, tt.model)
			}
			req := streamReq(tt.model)
			tt.edit(req)
			_, _, err = host.CheckCapabilities(caps, req)
			wantRefusal(t, err, tt.want)
		})
	}
}
