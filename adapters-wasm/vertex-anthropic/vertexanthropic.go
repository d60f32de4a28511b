// Package vertexanthropic is the wasmadapt adapter for Anthropic's Claude
// models on Google Cloud Vertex AI: the anthropic package's adapter (same
// Messages body, stream events, thinking and errors) routed through package
// vertex. What Vertex changes:
//
//   - The model is in the path, not the body:
//     POST /v1/projects/{project}/locations/{location}/publishers/anthropic/models/{model}:rawPredict,
//     or :streamRawPredict for streams. Model ids carry a version after
//     "@" (claude-sonnet-4-5@20250929); capabilities are those of the
//     model id before the "@".
//   - The API version is the body field anthropic_version
//     "vertex-2023-10-16", not the anthropic-version header; anthropic-beta
//     headers pass through (Vertex accepts a subset of the betas).
//   - Credentials: an OAuth2 access token as bearer (the host's).
//   - Provider tools: web_search only; code_execution, web_fetch and mcp
//     (Claude API features) are refused with capability_unsupported.
//   - Errors: Anthropic error bodies from the model, google.rpc Status
//     bodies from Vertex itself (quota: RESOURCE_EXHAUSTED is rate_limited
//     and retryable; a model not enabled for the project or region:
//     FAILED_PRECONDITION or NOT_FOUND).
//
// The provider options "project" (required) and "location" (default
// "global"; Claude is also served in regions such as us-east5 and
// europe-west1) name the route; the anthropic options pass through.
package vertexanthropic

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/anthropic"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/vertex"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Version is the module's version.
const Version = "1.0.0"

// APIVersion is the anthropic_version body field Vertex requires.
const APIVersion = "vertex-2023-10-16"

// New returns the Vertex AI Anthropic adapter.
func New() guest.Adapter {
	return vertex.Adapter{Inner: anthropic.New(), Name: "vertex-anthropic", Version: Version, Publisher: "anthropic",
		InnerModel: baseModel, Finish: finish, GoogleErrors: true,
		// Vertex AI serves web search; code execution, web fetch and the
		// MCP connector are Claude API features.
		ProviderTools: []string{abi.ProviderToolWebSearch}}
}

// baseModel is the model id without its "@version".
func baseModel(model string) string {
	m, _, _ := strings.Cut(model, "@")
	return m
}

// finish routes by model and method, moves the API version into the body
// and takes the model out of it.
func finish(pr *abi.ProviderRequest, r vertex.Route, req *abi.Request) error {
	method := "rawPredict"
	if req.Stream {
		method = "streamRawPredict"
	}
	pr.Path = r.Path("anthropic", req.Model, method)
	delete(pr.Headers, "anthropic-version")
	var body map[string]json.RawMessage
	if err := json.Unmarshal(pr.Body, &body); err != nil {
		return abi.Wrap(abi.CodeInvalidRequest, err, "re-encoding the Anthropic request for Vertex")
	}
	delete(body, "model")
	body["anthropic_version"] = json.RawMessage(`"` + APIVersion + `"`)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		return abi.Wrap(abi.CodeInvalidRequest, err, "re-encoding the Anthropic request for Vertex")
	}
	pr.Body = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	return nil
}
