package minimax

import (
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

func TestProjectRules(t *testing.T) {
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "reasoning split on reasoning models", Req: `{"model":"MiniMax-M2.7","messages":[{"role":"user","content":"hi"}]}`, Has: []string{`"reasoning_split":true`}, Not: []string{"stream_options"}, Path: "/v1/chat/completions"},
		{Name: "no reasoning split on Text-01", Req: `{"model":"MiniMax-Text-01","messages":[{"role":"user","content":"hi"}]}`, Not: []string{"reasoning_split"}},
		{Name: "max tokens field", Req: `{"model":"MiniMax-M2","max_output_tokens":100,"messages":[{"role":"user","content":"hi"}]}`, Has: []string{`"max_completion_tokens":100`}, Not: []string{`"max_tokens"`}},
		{Name: "temperature 1 accepted", Req: `{"model":"MiniMax-M2","temperature":1,"messages":[{"role":"user","content":"hi"}]}`, Has: []string{`"temperature":1`}},
		{Name: "temperature above 1", Req: `{"model":"MiniMax-M2","temperature":1.5,"messages":[{"role":"user","content":"hi"}]}`, Code: abi.CodeInvalidRequest},
		{Name: "temperature 0", Req: `{"model":"MiniMax-M2","temperature":0,"messages":[{"role":"user","content":"hi"}]}`, Code: abi.CodeInvalidRequest},
		{Name: "top_p 0", Req: `{"model":"MiniMax-M2","top_p":0,"messages":[{"role":"user","content":"hi"}]}`, Code: abi.CodeInvalidRequest},
		{Name: "seed refused", Req: `{"model":"MiniMax-M2","messages":[{"role":"user","content":"hi"}],"provider_options":{"seed":1}}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "json_schema refused on M2.1", Req: `{"model":"MiniMax-M2.1","response_format":{"type":"json_schema","name":"c","schema":{"type":"object"}},"messages":[{"role":"user","content":"hi"}]}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "named tool refused", Req: `{"model":"MiniMax-M2","tools":[{"name":"f"}],"tool_choice":{"tool":"f"},"messages":[{"role":"user","content":"hi"}]}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "empty own reasoning sends no details", Req: `{"model":"MiniMax-M2","tools":[{"name":"f"}],"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool-call","id":"c","name":"f","arguments":"{}"}]},{"role":"tool","content":[{"type":"tool-result","tool_call_id":"c","content":"x"}]}]}`,
			Not: []string{"reasoning_details", "reasoning_content"}},
		{Name: "own reasoning passed back", Req: `{"model":"MiniMax-M2","tools":[{"name":"f"}],"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"reasoning","text":"mine","provider":"minimax"},{"type":"tool-call","id":"c","name":"f","arguments":"{}"}]},{"role":"tool","content":[{"type":"tool-result","tool_call_id":"c","content":"x"}]}]}`,
			Has: []string{`"reasoning_details":[{"text":"mine","type":"reasoning.text"}]`}, Not: []string{"reasoning_content"}},
	})
}

func TestFeatures(t *testing.T) {
	base := chatcompletions.DefaultFeatures
	hostedtest.Features(t, New(), map[string]abi.Features{
		"MiniMax-M2.5": hostedtest.With(base, func(f *abi.Features) {
			f.Reasoning, f.Vision, f.StructuredOutput = true, false, abi.SupportNone
		}),
		"MiniMax-M2.7-highspeed": hostedtest.With(base, func(f *abi.Features) {
			f.Reasoning, f.Vision, f.StructuredOutput = true, false, abi.SupportNone
		}),
		"MiniMax-M3": hostedtest.With(base, func(f *abi.Features) { f.Reasoning = true }),
		"MiniMax-Text-01": hostedtest.With(base, func(f *abi.Features) {
			f.Vision, f.StructuredOutput = false, abi.SupportNone
		}),
	})
	if got := New().Capabilities("gpt-4o").Features; got != abi.PlainTextFeatures() {
		t.Errorf("an unknown model: %+v, want plain text", got)
	}
}

func TestStatusCodes(t *testing.T) {
	tests := []struct {
		status    int
		body      string
		code      abi.Code
		retryable bool
		has       string
	}{
		{200, `{"base_resp":{"status_code":1004,"status_msg":"login fail"}}`, abi.CodeAuthentication, false, "login fail (status_code 1004)"},
		{401, `{"base_resp":{"status_code":2049,"status_msg":"invalid api key"}}`, abi.CodeAuthentication, false, "HTTP 401"},
		{200, `{"base_resp":{"status_code":1002,"status_msg":"rate limit"}}`, abi.CodeRateLimited, true, "retry"},
		{200, `{"base_resp":{"status_code":1039,"status_msg":"token limit"}}`, abi.CodeRateLimited, true, "token rate"},
		{200, `{"base_resp":{"status_code":1008,"status_msg":"insufficient balance"}}`, abi.CodeRateLimited, false, "top it up"},
		{200, `{"base_resp":{"status_code":2056,"status_msg":"usage limit exceeded"}}`, abi.CodeRateLimited, false, "plan"},
		{200, `{"base_resp":{"status_code":2061,"status_msg":"model not supported"}}`, abi.CodePermission, false, "plan"},
		{200, `{"base_resp":{"status_code":1026,"status_msg":"input new_sensitive"}}`, abi.CodeContentFilter, false, "input"},
		{400, `{"base_resp":{"status_code":2013,"status_msg":"invalid params"}}`, abi.CodeInvalidRequest, false, "invalid params"},
		{500, `{"base_resp":{"status_code":1033,"status_msg":"system error"}}`, abi.CodeServerError, true, "system error"},
		{200, `{"base_resp":{"status_code":9999,"status_msg":"new"}}`, abi.CodeServerError, false, "unknown MiniMax status code"},
	}
	for _, tt := range tests {
		code, msg, ok := BaseResp([]byte(tt.body))
		if !ok {
			t.Fatalf("%s: no base_resp read", tt.body)
		}
		e := StatusError(tt.status, code, msg)
		if e.Code != tt.code || e.Retryable != tt.retryable || !strings.Contains(e.Message, tt.has) {
			t.Errorf("%s: got %s retryable %v %q, want %s retryable %v with %q", tt.body, e.Code, e.Retryable, e.Message, tt.code, tt.retryable, tt.has)
		}
	}
	for _, body := range []string{`{"base_resp":{"status_code":0,"status_msg":"success"}}`, `{"base_resp":{}}`, `{"id":"x"}`, `not json`, `{"base_resp":{"status_code":"1004"}}`} {
		if _, _, ok := BaseResp([]byte(body)); ok {
			t.Errorf("%s: read as an error", body)
		}
	}
}

func TestMapError(t *testing.T) {
	guesttest.MapErrors(t, New(), []guesttest.ErrorCase{
		{Status: 401, Body: `{"base_resp":{"status_code":1004,"status_msg":"login fail"}}`, Code: abi.CodeAuthentication},
		{Status: 429, Body: `{"error":{"message":"slow down","type":"rate_limit_error"}}`, Code: abi.CodeRateLimited, Retryable: true},
		{Status: 500, Body: `{"base_resp":{"status_code":1024,"status_msg":"internal error"}}`, Code: abi.CodeServerError, Retryable: true},
		{Status: 503, Body: `<html>busy</html>`, Code: abi.CodeOverloaded, Retryable: true},
	})
}
