package together

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
)

func TestProjectRules(t *testing.T) {
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "logprobs is an integer", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"logprobs":2}}`, Has: []string{`"logprobs":2`}},
		{Name: "logprobs boolean is invalid", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"logprobs":true}}`, Code: abi.CodeInvalidRequest},
		{Name: "top_logprobs refused", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"top_logprobs":2}}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "hybrid reasoning switch passes", Req: `{"model":"deepseek-ai/DeepSeek-V3.1","messages":[{"role":"user","content":"hi"}],"provider_options":{"reasoning":{"enabled":true}}}`, Has: []string{`"reasoning":{"enabled":true}`}, Path: "/v1/chat/completions"},
	})
}
