package cerebras

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
)

func TestProjectRules(t *testing.T) {
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "qwen3 gets parsed reasoning", Req: `{"model":"qwen-3-32b","messages":[{"role":"user","content":"hi"}]}`, Has: []string{`"reasoning_format":"parsed"`}},
		{Name: "hidden kept", Req: `{"model":"qwen-3-32b","messages":[{"role":"user","content":"hi"}],"provider_options":{"reasoning_format":"hidden"}}`, Has: []string{`"reasoning_format":"hidden"`}, Not: []string{"parsed"}},
		{Name: "llama has no reasoning_format", Req: `{"model":"llama3.1-8b","messages":[{"role":"user","content":"hi"}]}`, Not: []string{"reasoning_format"}},
		{Name: "glm effort refused", Req: `{"model":"zai-glm-4.7","reasoning":{"effort":"low"},"messages":[{"role":"user","content":"hi"}]}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "logit_bias refused", Req: `{"model":"llama3.1-8b","messages":[{"role":"user","content":"hi"}],"provider_options":{"logit_bias":{}}}`, Code: abi.CodeCapabilityUnsupported},
	})
}
