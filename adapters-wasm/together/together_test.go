package together

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
)

func TestFeatures(t *testing.T) {
	d := chatcompletions.DefaultFeatures
	text := hostedtest.With(d, func(f *abi.Features) { f.Vision = false })
	hostedtest.Features(t, New(), map[string]abi.Features{
		"meta-llama/Llama-3.3-70B-Instruct-Turbo":           text,
		"meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8": d,
		"deepseek-ai/DeepSeek-R1":                           hostedtest.With(text, func(f *abi.Features) { f.Reasoning = true }),
		"openai/gpt-oss-20b":                                hostedtest.With(text, func(f *abi.Features) { f.Reasoning = true }),
		"Gryphe/MythoMax-L2-13b":                            hostedtest.With(text, func(f *abi.Features) { f.StructuredOutput = abi.SupportJSONMode }),
	})
}

func TestProjectRules(t *testing.T) {
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "logprobs is an integer", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"logprobs":2}}`, Has: []string{`"logprobs":2`}},
		{Name: "logprobs boolean is invalid", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"logprobs":true}}`, Code: abi.CodeInvalidRequest},
		{Name: "top_logprobs refused", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"top_logprobs":2}}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "hybrid reasoning switch passes", Req: `{"model":"deepseek-ai/DeepSeek-V3.1","messages":[{"role":"user","content":"hi"}],"provider_options":{"reasoning":{"enabled":true}}}`, Has: []string{`"reasoning":{"enabled":true}`}, Path: "/v1/chat/completions"},
	})
}
