// Package vertexgemini is the wasmadapt adapter for Gemini models on
// Google Cloud Vertex AI: the gemini package's adapter (same request body,
// stream, events, thought signatures and errors, since Vertex speaks the
// same generateContent API) routed through package vertex:
//
//	POST /v1/projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent
//	POST /v1/projects/{project}/locations/{location}/publishers/google/models/{model}:streamGenerateContent?alt=sse
//
// with an OAuth2 access token as bearer credential (the host's), instead of
// the Gemini API's /v1beta/models/{model} and x-goog-api-key. The provider
// options "project" (required) and "location" (default "global") name the
// route; the gemini options (cached_content, include_thoughts,
// safety_settings, schema_mode, thinking_level) pass through to it.
// Vertex's streams separate events with "\n\n" where the Gemini API uses
// "\r\n\r\n"; the host's framer takes both.
package vertexgemini

import (
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/gemini"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/vertex"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Version is the module's version.
const Version = "1.0.0"

// New returns the Vertex AI Gemini adapter.
func New() guest.Adapter {
	return vertex.Adapter{Inner: gemini.New(), Name: "vertex-gemini", Version: Version, Publisher: "google", Finish: finish}
}

// finish moves the Gemini API path's method onto the Vertex model path.
func finish(pr *abi.ProviderRequest, r vertex.Route, req *abi.Request) error {
	method := pr.Path[strings.LastIndexByte(pr.Path, ':')+1:]
	pr.Path = r.Path("google", req.Model, method)
	return nil
}
