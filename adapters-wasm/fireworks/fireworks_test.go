package fireworks

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
		"accounts/fireworks/models/llama-v3p3-70b-instruct":        text,
		"accounts/fireworks/models/llama4-maverick-instruct-basic": chatcompletions.DefaultFeatures,
		"accounts/fireworks/models/deepseek-r1-0528":               reasoning,
		"accounts/fireworks/models/qwen3-235b-a22b-thinking-2507":  reasoning,
		"accounts/fireworks/models/gpt-oss-120b":                   reasoning,
		"accounts/fireworks/models/qwen2p5-vl-32b-instruct":        chatcompletions.DefaultFeatures,
	})
}

func TestProjectRules(t *testing.T) {
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "logprobs as integer", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"logprobs":3}}`, Has: []string{`"logprobs":3`}},
		{Name: "no stream_options", Req: `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`, Has: []string{`"stream":true`}, Not: []string{"stream_options"}},
		{Name: "max_tokens", Req: `{"model":"m","max_output_tokens":9,"messages":[{"role":"user","content":"hi"}]}`, Has: []string{`"max_tokens":9`}},
		{Name: "store refused", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"store":true}}`, Code: abi.CodeCapabilityUnsupported},
	})
}
