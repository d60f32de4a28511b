// Package azureopenai is the wasmadapt adapter for Azure OpenAI Chat
// Completions: the Azure dialect of package chatcompletions (which
// documents the projection, the events and their order) with Azure's
// endpoint routing, auth and content filtering.
//
// # Routing
//
// Azure resources have no shared base URL: the capabilities declare none,
// so the host must be configured with the resource's base URL
// (Provider.BaseURL, e.g. https://my-resource.openai.azure.com). Two API
// surfaces are served, chosen by provider_options.api_surface:
//
//   - "deployments" (the default): POST
//     /openai/deployments/{deployment}/chat/completions?api-version=V, where
//     the deployment is provider_options.deployment or, when absent, the
//     request's model (path-escaped), and V is provider_options.api_version
//     or DefaultAPIVersion. The body keeps "model" (Azure ignores it on this
//     surface).
//   - "v1": POST /openai/v1/chat/completions (the version-less surface
//     Azure introduced in August 2025) with the deployment name as the
//     body's "model"; api-version is sent only when
//     provider_options.api_version sets it (e.g. "preview").
//
// # Auth
//
// The host sends the key in the "api-key" header. Microsoft Entra ID
// access tokens go in "Authorization: Bearer" instead: the module declares
// the key scheme, and the host sends a credential marked as an OAuth2
// token (host.AzureEntraFromEnv, host.AzureClientCredentials) as a bearer
// token in its place.
//
// # Streams and content filtering
//
// Azure streams may open with a chunk whose choices are empty and whose id,
// model and object are "" that carries only prompt_filter_results: it emits
// nothing. response-start is emitted at the first chunk with a non-empty
// id (or with choices), so it carries the real completion id and model, as
// the next chunk brings them. content_filter_results on choices are read
// by Azure's filter, not by the caller: they emit nothing; a response the
// filter cut short ends with finish_reason "content_filter", mapped to the
// finish reason content-filter. A request or response the filter blocked
// comes back as HTTP 400 with code "content_filter" (and innererror code
// "ResponsibleAIPolicyViolation"), mapped to the error code content_filter
// (not retryable: rephrase the request). Asynchronous-filter annotations
// (content_filter_offsets) emit nothing either.
//
// # Reasoning of non-OpenAI models
//
// Azure AI Foundry also serves reasoning models of other vendors through
// this API (DeepSeek-R1, MAI-DS-R1, DeepSeek-V3.1 ...); they stream their
// reasoning as reasoning_content (deltas in streams, a message field in
// whole responses), which becomes reasoning-delta events. In the history,
// reasoning parts this module produced (Part.Provider "azure-openai") are
// sent back as reasoning_content on assistant turns that made tool calls,
// when the deployment is a DeepSeek reasoning model (as the deepseek
// module does: DeepSeek's thinking mode requires it there); other turns,
// other models and other providers' reasoning carry none.
//
// # Models
//
// A deployment's name is chosen by its owner; capabilities and per-model
// rules follow the OpenAI model the name starts with (gpt-4o, o3-mini,
// gpt-5, ...), as package openai knows them, and an unknown name gets the
// features of a current chat model. Reasoning models (o-series, gpt-5) take
// max_completion_tokens and reasoning_effort and refuse temperature and
// top_p with capability_unsupported.
//
// Provider options: api_surface, api_version, deployment (above), and
// frequency_penalty, logit_bias, logprobs, metadata, parallel_tool_calls,
// presence_penalty, seed, store, top_logprobs, user, copied to the body
// after a type check. Any other key is refused with invalid_request.
package azureopenai

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/deepseek"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/openai"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// Version is the module's version.
const Version = "1.0.0"

// DefaultAPIVersion is the api-version of the deployments surface when
// provider_options.api_version does not set one: the latest generally
// available data-plane inference version (it has max_completion_tokens,
// structured outputs and stream_options.include_usage). reasoning_effort
// came with later preview versions: requests with reasoning.effort need
// provider_options.api_version "2024-12-01-preview" or later, or
// api_surface "v1".
const DefaultAPIVersion = "2024-10-21"

// The values of provider_options.api_surface.
const (
	SurfaceDeployments = "deployments"
	SurfaceV1          = "v1"
)

// stringOption validates that a provider option is a non-empty string
// (allowed, when non-nil, lists the values it may take); it changes
// nothing in the body: Route and Extend read it.
func stringOption(key string, allowed ...string) chatcompletions.Option {
	return chatcompletions.Option{Key: key, Apply: func(v json.RawMessage, _ *chatcompletions.Body) error {
		var s string
		if err := json.Unmarshal(v, &s); err != nil || s == "" {
			return fmt.Errorf("provider option %q must be a non-empty string", key)
		}
		if len(allowed) > 0 {
			for _, a := range allowed {
				if s == a {
					return nil
				}
			}
			return fmt.Errorf("provider option %q is %q: use one of %s", key, s, strings.Join(allowed, ", "))
		}
		return nil
	}}
}

// Deployment returns the deployment a request is routed to:
// provider_options.deployment, else the model.
func Deployment(req *abi.Request) string {
	if d := chatcompletions.StringOption(req, "deployment"); d != "" {
		return d
	}
	return req.Model
}

// Route returns the path and query of a request (see the package doc).
func Route(req *abi.Request) (string, map[string]string, error) {
	version := chatcompletions.StringOption(req, "api_version")
	if chatcompletions.StringOption(req, "api_surface") == SurfaceV1 {
		if version == "" {
			return "/openai/v1/chat/completions", nil, nil
		}
		return "/openai/v1/chat/completions", map[string]string{"api-version": version}, nil
	}
	if version == "" {
		version = DefaultAPIVersion
	}
	dep := Deployment(req)
	if dep == "" {
		return "", nil, &abi.Error{Code: abi.CodeInvalidRequest, Pointer: "/model",
			Message: "azure-openai routes by deployment: set model (or provider_options.deployment) to the deployment name"}
	}
	return "/openai/deployments/" + url.PathEscape(dep) + "/chat/completions", map[string]string{"api-version": version}, nil
}

// embedRoute is the embeddings path of a deployment (model names the
// deployment), at the default API version.
func embedRoute(model string) (string, map[string]string, error) {
	return "/openai/deployments/" + url.PathEscape(model) + "/embeddings", map[string]string{"api-version": DefaultAPIVersion}, nil
}

// Dialect returns the Azure OpenAI dialect of Chat Completions.
func Dialect() *chatcompletions.Dialect {
	return &chatcompletions.Dialect{
		Name:                 "azure-openai",
		Version:              Version,
		Provider:             "azure-openai",
		Auth:                 abi.Auth{Scheme: abi.AuthHeader, Name: "api-key"},
		StateFormat:          chatcompletions.StateFormat,
		MaxTokensField:       "max_completion_tokens",
		ReasoningEffortField: "reasoning_effort",
		StreamUsage:          true,
		ReasoningFields:      []string{"reasoning_content"},
		EchoReasoning:        true,
		ReasoningMode:        EchoesReasoning,
		Options: append([]chatcompletions.Option{
			stringOption("api_surface", SurfaceDeployments, SurfaceV1),
			stringOption("api_version"),
			stringOption("deployment"),
		}, chatcompletions.Pass("frequency_penalty", "logit_bias", "logprobs", "metadata", "parallel_tool_calls",
			"presence_penalty", "seed", "store", "top_logprobs", "user")...),
		Model:      openai.Model,
		Embeddings: &chatcompletions.Embeddings{MaxBatch: 256, Route: embedRoute},
		Route:      Route,
		Extend: func(req *abi.Request, body *chatcompletions.Body) error {
			if chatcompletions.StringOption(req, "api_surface") == SurfaceV1 {
				b, _ := json.Marshal(Deployment(req))
				body.SetRaw("model", b)
			}
			return nil
		},
		Error: mapError,
	}
}

// EchoesReasoning reports whether a request's assistant tool-call turns
// carry their reasoning back as reasoning_content: when the deployment (or
// the model name) is a DeepSeek reasoning model.
func EchoesReasoning(req *abi.Request) bool {
	return deepseek.IsReasoningModel(Deployment(req)) || deepseek.IsReasoningModel(req.Model)
}

// New returns the Azure OpenAI adapter.
func New() guest.Adapter { return chatcompletions.New(Dialect()) }

// mapError adds Azure's content-filter signals to the OpenAI mapping: an
// innererror with code ResponsibleAIPolicyViolation (or a
// content_filter_result) is content_filter whatever the outer code says,
// and Azure's DeploymentNotFound gets a hint about the deployment name.
func mapError(info *chatcompletions.ErrorInfo, e *abi.Error) {
	inner := innerCode(info.Body)
	switch {
	case inner == "ResponsibleAIPolicyViolation" || info.Code == "content_filter" || info.Code == "ResponsibleAIPolicyViolation":
		if e.Code != abi.CodeContentFilter {
			e.Code = abi.CodeContentFilter
			e.Message += ": Azure's content filter blocked it; rephrase the request"
		}
		e.Retryable = false
	case info.Code == "DeploymentNotFound":
		e.Message += " (the deployment name is the request's model or provider_options.deployment)"
	}
}

// innerCode reads error.innererror.code (with jsonx: the error path of a
// stream runs inside Transform).
func innerCode(body []byte) string {
	e, ok, _ := jsonx.Lookup(body, "error")
	if !ok || jsonx.KindOf(e) != jsonx.KindObject {
		return ""
	}
	in, ok, _ := jsonx.Lookup(e, "innererror")
	if !ok || jsonx.KindOf(in) != jsonx.KindObject {
		return ""
	}
	c, ok, _ := jsonx.Lookup(in, "code")
	if !ok {
		return ""
	}
	raw, err := jsonx.Str(c)
	if err != nil {
		return ""
	}
	return string(raw)
}
