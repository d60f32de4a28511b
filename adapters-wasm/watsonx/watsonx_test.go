package watsonx

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
)

func TestProjectRules(t *testing.T) {
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "both project and space", Req: `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"project_id":"p","space_id":"s"}}`, Code: abi.CodeInvalidRequest},
		{Name: "no stream fields", Req: `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}],"provider_options":{"project_id":"p"}}`, Path: "/ml/v1/text/chat_stream", Has: []string{`"model_id":"m"`}, Not: []string{`"stream"`, `"model":`}},
		{Name: "gpt-oss effort", Req: `{"model":"openai/gpt-oss-120b","reasoning":{"effort":"low"},"messages":[{"role":"user","content":"hi"}],"provider_options":{"project_id":"p"}}`, Has: []string{`"reasoning_effort":"low"`}},
	})
}
