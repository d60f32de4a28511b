package zhipu

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
)

func TestFeatures(t *testing.T) {
	text := hostedtest.With(chatcompletions.DefaultFeatures, func(f *abi.Features) { f.Vision, f.StructuredOutput = false, abi.SupportJSONMode })
	reasoning := hostedtest.With(text, func(f *abi.Features) { f.Reasoning = true })
	hostedtest.Features(t, New(), map[string]abi.Features{
		"glm-4.6":     reasoning,
		"glm-4.5-air": reasoning,
		"glm-4.5v":    hostedtest.With(reasoning, func(f *abi.Features) { f.Vision = true }),
		"glm-4-plus":  text,
	})
}

func TestProjectRules(t *testing.T) {
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "path and auto tool choice", Req: `{"model":"glm-4.6","tools":[{"name":"f"}],"tool_choice":"auto","messages":[{"role":"user","content":"hi"}]}`, Path: "/v4/chat/completions", Has: []string{`"tool_choice":"auto"`}},
		{Name: "named tool refused", Req: `{"model":"glm-4.6","tools":[{"name":"f"}],"tool_choice":{"tool":"f"},"messages":[{"role":"user","content":"hi"}]}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "budget refused", Req: `{"model":"glm-4.6","reasoning":{"budget_tokens":10},"messages":[{"role":"user","content":"hi"}]}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "temperature 1", Req: `{"model":"glm-4.6","temperature":1,"messages":[{"role":"user","content":"hi"}]}`, Has: []string{`"temperature":1`}},
		{Name: "user_id passes, user refused", Req: `{"model":"glm-4.6","messages":[{"role":"user","content":"hi"}],"provider_options":{"user":"u"}}`, Code: abi.CodeCapabilityUnsupported},
	})
}
