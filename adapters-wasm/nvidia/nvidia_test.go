package nvidia

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
)

func TestProjectRules(t *testing.T) {
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "nvext passes", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"nvext":{"guided_regex":"a+"}}}`, Has: []string{`"nvext":{"guided_regex":"a+"}`}, Path: "/v1/chat/completions"},
		{Name: "n refused", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"n":2}}`, Code: abi.CodeCapabilityUnsupported},
	})
}
