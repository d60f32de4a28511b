package dashscope

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
)

func TestFeatures(t *testing.T) {
	text := hostedtest.With(chatcompletions.DefaultFeatures, func(f *abi.Features) { f.Vision, f.StructuredOutput = false, abi.SupportJSONMode })
	reasoning := hostedtest.With(text, func(f *abi.Features) { f.Reasoning = true })
	hostedtest.Features(t, New(), map[string]abi.Features{
		"qwen-plus":                     reasoning,
		"qwen3-32b":                     reasoning,
		"qwen3-235b-a22b-instruct-2507": text,
		"qwen-vl-max":                   hostedtest.With(text, func(f *abi.Features) { f.Vision = true }),
		"qwq-plus":                      hostedtest.With(reasoning, func(f *abi.Features) { f.StructuredOutput = abi.SupportNone }),
	})
}

func TestThinking(t *testing.T) {
	for model, want := range map[string]bool{"qwen3-32b": true, "qwen3-235b-a22b": true, "qwen-plus": false, "qwq-plus": true, "qwen3-max": false, "qwen-max": false} {
		if got := ThinksByDefault(model); got != want {
			t.Errorf("ThinksByDefault(%s) = %v", model, got)
		}
	}
}

func TestProjectRules(t *testing.T) {
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "qwq non-stream refused", Req: `{"model":"qwq-plus","messages":[{"role":"user","content":"hi"}]}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "qwq enable_thinking refused", Req: `{"model":"qwq-plus","stream":true,"messages":[{"role":"user","content":"hi"}],"provider_options":{"enable_thinking":false}}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "qwq budget", Req: `{"model":"qwq-plus","stream":true,"reasoning":{"budget_tokens":100},"messages":[{"role":"user","content":"hi"}]}`, Has: []string{`"thinking_budget":100`}, Not: []string{"enable_thinking"}},
		{Name: "explicit enable_thinking kept", Req: `{"model":"qwen3-32b","messages":[{"role":"user","content":"hi"}],"provider_options":{"enable_thinking":false}}`, Has: []string{`"enable_thinking":false`}},
		{Name: "budget zero", Req: `{"model":"qwen-plus","stream":true,"reasoning":{"budget_tokens":0},"messages":[{"role":"user","content":"hi"}]}`, Code: abi.CodeInvalidRequest},
		{Name: "non-reasoning model untouched", Req: `{"model":"qwen-max","messages":[{"role":"user","content":"hi"}]}`, Not: []string{"enable_thinking"}},
	})
}
