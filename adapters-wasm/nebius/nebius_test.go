package nebius

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
)

func TestFeatures(t *testing.T) {
	text := hostedtest.With(chatcompletions.DefaultFeatures, func(f *abi.Features) { f.Vision = false })
	hostedtest.Features(t, New(), map[string]abi.Features{
		"meta-llama/Llama-3.3-70B-Instruct":  text,
		"Qwen/Qwen3-235B-A22B-Instruct-2507": text,
		"Qwen/Qwen3-235B-A22B":               hostedtest.With(text, func(f *abi.Features) { f.Reasoning = true }),
		"Qwen/Qwen2.5-VL-72B-Instruct":       chatcompletions.DefaultFeatures,
	})
}

func TestProjectRules(t *testing.T) {
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "guided_json", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"guided_json":{"type":"object"}}}`, Has: []string{`"guided_json":{"type":"object"}`}},
		{Name: "guided_choice must be an array", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"guided_choice":"a"}}`, Code: abi.CodeInvalidRequest},
		{Name: "store refused", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"store":true}}`, Code: abi.CodeCapabilityUnsupported},
	})
}
