package chatcompletions

import (
	"encoding/json"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
	"github.com/wasmadapt/wasmadapt/guest"
)

// The operations of ABI 1.3 that a dialect enables (Dialect.Embeddings,
// Dialect.Models). The adapter implements both interfaces for every
// dialect and refuses what its dialect does not enable; Capabilities
// lists only the enabled ones.
var (
	_ guest.Embedder    = (*adapter)(nil)
	_ guest.ModelLister = (*adapter)(nil)
)

func (d *Dialect) operations() []string {
	var ops []string
	if d.Models != nil {
		ops = append(ops, abi.OpModels)
	}
	if d.Embeddings != nil {
		ops = append(ops, abi.OpEmbed)
	}
	return ops
}

func (d *Dialect) embedMaxBatch() int {
	if d.Embeddings == nil {
		return 0
	}
	return d.Embeddings.MaxBatch
}

func (d *Dialect) unsupportedOp(op string) error {
	return abi.Errorf(abi.CodeCapabilityUnsupported, "module %s does not serve the %s operation", d.Name, op)
}

// ProjectEmbed implements guest.Embedder.
func (a *adapter) ProjectEmbed(req *abi.EmbedRequest) (*abi.ProviderRequest, error) {
	e := a.d.Embeddings
	if e == nil {
		return nil, a.d.unsupportedOp(abi.OpEmbed)
	}
	if req.Model == "" {
		return nil, guest.Invalid("/model", "embed request has no model")
	}
	if len(req.Inputs) == 0 {
		return nil, guest.Invalid("/inputs", "embed request has no inputs")
	}
	body := map[string]any{"model": req.Model, "input": req.Inputs}
	if req.Dimensions > 0 {
		f := e.DimensionsField
		if f == "" {
			f = "dimensions"
		}
		body[f] = req.Dimensions
	}
	switch req.Encoding {
	case "":
	case abi.EncodingFloat, abi.EncodingBase64:
		body["encoding_format"] = req.Encoding
	default:
		return nil, guest.Invalid("/encoding", "encoding %q: want float or base64", req.Encoding)
	}
	if req.InputType != "" {
		if e.InputType == "" {
			return nil, guest.Unsupported("/input_type", "%s takes no input_type: remove it", a.d.Provider)
		}
		body[e.InputType] = req.InputType
	}
	path, query := "/v1/embeddings", map[string]string(nil)
	if e.Route != nil {
		var err error
		if path, query, err = e.Route(req.Model); err != nil {
			return nil, err
		}
	}
	pr, err := opkit.Post(path, nil, body)
	if err != nil {
		return nil, err
	}
	pr.Query = query
	return pr, nil
}

// ParseEmbed implements guest.Embedder: the vectors are placed by their
// index, so an answer in any order gives them in input order.
func (a *adapter) ParseEmbed(req *abi.EmbedRequest, in *abi.ResponseInput) (*abi.EmbedResult, error) {
	var b struct {
		Data []struct {
			Index     int        `json:"index"`
			Embedding abi.Vector `json:"embedding"`
		} `json:"data"`
		Usage struct {
			PromptTokens int `json:"prompt_tokens"`
			TotalTokens  int `json:"total_tokens"`
		} `json:"usage"`
	}
	if err := opkit.Decode(in, "embeddings", &b); err != nil {
		return nil, err
	}
	out := &abi.EmbedResult{Embeddings: make([]abi.Vector, len(req.Inputs)), Usage: opkit.EmbedUsage(b.Usage.PromptTokens, b.Usage.TotalTokens)}
	for _, d := range b.Data {
		if d.Index < 0 || d.Index >= len(out.Embeddings) || out.Embeddings[d.Index] != nil {
			return nil, abi.Errorf(abi.CodeServerError, "the embeddings answer has index %d twice or out of range for %d inputs", d.Index, len(req.Inputs))
		}
		out.Embeddings[d.Index] = d.Embedding
	}
	for i, v := range out.Embeddings {
		if v == nil {
			return nil, abi.Errorf(abi.CodeServerError, "the embeddings answer has no vector for input %d", i)
		}
	}
	return out, nil
}

// ProjectModels implements guest.ModelLister.
func (a *adapter) ProjectModels(req *abi.ModelsRequest) (*abi.ProviderRequest, error) {
	m := a.d.Models
	if m == nil {
		return nil, a.d.unsupportedOp(abi.OpModels)
	}
	if req.Model != "" || req.Page != "" {
		return nil, guest.Invalid("/page", "the %s model list is one page with every model's entry", a.d.Provider)
	}
	path := m.Path
	if path == "" {
		path = "/v1/models"
	}
	return opkit.Get(path, nil, nil), nil
}

// ParseModels implements guest.ModelLister.
func (a *adapter) ParseModels(_ *abi.ModelsRequest, in *abi.ResponseInput) (*abi.ModelsResult, error) {
	var b struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := opkit.Decode(in, "models", &b); err != nil {
		return nil, err
	}
	out := &abi.ModelsResult{Models: make([]abi.ModelInfo, 0, len(b.Data))}
	for _, raw := range b.Data {
		var e struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}
		if err := json.Unmarshal(raw, &e); err != nil || e.ID == "" {
			return nil, abi.Errorf(abi.CodeServerError, "a %s model entry has no id", a.d.Provider)
		}
		c := a.Capabilities(e.ID)
		if a.d.Models.Info != nil {
			if err := a.d.Models.Info(raw, &c); err != nil {
				return nil, err
			}
		}
		out.Models = append(out.Models, abi.ModelInfo{ID: e.ID, DisplayName: e.Name, Capabilities: &c})
	}
	return out, nil
}
