package moonshot

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
)

func TestFeatures(t *testing.T) {
	text := hostedtest.With(chatcompletions.DefaultFeatures, func(f *abi.Features) { f.Vision, f.StructuredOutput = false, abi.SupportJSONMode })
	hostedtest.Features(t, New(), map[string]abi.Features{
		"moonshot-v1-8k":                text,
		"moonshot-v1-8k-vision-preview": hostedtest.With(text, func(f *abi.Features) { f.Vision = true }),
		"kimi-k2-0905-preview":          text,
		"kimi-k2-thinking":              hostedtest.With(text, func(f *abi.Features) { f.Reasoning = true }),
		"kimi-k2.6":                     hostedtest.With(text, func(f *abi.Features) { f.Reasoning, f.Vision = true, true }),
	})
}

func TestProjectRules(t *testing.T) {
	hist := func(model, opts string) string {
		return `{"model":"` + model + `","tools":[{"name":"f"}],"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"reasoning","text":"mine","provider":"moonshot"},{"type":"tool-call","id":"functions.f:0","name":"f","arguments":"{}"}]},{"role":"tool","content":[{"type":"tool-result","tool_call_id":"functions.f:0","content":"x"}]}]` + opts + `}`
	}
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "no reasoning echo outside thinking mode", Req: hist("kimi-k2-0905-preview", ""), Not: []string{"reasoning_content"}, Has: []string{`"id":"functions.f:0"`}},
		{Name: "echo with thinking enabled", Req: hist("kimi-k2-0905-preview", `,"provider_options":{"thinking":{"type":"enabled"}}`), Has: []string{`"reasoning_content":"mine"`}},
		{Name: "no echo with thinking disabled", Req: hist("kimi-k2.6", `,"provider_options":{"thinking":{"type":"disabled"}}`), Not: []string{"reasoning_content"}},
		{Name: "bad thinking", Req: `{"model":"kimi-k2.6","messages":[{"role":"user","content":"hi"}],"provider_options":{"thinking":{"type":"auto"}}}`, Code: abi.CodeInvalidRequest},
		{Name: "k2.6 penalty refused", Req: `{"model":"kimi-k2.6","messages":[{"role":"user","content":"hi"}],"provider_options":{"presence_penalty":1}}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "k2.6 high temperature is refused, not out of range", Req: `{"model":"kimi-k2.6","temperature":1.5,"messages":[{"role":"user","content":"hi"}]}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "k3 effort", Req: `{"model":"kimi-k3","reasoning":{"effort":"high"},"messages":[{"role":"user","content":"hi"}]}`, Has: []string{`"reasoning_effort":"high"`}},
		{Name: "v1 temperature", Req: `{"model":"moonshot-v1-8k","temperature":0.3,"messages":[{"role":"user","content":"hi"}]}`, Has: []string{`"temperature":0.3`}},
	})
}
