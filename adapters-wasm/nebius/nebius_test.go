package nebius

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
)

func TestProjectRules(t *testing.T) {
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "guided_json", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"guided_json":{"type":"object"}}}`, Has: []string{`"guided_json":{"type":"object"}`}},
		{Name: "guided_choice must be an array", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"guided_choice":"a"}}`, Code: abi.CodeInvalidRequest},
		{Name: "store refused", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"store":true}}`, Code: abi.CodeCapabilityUnsupported},
	})
}
