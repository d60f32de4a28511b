package huggingface

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
)

func TestFeatures(t *testing.T) {
	text := hostedtest.With(chatcompletions.DefaultFeatures, func(f *abi.Features) { f.Vision = false })
	hostedtest.Features(t, New(), map[string]abi.Features{
		"meta-llama/Llama-3.3-70B-Instruct:groq": text,
		"Qwen/Qwen2.5-VL-7B-Instruct":            chatcompletions.DefaultFeatures,
		"deepseek-ai/DeepSeek-R1:fastest":        hostedtest.With(text, func(f *abi.Features) { f.Reasoning = true }),
	})
}

func TestProjectRules(t *testing.T) {
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "model with suffix as given", Req: `{"model":"openai/gpt-oss-20b:cerebras","messages":[{"role":"user","content":"hi"}]}`, Has: []string{`"model":"openai/gpt-oss-20b:cerebras"`}},
		{Name: "n refused", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"n":2}}`, Code: abi.CodeCapabilityUnsupported},
	})
}
