package azureopenai

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

// request decodes a normalized request, failing the test when it is not one.
var request = guesttest.Request

func TestRoute(t *testing.T) {
	tests := []struct {
		name, req, path, query, model string
		code                          abi.Code
	}{
		{"default deployment surface", `{"model":"gpt-4o","messages":[{"role":"user","content":"x"}]}`,
			"/openai/deployments/gpt-4o/chat/completions", "2024-10-21", "gpt-4o", ""},
		{"deployment option", `{"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"provider_options":{"deployment":"prod/a"}}`,
			"/openai/deployments/prod%2Fa/chat/completions", "2024-10-21", "gpt-4o", ""},
		{"api version option", `{"model":"m","messages":[{"role":"user","content":"x"}],"provider_options":{"api_version":"2025-04-01-preview"}}`,
			"/openai/deployments/m/chat/completions", "2025-04-01-preview", "m", ""},
		{"v1 surface", `{"model":"m","messages":[{"role":"user","content":"x"}],"provider_options":{"api_surface":"v1"}}`,
			"/openai/v1/chat/completions", "", "m", ""},
		{"v1 surface with deployment and preview", `{"model":"m","messages":[{"role":"user","content":"x"}],"provider_options":{"api_surface":"v1","deployment":"d","api_version":"preview"}}`,
			"/openai/v1/chat/completions", "preview", "d", ""},
		{"unknown surface", `{"model":"m","messages":[{"role":"user","content":"x"}],"provider_options":{"api_surface":"v2"}}`,
			"", "", "", abi.CodeInvalidRequest},
		{"empty deployment", `{"model":"m","messages":[{"role":"user","content":"x"}],"provider_options":{"deployment":""}}`,
			"", "", "", abi.CodeInvalidRequest},
		{"deployment not a string", `{"model":"m","messages":[{"role":"user","content":"x"}],"provider_options":{"deployment":3}}`,
			"", "", "", abi.CodeInvalidRequest},
	}
	a := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr, err := a.Project(request(t, tt.req))
			if tt.code != "" {
				if abi.CodeOf(err) != tt.code {
					t.Fatalf("err = %v, want code %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if pr.Path != tt.path || pr.Query["api-version"] != tt.query {
				t.Errorf("path %s query %v, want %s api-version=%s", pr.Path, pr.Query, tt.path, tt.query)
			}
			var body struct{ Model string }
			if err := json.Unmarshal(pr.Body, &body); err != nil || body.Model != tt.model {
				t.Errorf("body model %q (%v), want %q", body.Model, err, tt.model)
			}
		})
	}
}

func TestCapabilities(t *testing.T) {
	c := New().Capabilities("o3-mini")
	if c.DefaultBaseURL != "" {
		t.Errorf("default base URL %q: Azure resources have none", c.DefaultBaseURL)
	}
	if c.Auth != (abi.Auth{Scheme: abi.AuthHeader, Name: "api-key"}) {
		t.Errorf("auth %+v", c.Auth)
	}
	if !c.Features.Reasoning {
		t.Error("o3-mini deployments are reasoning models")
	}
	if !strings.Contains(strings.Join(c.ProviderOptions, ","), "api_surface") {
		t.Errorf("provider options %v lack api_surface", c.ProviderOptions)
	}
}

func TestMapError(t *testing.T) {
	guesttest.NamedErrors(t, New(), map[string]guesttest.ErrorCase{
		"content filter code":  {Status: 400, Body: `{"error":{"message":"filtered","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation"}}}`, Code: abi.CodeContentFilter, Retryable: false, Msg: "filtered"},
		"innererror only":      {Status: 400, Body: `{"error":{"code":"BadRequest","message":"Your request was rejected as a result of our safety system.","innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"violence":{"filtered":true,"severity":"high"}}}}}`, Code: abi.CodeContentFilter, Retryable: false, Msg: "content filter blocked"},
		"deployment not found": {Status: 404, Body: `{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist."}}`, Code: abi.CodeNotFound, Retryable: false, Msg: "provider_options.deployment"},
		"unauthorized":         {Status: 401, Body: `{"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint."}}`, Code: abi.CodeAuthentication, Retryable: false, Msg: "Access denied"},
		"statusCode body":      {Status: 401, Body: `{"statusCode":401,"message":"Unauthorized. Access token is missing, invalid, audience is incorrect, or have expired."}`, Code: abi.CodeAuthentication, Retryable: false, Msg: "Unauthorized"},
		"rate limit":           {Status: 429, Body: `{"error":{"code":"429","message":"Requests ... exceeded token rate limit"}}`, Code: abi.CodeRateLimited, Retryable: true, Msg: "rate limit"},
		"server error":         {Status: 500, Body: `{"error":{"code":"InternalServerError","message":"The server had an error"}}`, Code: abi.CodeServerError, Retryable: true, Msg: "server had"},
		"unavailable":          {Status: 503, Body: `upstream connect error`, Code: abi.CodeOverloaded, Retryable: true, Msg: "upstream"},
	})
}

// TestStreamContentFilterError: an error object inside an Azure stream
// (the filter blocking the completion mid-stream) ends it with one
// content_filter error event.
func TestStreamContentFilterError(t *testing.T) {
	a := New()
	var out guest.Output
	in := &abi.TransformInput{Chunks: []abi.Chunk{
		{Data: []byte(`{"choices":[{"content_filter_results":{},"delta":{"content":"Once"},"finish_reason":null,"index":0}],"created":1,"id":"chatcmpl-1","model":"gpt-4o","object":"chat.completion.chunk"}`)},
		{Data: []byte(`{"error":{"code":"BadRequest","message":"blocked","innererror":{"code":"ResponsibleAIPolicyViolation"}}}`)},
		{Data: []byte(`{"choices":[{"delta":{"content":"ignored"},"index":0}],"id":"chatcmpl-1","model":"gpt-4o"}`)},
	}, Flags: abi.FlagEnd}
	if err := a.Transform(in, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out.Events())), "\n")
	if len(lines) != 3 || !strings.Contains(lines[2], `"code":"content_filter"`) || strings.Contains(string(out.Events()), "ignored") {
		t.Fatalf("events:\n%s", out.Events())
	}
}

// FuzzMapError: any status and body map to exactly one error event with a
// stable code (the Azure hook reads innererror from untrusted bytes).
func FuzzMapError(f *testing.F) {
	f.Add(uint16(400), []byte(`{"error":{"code":"content_filter","message":"m","innererror":{"code":"ResponsibleAIPolicyViolation"}}}`))
	f.Add(uint16(404), []byte(`{"error":{"code":"DeploymentNotFound","message":"m"}}`))
	f.Add(uint16(400), []byte(`{"error":{"innererror":[]}}`))
	a := New()
	f.Fuzz(func(t *testing.T, status uint16, body []byte) {
		var out guest.Output
		if err := a.MapError(&abi.ResponseInput{Status: uint32(status), Body: body}, &out); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(out.Events()), "\n"), "\n")
		var ev abi.Event
		if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &ev) != nil || ev.Type != abi.EventError || !ev.Code.Valid() {
			t.Fatalf("events %q", out.Events())
		}
	})
}

func TestEchoesReasoning(t *testing.T) {
	tests := []struct {
		req  string
		want bool
	}{
		{`{"model":"DeepSeek-R1"}`, true},
		{`{"model":"MAI-DS-R1"}`, true},
		{`{"model":"my-deployment","provider_options":{"deployment":"deepseek-r1-0528"}}`, true},
		{`{"model":"gpt-4o"}`, false},
		{`{"model":"o3-mini"}`, false},
	}
	for _, tt := range tests {
		if got := EchoesReasoning(guesttest.Request(t, tt.req)); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.req, got, tt.want)
		}
	}
}

func TestReasoningContent(t *testing.T) {
	chunks := guesttest.SplitSSE([]byte(`data: {"choices":[{"delta":{"role":"assistant","reasoning_content":"think"},"index":0}],"id":"c1","model":"DeepSeek-R1"}

data: {"choices":[{"delta":{"content":"ok","reasoning_content":null},"finish_reason":"stop","index":0}],"id":"c1","model":"DeepSeek-R1"}

data: [DONE]

`))
	got := string(guesttest.Stable(t, New(), nil, chunks))
	if !strings.Contains(got, `{"type":"reasoning-delta","text":"think"}`) || !strings.Contains(got, `{"type":"text-delta","text":"ok"}`) {
		t.Errorf("events:\n%s", got)
	}
}
