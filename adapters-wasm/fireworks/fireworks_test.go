package fireworks

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
)

func TestProjectRules(t *testing.T) {
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "logprobs as integer", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"logprobs":3}}`, Has: []string{`"logprobs":3`}},
		{Name: "no stream_options", Req: `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`, Has: []string{`"stream":true`}, Not: []string{"stream_options"}},
		{Name: "max_tokens", Req: `{"model":"m","max_output_tokens":9,"messages":[{"role":"user","content":"hi"}]}`, Has: []string{`"max_tokens":9`}},
		{Name: "store refused", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"store":true}}`, Code: abi.CodeCapabilityUnsupported},
	})
}
