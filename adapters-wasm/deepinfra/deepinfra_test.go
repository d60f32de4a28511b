package deepinfra

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
)

func TestProjectRules(t *testing.T) {
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "path", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, Path: "/chat/completions"},
		{Name: "top_k", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"top_k":5}}`, Has: []string{`"top_k":5`}},
		{Name: "logit_bias refused", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"logit_bias":{}}}`, Code: abi.CodeCapabilityUnsupported},
	})
}
