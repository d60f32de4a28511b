package nvidia

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
)

func TestFeatures(t *testing.T) {
	text := hostedtest.With(chatcompletions.DefaultFeatures, func(f *abi.Features) { f.Vision, f.StructuredOutput = false, abi.SupportJSONMode })
	hostedtest.Features(t, New(), map[string]abi.Features{
		"meta/llama-3.3-70b-instruct":             text,
		"meta/llama-3.2-90b-vision-instruct":      hostedtest.With(text, func(f *abi.Features) { f.Vision = true }),
		"deepseek-ai/deepseek-r1":                 hostedtest.With(text, func(f *abi.Features) { f.Reasoning = true }),
		"nvidia/llama-3.1-nemotron-ultra-253b-v1": text,
	})
}

func TestProjectRules(t *testing.T) {
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "nvext passes", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"nvext":{"guided_regex":"a+"}}}`, Has: []string{`"nvext":{"guided_regex":"a+"}`}, Path: "/v1/chat/completions"},
		{Name: "n refused", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"n":2}}`, Code: abi.CodeCapabilityUnsupported},
	})
}
