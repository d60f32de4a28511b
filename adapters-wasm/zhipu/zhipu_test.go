package zhipu

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
)

func TestProjectRules(t *testing.T) {
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "path and auto tool choice", Req: `{"model":"glm-4.6","tools":[{"name":"f"}],"tool_choice":"auto","messages":[{"role":"user","content":"hi"}]}`, Path: "/v4/chat/completions", Has: []string{`"tool_choice":"auto"`}},
		{Name: "named tool refused", Req: `{"model":"glm-4.6","tools":[{"name":"f"}],"tool_choice":{"tool":"f"},"messages":[{"role":"user","content":"hi"}]}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "budget refused", Req: `{"model":"glm-4.6","reasoning":{"budget_tokens":10},"messages":[{"role":"user","content":"hi"}]}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "temperature 1", Req: `{"model":"glm-4.6","temperature":1,"messages":[{"role":"user","content":"hi"}]}`, Has: []string{`"temperature":1`}},
		{Name: "user_id passes, user refused", Req: `{"model":"glm-4.6","messages":[{"role":"user","content":"hi"}],"provider_options":{"user":"u"}}`, Code: abi.CodeCapabilityUnsupported},
	})
}
