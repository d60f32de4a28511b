package ollama

import (
	"encoding/json"
	"slices"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Operations (ABI 1.3): the model list (GET /api/tags, whose entries lack
// capabilities, each completed with POST /api/show) and embeddings (POST
// /api/embed).
var (
	_ guest.ModelLister = Adapter{}
	_ guest.Embedder    = Adapter{}
)

// embedMaxBatch is the most inputs of one /api/embed call (a local
// server has no documented limit; this keeps results well under the cap).
const embedMaxBatch = 256

// ProjectModels implements guest.ModelLister: the list, or one model's
// details.
func (Adapter) ProjectModels(req *abi.ModelsRequest) (*abi.ProviderRequest, error) {
	if req.Model != "" {
		return opkit.Post("/api/show", nil, map[string]string{"model": req.Model})
	}
	if req.Page != "" {
		return nil, guest.Invalid("/page", "the Ollama model list is one page")
	}
	return opkit.Get("/api/tags", nil, nil), nil
}

// ParseModels implements guest.ModelLister. /api/tags gives names only
// (entries are incomplete); /api/show gives the capabilities list and the
// architecture's context length.
func (a Adapter) ParseModels(req *abi.ModelsRequest, in *abi.ResponseInput) (*abi.ModelsResult, error) {
	if req.Model == "" {
		var tags struct {
			Models []struct {
				Name string `json:"name"`
			} `json:"models"`
		}
		if err := opkit.Decode(in, "tags", &tags); err != nil {
			return nil, err
		}
		out := &abi.ModelsResult{Models: make([]abi.ModelInfo, 0, len(tags.Models))}
		for _, m := range tags.Models {
			out.Models = append(out.Models, abi.ModelInfo{ID: m.Name, Incomplete: true})
		}
		return out, nil
	}
	var show struct {
		Capabilities []string                   `json:"capabilities"`
		ModelInfo    map[string]json.RawMessage `json:"model_info"`
	}
	if err := opkit.Decode(in, "show", &show); err != nil {
		return nil, err
	}
	has := func(c string) bool { return slices.Contains(show.Capabilities, c) }
	c := opkit.Discovered(a.Capabilities(req.Model))
	if has("completion") {
		c.Features.ToolCalling, c.Features.ParallelToolCalls = abi.SupportNone, false
		if has("tools") {
			c.Features.ToolCalling, c.Features.ParallelToolCalls = abi.SupportNative, true
		}
		c.Features.Vision = has("vision")
		c.Features.Reasoning = has("thinking")
	} else {
		// An embedding model.
		c.Features = abi.Features{Source: abi.SourceDiscovered, ToolCalling: abi.SupportNone, StructuredOutput: abi.SupportNone}
	}
	var arch string
	_ = json.Unmarshal(show.ModelInfo["general.architecture"], &arch)
	var ctxLen int
	if arch != "" && json.Unmarshal(show.ModelInfo[arch+".context_length"], &ctxLen) == nil && ctxLen > 0 {
		c.Details.ContextWindow = ctxLen
	}
	c.Details.InputModalities = opkit.Modalities(has("vision"), false, false)
	return &abi.ModelsResult{Models: []abi.ModelInfo{{ID: req.Model, Capabilities: c}}}, nil
}

// ProjectEmbed implements guest.Embedder. Ollama answers numbers only
// and takes no input type.
func (Adapter) ProjectEmbed(req *abi.EmbedRequest) (*abi.ProviderRequest, error) {
	if req.Model == "" {
		return nil, guest.Invalid("/model", "embed request has no model")
	}
	if req.InputType != "" {
		return nil, guest.Unsupported("/input_type", "Ollama takes no input_type: remove it")
	}
	body := map[string]any{"model": req.Model, "input": req.Inputs}
	if req.Dimensions > 0 {
		body["dimensions"] = req.Dimensions
	}
	return opkit.Post("/api/embed", nil, body)
}

// ParseEmbed implements guest.Embedder.
func (Adapter) ParseEmbed(_ *abi.EmbedRequest, in *abi.ResponseInput) (*abi.EmbedResult, error) {
	var b struct {
		Embeddings      []abi.Vector `json:"embeddings"`
		PromptEvalCount int          `json:"prompt_eval_count"`
	}
	if err := opkit.Decode(in, "embed", &b); err != nil {
		return nil, err
	}
	return &abi.EmbedResult{Embeddings: b.Embeddings, Usage: abi.EmbedUsage{InputTokens: b.PromptEvalCount}}, nil
}
