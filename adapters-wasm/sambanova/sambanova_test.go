package sambanova

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
)

func TestFeatures(t *testing.T) {
	text := hostedtest.With(chatcompletions.DefaultFeatures, func(f *abi.Features) { f.Vision = false })
	hostedtest.Features(t, New(), map[string]abi.Features{
		"Meta-Llama-3.3-70B-Instruct":        text,
		"Llama-4-Maverick-17B-128E-Instruct": chatcompletions.DefaultFeatures,
		"DeepSeek-R1-0528":                   hostedtest.With(text, func(f *abi.Features) { f.Reasoning = true }),
		"gpt-oss-120b":                       hostedtest.With(text, func(f *abi.Features) { f.Reasoning = true }),
	})
}

func TestProjectRules(t *testing.T) {
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "r1 effort refused", Req: `{"model":"DeepSeek-R1-0528","reasoning":{"effort":"low"},"messages":[{"role":"user","content":"hi"}]}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "gpt-oss effort", Req: `{"model":"gpt-oss-120b","reasoning":{"effort":"low"},"messages":[{"role":"user","content":"hi"}]}`, Has: []string{`"reasoning_effort":"low"`}},
		{Name: "penalty refused", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"frequency_penalty":1}}`, Code: abi.CodeCapabilityUnsupported},
	})
}
