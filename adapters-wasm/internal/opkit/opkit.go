// Package opkit holds what the adapters' operations (ABI 1.3: models,
// embed, count_tokens) share: building plain JSON requests, reading a
// provider's JSON answer, and the discovered capabilities of a listed
// model.
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
	b, err := json.Marshal(body)
	if err != nil {
		return nil, abi.Wrap(abi.CodeInvalidRequest, err, "encoding the request body")
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
