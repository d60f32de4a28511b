package xai

import (
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

func TestUsage(t *testing.T) {
	hostedtest.Usages(t, Usage, map[string]hostedtest.UsageCase{
		"reasoning excluded (total = p + c + r)": {In: `{"prompt_tokens":12,"completion_tokens":1,"total_tokens":303,"prompt_tokens_details":{"cached_tokens":11},"completion_tokens_details":{"reasoning_tokens":290}}`, Want: abi.Usage{InputTokens: 12, OutputTokens: 291, CachedInputTokens: 11, ReasoningTokens: 290}},
		"reasoning included (total = p + c)":     {In: `{"prompt_tokens":30,"completion_tokens":150,"total_tokens":180,"completion_tokens_details":{"reasoning_tokens":148}}`, Want: abi.Usage{InputTokens: 30, OutputTokens: 150, ReasoningTokens: 148}},
		"no total: xAI's documented split":       {In: `{"prompt_tokens":5,"completion_tokens":2,"completion_tokens_details":{"reasoning_tokens":7}}`, Want: abi.Usage{InputTokens: 5, OutputTokens: 9, ReasoningTokens: 7}},
		"no reasoning":                           {In: `{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}`, Want: abi.Usage{InputTokens: 5, OutputTokens: 2}},
	})
}

func TestProjectRules(t *testing.T) {
	tests := []struct {
		name, req string
		code      abi.Code
		has       string
	}{
		{"grok-3-mini effort", `{"model":"grok-3-mini","reasoning":{"effort":"low"},"messages":[{"role":"user","content":"hi"}]}`, "", `"reasoning_effort":"low"`},
		{"grok-4.3 effort", `{"model":"grok-4.3","reasoning":{"effort":"medium"},"messages":[{"role":"user","content":"hi"}]}`, "", `"reasoning_effort":"medium"`},
		{"grok-4 effort refused", `{"model":"grok-4-0709","reasoning":{"effort":"low"},"messages":[{"role":"user","content":"hi"}]}`, abi.CodeCapabilityUnsupported, ""},
		{"grok-3 effort refused", `{"model":"grok-3","reasoning":{"effort":"low"},"messages":[{"role":"user","content":"hi"}]}`, abi.CodeCapabilityUnsupported, ""},
		{"code-fast stop refused", `{"model":"grok-code-fast-1","stop":["x"],"messages":[{"role":"user","content":"hi"}]}`, abi.CodeCapabilityUnsupported, ""},
		{"mini frequency_penalty refused", `{"model":"grok-3-mini","messages":[{"role":"user","content":"hi"}],"provider_options":{"frequency_penalty":1}}`, abi.CodeCapabilityUnsupported, ""},
		{"grok-3 frequency_penalty ok", `{"model":"grok-3","messages":[{"role":"user","content":"hi"}],"provider_options":{"frequency_penalty":1}}`, "", `"frequency_penalty":1`},
		{"grok-3 stop ok", `{"model":"grok-3","stop":["x"],"messages":[{"role":"user","content":"hi"}]}`, "", `"stop":["x"]`},
		{"strict tool refused", `{"model":"grok-3","tools":[{"name":"f","strict":true}],"messages":[{"role":"user","content":"hi"}]}`, abi.CodeCapabilityUnsupported, ""},
		{"strict schema ok", `{"model":"grok-4","response_format":{"type":"json_schema","name":"x","strict":true,"schema":{"type":"object","properties":{"a":{"type":"string"}}}},"messages":[{"role":"user","content":"hi"}]}`, "", `"strict":true`},
		{"image on grok-4", `{"model":"grok-4","messages":[{"role":"user","content":[{"type":"image","url":"https://x/y.png"}]}]}`, "", "image_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := guesttest.Request(t, tt.req)
			pr, err := New().Project(req)
			if tt.code != "" {
				if abi.CodeOf(err) != tt.code || !strings.Contains(err.Error(), req.Model) {
					t.Fatalf("err = %v, want %s naming %s", err, tt.code, req.Model)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(pr.Body), tt.has) {
				t.Errorf("body lacks %s: %s", tt.has, pr.Body)
			}
		})
	}
}

func TestMapError(t *testing.T) {
	tests := []guesttest.ErrorCase{
		{Status: 400, Body: `{"code":"Client specified an invalid argument","error":"Incorrect API key provided: xa***."}`, Code: abi.CodeAuthentication, Retryable: false, Msg: "Incorrect API key"},
		{Status: 400, Body: `{"code":"Client specified an invalid argument","error":"bad param"}`, Code: abi.CodeInvalidRequest, Retryable: false, Msg: "(Client specified an invalid argument): fix the request"},
		{Status: 403, Body: `{"code":"The caller does not have permission","error":"Your team has exceeded its monthly spending limit"}`, Code: abi.CodeRateLimited, Retryable: false, Msg: "retrying will not help"},
		{Status: 403, Body: `{"code":"The caller does not have permission","error":"no access to model"}`, Code: abi.CodePermission, Retryable: false, Msg: "no access"},
		{Status: 404, Body: `{"code":"Some requested entity was not found","error":"The model grok-9 does not exist"}`, Code: abi.CodeNotFound, Retryable: false, Msg: "grok-9"},
		{Status: 400, Body: `{"error":{"message":"This model's maximum prompt length is 10 but the request contains 20 tokens.","type":"invalid_request_error"}}`, Code: abi.CodeContextLengthExceeded, Retryable: false, Msg: "maximum prompt length"},
		{Status: 429, Body: `{"code":"Some resource has been exhausted","error":"slow down"}`, Code: abi.CodeRateLimited, Retryable: true, Msg: "slow down"},
		{Status: 500, Body: `{"code":"Internal error","error":"oops"}`, Code: abi.CodeServerError, Retryable: true, Msg: "oops"},
	}
	guesttest.MapErrors(t, New(), tests)
}

func TestModels(t *testing.T) {
	guesttest.ModelTraits(t, New(), map[string]guesttest.Traits{
		"grok-3-mini": {Reasoning: true}, "grok-3": {}, "grok-4-0709": {Reasoning: true, Vision: true},
		"grok-4-fast-non-reasoning": {Vision: true}, "grok-code-fast-1": {Reasoning: true}, "grok-2-vision-1212": {Vision: true},
	})
}

func TestDetails(t *testing.T) {
	text, vision := []string{abi.ModalityText}, []string{abi.ModalityText, abi.ModalityImage}
	// Reasoning models take no stop; seed is a provider option.
	all := []string{abi.SamplingTemperature, abi.SamplingTopP, abi.SamplingStop, abi.SamplingSeed}
	reasoning := []string{abi.SamplingTemperature, abi.SamplingTopP, abi.SamplingSeed}
	mini := guesttest.Sampled(guesttest.Limits(131072, 0, text...), reasoning...)
	mini.Reasoning = &abi.ReasoningControls{Efforts: []string{"low", "high"}}
	for model, want := range map[string]*abi.ModelDetails{
		"grok-4":                    guesttest.Sampled(guesttest.Limits(256000, 0, vision...), reasoning...),
		"grok-4-0709":               guesttest.Sampled(guesttest.Limits(256000, 0, vision...), reasoning...),
		"grok-4-fast-non-reasoning": guesttest.Sampled(guesttest.Limits(2000000, 0, vision...), all...),
		"grok-4-1-fast-reasoning":   guesttest.Sampled(guesttest.Limits(2000000, 0, vision...), reasoning...),
		"grok-code-fast-1":          guesttest.Sampled(guesttest.Limits(256000, 0, text...), reasoning...),
		"grok-3-mini":               mini,
		"grok-3":                    guesttest.Sampled(guesttest.Limits(131072, 0, text...), all...),
		"grok-2-vision-1212":        guesttest.Sampled(guesttest.Limits(32768, 0, vision...), all...),
		"grok-5":                    nil,
		"":                          nil,
	} {
		guesttest.Details(t, New(), model, want)
	}
}
