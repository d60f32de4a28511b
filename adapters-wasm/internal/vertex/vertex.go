// Package vertex serves a publisher's model API through Google Cloud Vertex
// AI: it wraps the adapter of that API (gemini, anthropic) and changes only
// what Vertex changes, the route, the credentials and, through a hook, the
// request body and headers. The transform, whole-response parsing and
// events are the wrapped adapter's.
//
// # Routing
//
// Vertex addresses a model as
// /v1/projects/{project}/locations/{location}/publishers/{publisher}/models/{model}:{method}.
// The provider options "project" (required) and "location" (default
// "global") name the first two; they are removed before the wrapped
// adapter sees the request. The default base URL is the global endpoint,
// https://aiplatform.googleapis.com; a regional location needs the host's
// base URL set to https://{location}-aiplatform.googleapis.com (a module
// returns paths, not hosts).
//
// # Credentials
//
// Vertex takes an OAuth2 access token (a service account's or the
// application-default credentials'), sent as a bearer token: the host
// obtains and refreshes it; the module never sees key material.
//
// # Errors
//
// Vertex's own errors (authentication, quota, routing) are google.rpc
// Status bodies, {"error":{"code","message","status"}}, whatever the
// publisher; MapError maps them by status when the wrapped adapter's
// format is a different one.
package vertex

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// BaseURL is the global Vertex AI endpoint.
const BaseURL = "https://aiplatform.googleapis.com"

// Route is where a request goes.
type Route struct {
	Project, Location string
}

// Path returns the model path of publisher's model with method
// ("generateContent", "rawPredict", ...).
func (r Route) Path(publisher, model, method string) string {
	return "/v1/projects/" + r.Project + "/locations/" + r.Location + "/publishers/" + publisher + "/models/" + model + ":" + method
}

// Adapter is a wrapped adapter served through Vertex AI.
type Adapter struct {
	// Inner is the publisher API's adapter.
	Inner guest.Adapter
	// Name and Version are the module's; Publisher is the Vertex
	// publisher ("google", "anthropic").
	Name, Version, Publisher string
	// InnerModel returns the model name the wrapped adapter is given
	// (nil: the request's model).
	InnerModel func(model string) string
	// Finish adjusts the wrapped projection for Vertex: it sets the path
	// (with r) and changes the body or headers as the publisher's Vertex
	// API wants.
	Finish func(pr *abi.ProviderRequest, r Route, req *abi.Request) error
	// GoogleErrors: the wrapped adapter does not read google.rpc Status
	// bodies, so MapError maps them itself.
	GoogleErrors bool
	// ProviderTools, when not nil, are the provider tool kinds Vertex
	// serves of those the wrapped adapter projects: capabilities list only
	// these, and a request with another one is refused
	// (capability_unsupported) before the wrapped adapter sees it.
	ProviderTools []string
}

var _ guest.Adapter = Adapter{}

// segment is what a project or location may be, modelID what a model may
// be: one path segment each.
var (
	segment = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	modelID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$`)
)

// split reads the route from req's provider options and returns a copy of
// req without them, for the wrapped adapter.
func (a Adapter) split(req *abi.Request) (Route, *abi.Request, error) {
	r := Route{Location: "global"}
	read := func(key string, dst *string) error {
		v, ok := req.ProviderOptions[key]
		if !ok {
			return nil
		}
		if json.Unmarshal(v, dst) != nil || !segment.MatchString(*dst) {
			return &abi.Error{Code: abi.CodeInvalidRequest, Pointer: "/provider_options/" + key,
				Message: fmt.Sprintf("provider option %q must be a Google Cloud %s id (lower-case letters, digits and -)", key, key)}
		}
		return nil
	}
	if err := read("project", &r.Project); err != nil {
		return r, nil, err
	}
	if err := read("location", &r.Location); err != nil {
		return r, nil, err
	}
	if r.Project == "" {
		return r, nil, &abi.Error{Code: abi.CodeInvalidRequest, Pointer: "/provider_options/project",
			Message: a.Name + " needs provider option \"project\": the Google Cloud project id"}
	}
	inner := *req
	inner.ProviderOptions = maps.Clone(req.ProviderOptions)
	delete(inner.ProviderOptions, "project")
	delete(inner.ProviderOptions, "location")
	if a.InnerModel != nil {
		inner.Model = a.InnerModel(req.Model)
	}
	return r, &inner, nil
}

// Capabilities are the wrapped adapter's for model, with the module's
// name, the Vertex endpoint and credentials and the route options.
func (a Adapter) Capabilities(model string) abi.Capabilities {
	inner := model
	if a.InnerModel != nil {
		inner = a.InnerModel(model)
	}
	c := a.Inner.Capabilities(inner)
	c.Name, c.Version, c.Model = a.Name, a.Version, model
	c.DefaultBaseURL = BaseURL
	c.Auth = abi.Auth{Scheme: abi.AuthBearer}
	// The wrapped adapter's operations speak its own endpoints, not
	// Vertex's: none is served.
	c.Operations, c.EmbedMaxBatch = nil, 0
	c.ProviderOptions = append(slices.Clone(c.ProviderOptions), "location", "project")
	slices.Sort(c.ProviderOptions)
	if a.ProviderTools != nil {
		c.ProviderTools = slices.DeleteFunc(slices.Clone(c.ProviderTools), func(k string) bool { return !slices.Contains(a.ProviderTools, k) })
	}
	return c
}

// Project projects req with the wrapped adapter and routes it to Vertex.
func (a Adapter) Project(req *abi.Request) (*abi.ProviderRequest, error) {
	if !modelID.MatchString(req.Model) {
		return nil, &abi.Error{Code: abi.CodeInvalidRequest, Pointer: "/model",
			Message: fmt.Sprintf("model %q is not a Vertex model id (letters, digits, '.', '_', '@', '-')", req.Model)}
	}
	if a.ProviderTools != nil {
		for i := range req.Tools {
			if t := &req.Tools[i]; t.IsProvider() && !slices.Contains(a.ProviderTools, t.Name) {
				return nil, &abi.Error{Code: abi.CodeCapabilityUnsupported, Pointer: fmt.Sprintf("/tools/%d/name", i),
					Message: fmt.Sprintf("%s does not serve the provider tool %q (Vertex AI serves %s): remove it or call the publisher's own API", a.Name, t.Name, strings.Join(a.ProviderTools, ", "))}
			}
		}
	}
	r, inner, err := a.split(req)
	if err != nil {
		return nil, err
	}
	pr, err := a.Inner.Project(inner)
	if err != nil {
		return nil, err
	}
	if err := a.Finish(pr, r, req); err != nil {
		return nil, err
	}
	return pr, nil
}

// Transform is the wrapped adapter's.
func (a Adapter) Transform(in *abi.TransformInput, out *guest.Output) error {
	return a.Inner.Transform(in, out)
}

// TextTemplates implements guest.TextTemplater: the publisher adapter's
// text-delta templates (its streams are the publisher's own), or none.
func (a Adapter) TextTemplates() []abi.TextTemplate {
	if tt, ok := a.Inner.(guest.TextTemplater); ok {
		return tt.TextTemplates()
	}
	return nil
}

// ParseResponse is the wrapped adapter's.
func (a Adapter) ParseResponse(in *abi.ResponseInput, out *guest.Output) error {
	return a.Inner.ParseResponse(in, out)
}

// MapError maps a google.rpc Status body itself (with GoogleErrors) and
// leaves any other body to the wrapped adapter.
func (a Adapter) MapError(in *abi.ResponseInput, out *guest.Output) error {
	if a.GoogleErrors {
		if e, ok := googleError(a.Name, int(in.Status), in.Body); ok {
			ev := abi.Event{Type: abi.EventError, Code: e.Code, Message: e.Message, Retryable: e.Retryable}
			out.Emit(&ev)
			return nil
		}
	}
	return a.Inner.MapError(in, out)
}

// statusCodes maps google.rpc status names to codes, retryable and a hint.
var statusCodes = map[string]struct {
	code      abi.Code
	retryable bool
	hint      string
}{
	"INVALID_ARGUMENT":    {abi.CodeInvalidRequest, false, "fix the request"},
	"FAILED_PRECONDITION": {abi.CodeInvalidRequest, false, "check that the model is enabled for the project and region, and billing is set up"},
	"OUT_OF_RANGE":        {abi.CodeInvalidRequest, false, "fix the request"},
	"UNAUTHENTICATED":     {abi.CodeAuthentication, false, "check the access token the host obtains (it may have expired)"},
	"PERMISSION_DENIED":   {abi.CodePermission, false, "grant the service account the Vertex AI User role on the project"},
	"NOT_FOUND":           {abi.CodeNotFound, false, "check the model name, project and location"},
	"RESOURCE_EXHAUSTED":  {abi.CodeRateLimited, true, "the project's quota is used up for now; retry after a delay"},
	"UNAVAILABLE":         {abi.CodeOverloaded, true, "retry after a delay"},
	"INTERNAL":            {abi.CodeServerError, true, "retry after a delay"},
	"DEADLINE_EXCEEDED":   {abi.CodeServerError, true, "retry after a delay"},
	"ABORTED":             {abi.CodeServerError, true, "retry after a delay"},
}

// googleError maps a google.rpc Status body, {"error":{"code","message",
// "status"}} (also inside a one-element array, as Vertex sometimes sends
// it); ok is false for any other body.
func googleError(name string, status int, body []byte) (*abi.Error, bool) {
	type rpc struct {
		Error *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Status  string `json:"status"`
		} `json:"error"`
	}
	var one rpc
	if json.Unmarshal(body, &one) != nil || one.Error == nil {
		var many []rpc
		if json.Unmarshal(body, &many) != nil || len(many) != 1 || many[0].Error == nil {
			return nil, false
		}
		one = many[0]
	}
	s, ok := statusCodes[one.Error.Status]
	if !ok || one.Error.Status == "" {
		return nil, false
	}
	msg := strings.TrimSpace(one.Error.Message)
	return &abi.Error{Code: s.code, Retryable: s.retryable, Status: status,
		Message: fmt.Sprintf("%s HTTP %d: %s (%s): %s", name, status, msg, one.Error.Status, s.hint)}, true
}
