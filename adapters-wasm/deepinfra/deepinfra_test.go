package deepinfra

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
)

func TestFeatures(t *testing.T) {
	text := hostedtest.With(chatcompletions.DefaultFeatures, func(f *abi.Features) { f.Vision = false })
	jsonMode := hostedtest.With(text, func(f *abi.Features) { f.StructuredOutput = abi.SupportJSONMode })
	hostedtest.Features(t, New(), map[string]abi.Features{
		"meta-llama/Llama-3.3-70B-Instruct-Turbo":   text,
		"meta-llama/Llama-4-Scout-17B-16E-Instruct": chatcompletions.DefaultFeatures,
		"deepseek-ai/DeepSeek-R1-0528":              hostedtest.With(jsonMode, func(f *abi.Features) { f.Reasoning = true }),
		"Qwen/Qwen3-235B-A22B-Thinking-2507":        hostedtest.With(text, func(f *abi.Features) { f.Reasoning = true }),
		"Qwen/Qwen3-235B-A22B-Instruct-2507":        text,
		"Sao10K/L3.3-70B-Euryale-v2.3":              jsonMode,
	})
}

func TestProjectRules(t *testing.T) {
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "path", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, Path: "/chat/completions"},
		{Name: "top_k", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"top_k":5}}`, Has: []string{`"top_k":5`}},
		{Name: "logit_bias refused", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"logit_bias":{}}}`, Code: abi.CodeCapabilityUnsupported},
	})
}
