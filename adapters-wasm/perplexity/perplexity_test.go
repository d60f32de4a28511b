package perplexity

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
)

func TestProjectRules(t *testing.T) {
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "deep research refused", Req: `{"model":"sonar-deep-research","messages":[{"role":"user","content":"hi"}]}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "effort refused", Req: `{"model":"sonar","reasoning":{"effort":"low"},"messages":[{"role":"user","content":"hi"}]}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "domain filter must be an array", Req: `{"model":"sonar","messages":[{"role":"user","content":"hi"}],"provider_options":{"search_domain_filter":"a.com"}}`, Code: abi.CodeInvalidRequest},
		{Name: "image accepted", Req: `{"model":"sonar","messages":[{"role":"user","content":[{"type":"image","url":"https://example.com/a.png"}]}]}`, Has: []string{`"image_url"`}, Path: "/chat/completions"},
	})
}
