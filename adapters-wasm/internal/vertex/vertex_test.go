package vertex_test

import (
	"reflect"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/anthropic"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/gemini"
	vertexanthropic "github.com/wasmadapt/wasmadapt/adapters-wasm/vertex-anthropic"
	vertexgemini "github.com/wasmadapt/wasmadapt/adapters-wasm/vertex-gemini"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

func TestRoutes(t *testing.T) {
	tests := []struct {
		name, req, path string
		has, not        []string
	}{
		{"gemini stream", `{"model":"gemini-2.5-flash","stream":true,"messages":[{"role":"user","content":"hi"}],"provider_options":{"project":"p-1","location":"europe-west4"}}`,
			"/v1/projects/p-1/locations/europe-west4/publishers/google/models/gemini-2.5-flash:streamGenerateContent", nil, []string{"p-1", "europe-west4"}},
		{"anthropic whole", `{"model":"claude-opus-4-1@20250805","max_output_tokens":10,"messages":[{"role":"user","content":"hi"}],"provider_options":{"project":"p-1"}}`,
			"/v1/projects/p-1/locations/global/publishers/anthropic/models/claude-opus-4-1@20250805:rawPredict", []string{`"anthropic_version":"vertex-2023-10-16"`}, []string{`"model"`, "p-1"}},
	}
	for _, tt := range tests {
		a := vertexgemini.New()
		if tt.name == "anthropic whole" {
			a = vertexanthropic.New()
		}
		pr, err := guesttest.Project(t, a, tt.req)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if pr.Path != tt.path {
			t.Errorf("%s: path %s", tt.name, pr.Path)
		}
		guesttest.BodyHas(t, pr.Body, tt.has, tt.not)
	}
	guesttest.ProjectError(t, vertexgemini.New(), `{"model":"gemini-2.5-flash","messages":[{"role":"user","content":"hi"}],"provider_options":{"project":"P"}}`, abi.CodeInvalidRequest, "/provider_options/project")
}

func TestCapabilities(t *testing.T) {
	c := vertexanthropic.New().Capabilities("claude-sonnet-4-5@20250929")
	if c.Name != "vertex-anthropic" || c.Auth.Scheme != abi.AuthBearer || c.DefaultBaseURL != "https://aiplatform.googleapis.com" || !c.Features.Reasoning {
		t.Errorf("%+v", c)
	}
	has := map[string]bool{}
	for _, k := range c.ProviderOptions {
		has[k] = true
	}
	if !has["project"] || !has["location"] || !has["anthropic_beta"] {
		t.Errorf("provider options %v", c.ProviderOptions)
	}
}

func TestGoogleErrors(t *testing.T) {
	guesttest.MapErrors(t, vertexanthropic.New(), []guesttest.ErrorCase{
		{Status: 429, Body: `{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}`, Code: abi.CodeRateLimited, Retryable: true, Msg: "Quota exceeded (RESOURCE_EXHAUSTED)"},
		{Status: 403, Body: `[{"error":{"code":403,"message":"denied","status":"PERMISSION_DENIED"}}]`, Code: abi.CodePermission, Msg: "Vertex AI User"},
		{Status: 503, Body: `{"error":{"code":503,"message":"x","status":"UNAVAILABLE"}}`, Code: abi.CodeOverloaded, Retryable: true, Msg: "x (UNAVAILABLE)"},
		{Status: 400, Body: `{"type":"error","error":{"type":"invalid_request_error","message":"bad"}}`, Code: abi.CodeInvalidRequest, Msg: "bad"},
		{Status: 500, Body: `{"error":{"code":500,"message":"m","status":"WHATEVER"}}`, Code: abi.CodeServerError, Retryable: true},
	})
}

// FuzzVertex: arbitrary bytes through both Vertex modules (see
// guesttest.CheckAdapter).
func FuzzVertex(f *testing.F) {
	f.Add([]byte(`{"error":{"code":429,"message":"q","status":"RESOURCE_EXHAUSTED"}}`), []byte(`[{"error":{"status":"NOT_FOUND"}}]`))
	f.Fuzz(func(t *testing.T, x, y []byte) {
		guesttest.CheckAdapter(t, vertexanthropic.New(), guesttest.Input{Chunks: []abi.Chunk{{Data: x}, {Data: y}}, Body: x, Statuses: []uint32{400, 403, 429, 500, 529}})
		guesttest.CheckAdapter(t, vertexgemini.New(), guesttest.Input{Chunks: []abi.Chunk{{Data: x}, {Data: y}}, Body: x, Statuses: []uint32{400, 403, 429, 500}})
	})
}

// TestDetailsPassThrough checks the wrapped adapter's details reach the
// Vertex module's capabilities, for the Vertex model id.
func TestDetailsPassThrough(t *testing.T) {
	for _, tc := range []struct {
		name, model, inner string
		vertex, wrapped    guest.Adapter
	}{
		{"anthropic", "claude-sonnet-4-5@20250929", "claude-sonnet-4-5-20250929", vertexanthropic.New(), anthropic.New()},
		{"gemini", "gemini-2.5-pro", "gemini-2.5-pro", vertexgemini.New(), gemini.New()},
	} {
		got, want := tc.vertex.Capabilities(tc.model).Details, tc.wrapped.Capabilities(tc.inner).Details
		if want == nil || want.MaxOutputTokens == 0 {
			t.Fatalf("%s: the wrapped adapter has no details for %q: %+v", tc.name, tc.inner, want)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: details %+v, want the wrapped adapter's %+v", tc.name, got, want)
		}
	}
}
