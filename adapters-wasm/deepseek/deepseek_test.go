package deepseek

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

func TestUsage(t *testing.T) {
	hostedtest.Usages(t, Usage, map[string]hostedtest.UsageCase{
		"hit and miss with details": {In: `{"prompt_tokens":339,"completion_tokens":83,"total_tokens":422,"prompt_tokens_details":{"cached_tokens":320},"completion_tokens_details":{"reasoning_tokens":39},"prompt_cache_hit_tokens":320,"prompt_cache_miss_tokens":19}`, Want: abi.Usage{InputTokens: 339, OutputTokens: 83, CachedInputTokens: 320, ReasoningTokens: 39}},
		"hit and miss only":         {In: `{"prompt_tokens":100,"completion_tokens":5,"prompt_cache_hit_tokens":64,"prompt_cache_miss_tokens":36}`, Want: abi.Usage{InputTokens: 100, OutputTokens: 5, CachedInputTokens: 64}},
		"no prompt_tokens":          {In: `{"completion_tokens":5,"prompt_cache_hit_tokens":64,"prompt_cache_miss_tokens":36}`, Want: abi.Usage{InputTokens: 100, OutputTokens: 5, CachedInputTokens: 64}},
		"hit wins over details":     {In: `{"prompt_tokens":10,"completion_tokens":1,"prompt_tokens_details":{"cached_tokens":3},"prompt_cache_hit_tokens":4,"prompt_cache_miss_tokens":6}`, Want: abi.Usage{InputTokens: 10, OutputTokens: 1, CachedInputTokens: 4}},
		"openai only":               {In: `{"prompt_tokens":10,"completion_tokens":1,"prompt_tokens_details":{"cached_tokens":3}}`, Want: abi.Usage{InputTokens: 10, OutputTokens: 1, CachedInputTokens: 3}},
	})
}

func TestProjectRules(t *testing.T) {
	tests := []struct {
		name string
		req  string
		code abi.Code
		has  []string
		not  []string
	}{
		{"chat temperature ok", `{"model":"deepseek-chat","temperature":1.3,"messages":[{"role":"user","content":"hi"}]}`, "", []string{`"temperature":1.3`}, nil},
		{"reasoner temperature refused", `{"model":"deepseek-reasoner","temperature":0,"messages":[{"role":"user","content":"hi"}]}`, abi.CodeCapabilityUnsupported, nil, nil},
		{"v4 top_p refused", `{"model":"deepseek-v4-pro","top_p":0.5,"messages":[{"role":"user","content":"hi"}]}`, abi.CodeCapabilityUnsupported, nil, nil},
		{"reasoner presence_penalty refused", `{"model":"deepseek-reasoner","messages":[{"role":"user","content":"hi"}],"provider_options":{"presence_penalty":1}}`, abi.CodeCapabilityUnsupported, nil, nil},
		{"chat presence_penalty ok", `{"model":"deepseek-chat","messages":[{"role":"user","content":"hi"}],"provider_options":{"presence_penalty":1}}`, "", []string{`"presence_penalty":1`}, nil},
		{"chat effort refused", `{"model":"deepseek-chat","reasoning":{"effort":"high"},"messages":[{"role":"user","content":"hi"}]}`, abi.CodeCapabilityUnsupported, nil, nil},
		{"reasoner budget refused", `{"model":"deepseek-reasoner","reasoning":{"budget_tokens":100},"messages":[{"role":"user","content":"hi"}]}`, abi.CodeCapabilityUnsupported, nil, nil},
		{"seed refused", `{"model":"deepseek-chat","messages":[{"role":"user","content":"hi"}],"provider_options":{"seed":1}}`, abi.CodeCapabilityUnsupported, nil, nil},
		{"chat in thinking mode refuses temperature", `{"model":"deepseek-chat","temperature":0.5,"messages":[{"role":"user","content":"hi"}],"provider_options":{"thinking":{"type":"enabled"}}}`, abi.CodeCapabilityUnsupported, nil, nil},
		{"v4 with thinking disabled takes temperature", `{"model":"deepseek-v4-flash","temperature":0.5,"messages":[{"role":"user","content":"hi"}],"provider_options":{"thinking":{"type":"disabled"}}}`, "", []string{`"temperature":0.5`, `"thinking":{"type":"disabled"}`}, nil},
		{"bad thinking", `{"model":"deepseek-chat","messages":[{"role":"user","content":"hi"}],"provider_options":{"thinking":{"type":"auto"}}}`, abi.CodeInvalidRequest, nil, nil},
		{"chat in thinking mode echoes reasoning on tool turns", `{"model":"deepseek-chat","tools":[{"name":"f"}],"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"reasoning","text":"mine","provider":"deepseek"},{"type":"tool-call","id":"c","name":"f","arguments":"{}"}]},{"role":"tool","content":[{"type":"tool-result","tool_call_id":"c","content":"x"}]}],"provider_options":{"thinking":{"type":"enabled"}}}`,
			"", []string{`"reasoning_content":"mine"`}, nil},
		{"thinking passthrough", `{"model":"deepseek-chat","messages":[{"role":"user","content":"hi"}],"provider_options":{"thinking":{"type":"enabled"}}}`, "", []string{`"thinking":{"type":"enabled"}`}, nil},
		{"chat tool turn has no reasoning_content", `{"model":"deepseek-chat","tools":[{"name":"f"}],"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"reasoning","text":"r","provider":"deepseek"},{"type":"tool-call","id":"c","name":"f","arguments":"{}"}]},{"role":"tool","content":[{"type":"tool-result","tool_call_id":"c","content":"x"}]}]}`,
			"", nil, []string{"reasoning_content"}},
		{"reasoner tool turn from another provider gets empty reasoning_content", `{"model":"deepseek-reasoner","tools":[{"name":"f"}],"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"reasoning","text":"secret","provider":"openai"},{"type":"tool-call","id":"c","name":"f","arguments":"{}"}]},{"role":"tool","content":[{"type":"tool-result","tool_call_id":"c","content":"x"}]}]}`,
			"", []string{`"reasoning_content":""`}, []string{"secret"}},
	}
	rules := make([]hostedtest.Rule, len(tests))
	for i, tt := range tests {
		rules[i] = hostedtest.Rule{Name: tt.name, Req: tt.req, Code: tt.code, Has: tt.has, Not: tt.not, Path: "/chat/completions"}
	}
	hostedtest.Rules(t, New(), rules)
}

func TestMapError(t *testing.T) {
	const body = `{"error":{"message":"m","type":"t","param":null,"code":"c"}}`
	guesttest.MapErrors(t, New(), []guesttest.ErrorCase{
		{Status: 400, Body: body, Code: abi.CodeInvalidRequest}, {Status: 401, Body: body, Code: abi.CodeAuthentication},
		{Status: 402, Body: body, Code: abi.CodeRateLimited}, {Status: 422, Body: body, Code: abi.CodeInvalidRequest},
		{Status: 429, Body: body, Code: abi.CodeRateLimited, Retryable: true}, {Status: 500, Body: body, Code: abi.CodeServerError, Retryable: true},
		{Status: 503, Body: body, Code: abi.CodeOverloaded, Retryable: true},
	})
}

func TestFinishAndModels(t *testing.T) {
	if Finish("insufficient_system_resource") != abi.FinishError || Finish("stop") != "" {
		t.Error("finish mapping")
	}
	guesttest.ModelTraits(t, New(), map[string]guesttest.Traits{
		"deepseek-chat":     {Tools: abi.SupportNative, Structured: abi.SupportJSONMode},
		"deepseek-reasoner": {Reasoning: true, Tools: abi.SupportNative, Structured: abi.SupportJSONMode},
		"deepseek-v4-flash": {Reasoning: true, Tools: abi.SupportNative, Structured: abi.SupportJSONMode},
	})
}

func TestDetails(t *testing.T) {
	v4 := guesttest.Limits(1<<20, 384<<10, abi.ModalityText)
	// deepseek-chat does not think by default: its sampling parameters are
	// known; the thinking models' depend on the request.
	chat := guesttest.Sampled(guesttest.Limits(1<<20, 384<<10, abi.ModalityText), abi.SamplingTemperature, abi.SamplingTopP, abi.SamplingStop)
	for model, want := range map[string]*abi.ModelDetails{
		"deepseek-chat": chat, "deepseek-reasoner": v4, "deepseek-v4-flash": v4, "DeepSeek-V4-Pro": v4,
		"deepseek-coder": nil, "": nil,
	} {
		guesttest.Details(t, New(), model, want)
	}
}
