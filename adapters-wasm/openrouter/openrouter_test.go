package openrouter

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

func TestProjectRouting(t *testing.T) {
	tests := []struct {
		name, req string
		code      abi.Code
		pointer   string
		has       []string
		not       []string
	}{
		{"plain request adds no provider", `{"model":"openai/gpt-4.1","messages":[{"role":"user","content":"hi"}]}`, "", "", nil, []string{"provider", "reasoning"}},
		{"tools add require_parameters", `{"model":"openai/gpt-4.1","tools":[{"name":"f"}],"messages":[{"role":"user","content":"hi"}]}`, "", "", []string{`"provider":{"require_parameters":true}`}, nil},
		{"json_schema adds require_parameters", `{"model":"openai/gpt-4.1","response_format":{"type":"json_schema","name":"x","schema":{"type":"object"}},"messages":[{"role":"user","content":"hi"}]}`, "", "", []string{`"require_parameters":true`}, nil},
		{"empty provider object", `{"model":"openai/gpt-4.1","tools":[{"name":"f"}],"messages":[{"role":"user","content":"hi"}],"provider_options":{"provider":{}}}`, "", "", []string{`"provider":{"require_parameters":true}`}, nil},
		{"explicit true kept once", `{"model":"openai/gpt-4.1","tools":[{"name":"f"}],"messages":[{"role":"user","content":"hi"}],"provider_options":{"provider":{"require_parameters":true,"only":["openai"]}}}`, "", "", []string{`"provider":{"require_parameters":true,"only":["openai"]}`}, nil},
		{"effort moved into reasoning", `{"model":"openai/o3","reasoning":{"effort":"high"},"messages":[{"role":"user","content":"hi"}]}`, "", "", []string{`"reasoning":{"effort":"high"}`}, []string{"reasoning_effort"}},
		{"budget", `{"model":"anthropic/claude-3.7-sonnet","reasoning":{"budget_tokens":1024},"messages":[{"role":"user","content":"hi"}]}`, "", "", []string{`"reasoning":{"max_tokens":1024}`}, nil},
		{"bad budget", `{"model":"anthropic/claude-3.7-sonnet","reasoning":{"budget_tokens":0},"messages":[{"role":"user","content":"hi"}]}`, abi.CodeInvalidRequest, "/reasoning/budget_tokens", nil, nil},
		{"order must be strings", `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"provider":{"order":[1]}}}`, abi.CodeInvalidRequest, "/provider_options/provider/order", nil, nil},
		{"sort object ok", `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"provider":{"sort":{"by":"price"}}}}`, "", "", []string{`"sort":{"by":"price"}`}, nil},
		{"provider not object", `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"provider":["openai"]}}`, abi.CodeInvalidRequest, "/provider_options/provider", nil, nil},
		{"models must be strings", `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"models":"openai/gpt-4.1"}}`, abi.CodeInvalidRequest, "/provider_options/models", nil, nil},
		{"transforms", `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"transforms":[]}}`, "", "", []string{`"transforms":[]`}, nil},
		{"app_title header only", `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"app_title":"x"}}`, "", "", nil, []string{"app_title"}},
		{"app_title newline", `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"app_title":"a\nb"}}`, abi.CodeInvalidRequest, "/provider_options/app_title", nil, nil},
		{"unknown option", `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"route":"fallback"}}`, abi.CodeInvalidRequest, "/provider_options/route", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := guesttest.Request(t, tt.req)
			pr, err := New().Project(req)
			if tt.code != "" {
				var e *abi.Error
				if abi.CodeOf(err) != tt.code {
					t.Fatalf("err = %v, want %s", err, tt.code)
				}
				if e, _ = err.(*abi.Error); e == nil || e.Pointer != tt.pointer {
					t.Errorf("pointer of %v, want %s", err, tt.pointer)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			guesttest.BodyHas(t, pr.Body, tt.has, tt.not)
			if strings.Contains(tt.name, "header") && pr.Headers["X-Title"] != "x" {
				t.Errorf("headers %v", pr.Headers)
			}
		})
	}
}

func TestMapError(t *testing.T) {
	tests := []guesttest.ErrorCase{
		{Status: 429, Body: `{"error":{"code":429,"message":"Provider returned error","metadata":{"provider_name":"Google","raw":"slow down"}}}`, Code: abi.CodeRateLimited, Retryable: true, Msg: `(upstream Google): "slow down"`},
		{Status: 402, Body: `{"error":{"code":402,"message":"Insufficient credits"}}`, Code: abi.CodeRateLimited, Retryable: false, Msg: "retrying will not help"},
		{Status: 403, Body: `{"error":{"code":403,"message":"flagged","metadata":{"reasons":["violence"],"flagged_input":"x"}}}`, Code: abi.CodeContentFilter, Retryable: false, Msg: `["violence"]`},
		{Status: 403, Body: `{"error":{"code":403,"message":"key disabled"}}`, Code: abi.CodePermission, Retryable: false, Msg: "key disabled"},
		{Status: 408, Body: `{"error":{"code":408,"message":"timeout"}}`, Code: abi.CodeServerError, Retryable: true, Msg: "timeout"},
		{Status: 502, Body: `{"error":{"code":502,"message":"down","metadata":{"raw":{"error":"x"}}}}`, Code: abi.CodeServerError, Retryable: true, Msg: `{\"error\":\"x\"}`},
		{Status: 503, Body: `{"error":{"code":503,"message":"no endpoints"}}`, Code: abi.CodeOverloaded, Retryable: true, Msg: "no endpoints"},
		{Status: 400, Body: `{"error":{"code":400,"message":"This endpoint's maximum context length is 8192 tokens."}}`, Code: abi.CodeContextLengthExceeded, Retryable: false, Msg: "maximum context length"},
	}
	guesttest.MapErrors(t, New(), tests)
}

// TestStreamErrorCodes: an error chunk inside a 200 stream is mapped by its
// numeric code, or as a retryable server error when the code is a string.
func TestStreamErrorCodes(t *testing.T) {
	tests := []struct {
		errObj    string
		code      abi.Code
		retryable bool
	}{
		{`{"code":429,"message":"m"}`, abi.CodeRateLimited, true},
		{`{"code":401,"message":"m"}`, abi.CodeAuthentication, false},
		{`{"code":503,"message":"m"}`, abi.CodeOverloaded, true},
		{`{"code":"server_error","message":"Provider disconnected"}`, abi.CodeServerError, true},
	}
	for _, tt := range tests {
		in := abi.TransformInput{Flags: abi.FlagEnd, Chunks: []abi.Chunk{
			{Data: []byte(`{"id":"g","model":"m","error":` + tt.errObj + `,"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}`)},
			{Data: []byte("[DONE]")},
		}}
		var out guest.Output
		if err := New().Transform(&in, &out); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(out.Events())), "\n")
		var ev abi.Event
		if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &ev) != nil || ev.Code != tt.code || ev.Retryable != tt.retryable {
			t.Errorf("%s: events\n%s", tt.errObj, out.Events())
		}
	}
}
