package huggingface

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
)

func TestProjectRules(t *testing.T) {
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "model with suffix as given", Req: `{"model":"openai/gpt-oss-20b:cerebras","messages":[{"role":"user","content":"hi"}]}`, Has: []string{`"model":"openai/gpt-oss-20b:cerebras"`}},
		{Name: "n refused", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"n":2}}`, Code: abi.CodeCapabilityUnsupported},
	})
}
