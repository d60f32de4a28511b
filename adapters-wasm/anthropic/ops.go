package anthropic

import (
	"net/url"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Operations (ABI 1.3): the model list (GET /v1/models, paged with
// after_id) and token counting (POST /v1/messages/count_tokens).
var (
	_ guest.ModelLister  = Adapter{}
	_ guest.TokenCounter = Adapter{}
)

// modelsPageSize is the limit asked per page (the API's maximum).
const modelsPageSize = "1000"

// ProjectModels implements guest.ModelLister.
func (Adapter) ProjectModels(req *abi.ModelsRequest) (*abi.ProviderRequest, error) {
	h := map[string]string{"anthropic-version": APIVersion}
	if req.Model != "" {
		return opkit.Get("/v1/models/"+url.PathEscape(req.Model), nil, h), nil
	}
	q := map[string]string{"limit": modelsPageSize}
	if req.Page != "" {
		q["after_id"] = req.Page
	}
	return opkit.Get("/v1/models", q, h), nil
}

// wireSupported is one capability of a model's capabilities object.
type wireSupported struct {
	Supported bool `json:"supported"`
}

// wireModel is one model of GET /v1/models.
type wireModel struct {
	ID             string `json:"id"`
	DisplayName    string `json:"display_name"`
	MaxInputTokens int    `json:"max_input_tokens"`
	MaxTokens      int    `json:"max_tokens"`
	Capabilities   *struct {
		ImageInput        *wireSupported `json:"image_input"`
		PDFInput          *wireSupported `json:"pdf_input"`
		Thinking          *wireSupported `json:"thinking"`
		StructuredOutputs *wireSupported `json:"structured_outputs"`
	} `json:"capabilities"`
}

func supported(s *wireSupported, def bool) bool {
	if s == nil {
		return def
	}
	return s.Supported
}

// info turns one listed model into its entry, its capabilities those of
// the model table overridden by what the provider states.
func (a Adapter) info(m *wireModel) abi.ModelInfo {
	c := opkit.Discovered(a.Capabilities(m.ID))
	// Every model the Messages API lists takes tools, whether or not
	// the table knows it.
	c.Features.ToolCalling, c.Features.ParallelToolCalls = abi.SupportNative, true
	if m.MaxInputTokens > 0 {
		c.Details.ContextWindow = m.MaxInputTokens
	}
	if m.MaxTokens > 0 {
		c.Details.MaxOutputTokens = m.MaxTokens
	}
	if wc := m.Capabilities; wc != nil {
		c.Features.Vision = supported(wc.ImageInput, c.Features.Vision)
		c.Features.Reasoning = supported(wc.Thinking, c.Features.Reasoning)
		c.Details.InputModalities = opkit.Modalities(c.Features.Vision, supported(wc.PDFInput, c.Features.Vision), false)
		if supported(wc.StructuredOutputs, false) {
			c.Features.StructuredOutput = abi.SupportNative
		}
	}
	return abi.ModelInfo{ID: m.ID, DisplayName: m.DisplayName, Capabilities: c}
}

// modelsPage is one page of GET /v1/models.
type modelsPage struct {
	Data    []wireModel `json:"data"`
	HasMore bool        `json:"has_more"`
	LastID  string      `json:"last_id"`
}

// ParseModels implements guest.ModelLister.
func (a Adapter) ParseModels(req *abi.ModelsRequest, in *abi.ResponseInput) (*abi.ModelsResult, error) {
	return opkit.Models(in, req, a.info, func(p *modelsPage) ([]wireModel, string) {
		if p.HasMore {
			return p.Data, p.LastID
		}
		return p.Data, ""
	})
}

// countTokensFields are the members of a Messages request that
// /v1/messages/count_tokens takes.
var countTokensFields = []string{"model", "system", "messages", "tools", "tool_choice", "thinking"}

// ProjectCountTokens implements guest.TokenCounter: the request is
// projected as for Messages, and the members count_tokens takes are kept.
func (a Adapter) ProjectCountTokens(req *abi.Request) (*abi.ProviderRequest, error) {
	return opkit.CountRequest(a.Project, req, "/v1/messages/count_tokens", countTokensFields)
}

// ParseCountTokens implements guest.TokenCounter.
func (Adapter) ParseCountTokens(_ *abi.Request, in *abi.ResponseInput) (*abi.CountTokensResult, error) {
	return opkit.InputTokens(in, "count_tokens")
}
