package sambanova

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
)

func TestProjectRules(t *testing.T) {
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "r1 effort refused", Req: `{"model":"DeepSeek-R1-0528","reasoning":{"effort":"low"},"messages":[{"role":"user","content":"hi"}]}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "gpt-oss effort", Req: `{"model":"gpt-oss-120b","reasoning":{"effort":"low"},"messages":[{"role":"user","content":"hi"}]}`, Has: []string{`"reasoning_effort":"low"`}},
		{Name: "penalty refused", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"frequency_penalty":1}}`, Code: abi.CodeCapabilityUnsupported},
	})
}
