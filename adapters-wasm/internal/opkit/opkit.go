// Package opkit holds what the adapters' operations (ABI 1.3: models,
// embed, count_tokens) share: building plain JSON requests, reading a
// provider's JSON answer, the discovered capabilities of a listed model,
// and the documented limits of the models an adapter knows.
package opkit

import (
	"encoding/json"

	"github.com/wasmadapt/wasmadapt/abi"
)

// Get is a GET request for a whole JSON answer.
func Get(path string, query, headers map[string]string) *abi.ProviderRequest {
	return &abi.ProviderRequest{Method: "GET", Path: path, Query: query, Headers: headers, StreamFraming: abi.FramingNone}
}

// Post is a POST of body (encoded as JSON) for a whole JSON answer.
func Post(path string, headers map[string]string, body any) (*abi.ProviderRequest, error) {
	return post(path, headers, body, "the request body")
}

// PostJSON is a POST of body (encoded as JSON) with its content-type
// header, for a whole answer; what names the body in an encoding error
// ("encoding <what>"). A chat call sets its stream framing on the result.
func PostJSON(path string, body any, what string) (*abi.ProviderRequest, error) {
	return post(path, map[string]string{"content-type": "application/json"}, body, what)
}

func post(path string, headers map[string]string, body any, what string) (*abi.ProviderRequest, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, abi.Wrap(abi.CodeInvalidRequest, err, "encoding "+what)
	}
	return &abi.ProviderRequest{Method: "POST", Path: path, Headers: headers, Body: b, StreamFraming: abi.FramingNone}, nil
}

// Decode reads the provider's JSON answer into v; an answer that is not
// that shape is server_error naming what, since a retry cannot fix it.
func Decode(in *abi.ResponseInput, what string, v any) error {
	if err := json.Unmarshal(in.Body, v); err != nil {
		return abi.Errorf(abi.CodeServerError, "the provider's %s answer is not the documented JSON (HTTP %d): %v", what, in.Status, err)
	}
	return nil
}

// Discovered returns base (the module's own capabilities for the model)
// marked as coming from the provider's model list, with details that the
// caller fills from it.
func Discovered(base abi.Capabilities) *abi.Capabilities {
	c := base
	c.Features.Source = abi.SourceDiscovered
	if c.Details != nil {
		d := *c.Details
		c.Details = &d
	} else {
		c.Details = &abi.ModelDetails{}
	}
	return &c
}

// Modalities returns the input modalities: text, then image, PDF and
// audio where the model reads them.
func Modalities(image, pdf, audio bool) []string {
	out := []string{abi.ModalityText}
	if image {
		out = append(out, abi.ModalityImage)
	}
	if pdf {
		out = append(out, abi.ModalityPDF)
	}
	if audio {
		out = append(out, abi.ModalityAudio)
	}
	return out
}

// EmbedUsage is an embed call's usage; total is used when prompt is
// absent.
func EmbedUsage(prompt, total int) abi.EmbedUsage {
	if prompt == 0 {
		prompt = total
	}
	return abi.EmbedUsage{InputTokens: prompt}
}

// DecodeEntry reads one raw entry of a provider's model list into v.
func DecodeEntry(entry []byte, provider string, v any) error {
	if err := json.Unmarshal(entry, v); err != nil {
		return abi.Errorf(abi.CodeServerError, "a %s model entry is not the documented JSON: %v", provider, err)
	}
	return nil
}

// Models reads a models answer: the resource of one model (type M) when
// req names one, else a page (type P) whose entries and next-page token
// page returns. info turns an entry into its ModelInfo.
func Models[M, P any](in *abi.ResponseInput, req *abi.ModelsRequest, info func(*M) abi.ModelInfo, page func(*P) ([]M, string)) (*abi.ModelsResult, error) {
	if req.Model != "" {
		var m M
		if err := Decode(in, "model", &m); err != nil {
			return nil, err
		}
		return &abi.ModelsResult{Models: []abi.ModelInfo{info(&m)}}, nil
	}
	var p P
	if err := Decode(in, "models", &p); err != nil {
		return nil, err
	}
	entries, next := page(&p)
	out := &abi.ModelsResult{Models: make([]abi.ModelInfo, 0, len(entries)), NextPage: next}
	for i := range entries {
		out.Models = append(out.Models, info(&entries[i]))
	}
	return out, nil
}

// ProjectedBody projects req as a whole (non-streamed) chat request with
// project and returns the projection with its body's members, for an
// operation that sends (part of) the chat body elsewhere, such as token
// counting.
func ProjectedBody(project func(*abi.Request) (*abi.ProviderRequest, error), req *abi.Request) (*abi.ProviderRequest, map[string]json.RawMessage, error) {
	r := *req
	r.Stream = false
	pr, err := project(&r)
	if err != nil {
		return nil, nil, err
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(pr.Body, &body); err != nil {
		return nil, nil, abi.Wrap(abi.CodeInvalidRequest, err, "re-reading the projected request")
	}
	return pr, body, nil
}

// CountRequest is a token-counting request to path: the members fields of
// req's whole chat projection (with its headers).
func CountRequest(project func(*abi.Request) (*abi.ProviderRequest, error), req *abi.Request, path string, fields []string) (*abi.ProviderRequest, error) {
	pr, all, err := ProjectedBody(project, req)
	if err != nil {
		return nil, err
	}
	keep := make(map[string]json.RawMessage, len(fields))
	for _, k := range fields {
		if v, ok := all[k]; ok {
			keep[k] = v
		}
	}
	return Post(path, pr.Headers, keep)
}

// InputTokens reads an answer {"input_tokens": n}.
func InputTokens(in *abi.ResponseInput, what string) (*abi.CountTokensResult, error) {
	var r struct {
		InputTokens *int `json:"input_tokens"`
	}
	if err := Decode(in, what, &r); err != nil {
		return nil, err
	}
	if r.InputTokens == nil {
		return nil, abi.Errorf(abi.CodeServerError, "the %s answer has no input_tokens", what)
	}
	return &abi.CountTokensResult{InputTokens: *r.InputTokens}, nil
}
