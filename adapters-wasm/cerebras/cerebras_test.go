package cerebras

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
)

func TestFeatures(t *testing.T) {
	text := hostedtest.With(chatcompletions.DefaultFeatures, func(f *abi.Features) { f.Vision = false })
	reasoning := hostedtest.With(text, func(f *abi.Features) { f.Reasoning = true })
	hostedtest.Features(t, New(), map[string]abi.Features{
		"llama-3.3-70b":                  text,
		"llama-4-scout-17b-16e-instruct": text,
		"gpt-oss-120b":                   reasoning,
		"qwen-3-32b":                     reasoning,
		"qwen-3-235b-a22b-instruct-2507": text,
		"zai-glm-4.7":                    reasoning,
	})
}

func TestProjectRules(t *testing.T) {
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "qwen3 gets parsed reasoning", Req: `{"model":"qwen-3-32b","messages":[{"role":"user","content":"hi"}]}`, Has: []string{`"reasoning_format":"parsed"`}},
		{Name: "hidden kept", Req: `{"model":"qwen-3-32b","messages":[{"role":"user","content":"hi"}],"provider_options":{"reasoning_format":"hidden"}}`, Has: []string{`"reasoning_format":"hidden"`}, Not: []string{"parsed"}},
		{Name: "llama has no reasoning_format", Req: `{"model":"llama3.1-8b","messages":[{"role":"user","content":"hi"}]}`, Not: []string{"reasoning_format"}},
		{Name: "glm effort refused", Req: `{"model":"zai-glm-4.7","reasoning":{"effort":"low"},"messages":[{"role":"user","content":"hi"}]}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "logit_bias refused", Req: `{"model":"llama3.1-8b","messages":[{"role":"user","content":"hi"}],"provider_options":{"logit_bias":{}}}`, Code: abi.CodeCapabilityUnsupported},
	})
}
