package toy

import (
	"encoding/json"
	"net/url"
	"sort"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// OpsAdapter is the toy adapter with the operations of ABI 1.3, on the
// toy wire format:
//
//	GET  /v1/toy/models?page=P  -> {"models":[{"id","ctx","incomplete"}],"next"}
//	GET  /v1/toy/models/ID      -> {"id","ctx"}
//	POST /v1/toy/embed {"model","input":[...],"format","dims"}
//	                            -> {"data":[{"index","vec"|"b64"}],"tokens"}
//	POST /v1/toy/count {"model","n_messages"} -> {"n"}
//
// Its embed batch is 2 inputs; errors are mapped as the chat's.
type OpsAdapter struct{ Adapter }

var (
	_ guest.ModelLister  = OpsAdapter{}
	_ guest.Embedder     = OpsAdapter{}
	_ guest.TokenCounter = OpsAdapter{}
)

// Capabilities implements guest.Adapter: the toy's, with its operations.
func (a OpsAdapter) Capabilities(model string) abi.Capabilities {
	c := a.Adapter.Capabilities(model)
	c.Operations = guest.OpsOf(a)
	c.EmbedMaxBatch = 2
	return c
}

func get(path string) *abi.ProviderRequest {
	return &abi.ProviderRequest{Method: "GET", Path: path, StreamFraming: abi.FramingNone}
}

func post(path string, body any) (*abi.ProviderRequest, error) {
	b, err := json.Marshal(body)
	return &abi.ProviderRequest{Method: "POST", Path: path, Body: b, StreamFraming: abi.FramingNone}, err
}

// ProjectModels implements guest.ModelLister.
func (OpsAdapter) ProjectModels(req *abi.ModelsRequest) (*abi.ProviderRequest, error) {
	if req.Model != "" {
		return get("/v1/toy/models/" + url.PathEscape(req.Model)), nil
	}
	pr := get("/v1/toy/models")
	if req.Page != "" {
		pr.Query = map[string]string{"page": req.Page}
	}
	return pr, nil
}

type wireModel struct {
	ID         string `json:"id"`
	Ctx        int    `json:"ctx"`
	Incomplete bool   `json:"incomplete"`
}

func (a OpsAdapter) info(m wireModel) abi.ModelInfo {
	if m.Incomplete {
		return abi.ModelInfo{ID: m.ID, Incomplete: true}
	}
	c := a.Capabilities(m.ID)
	c.Features.Source = abi.SourceDiscovered
	c.Details = &abi.ModelDetails{ContextWindow: m.Ctx, InputModalities: []string{abi.ModalityText}}
	return abi.ModelInfo{ID: m.ID, Capabilities: &c}
}

// ParseModels implements guest.ModelLister.
func (a OpsAdapter) ParseModels(req *abi.ModelsRequest, in *abi.ResponseInput) (*abi.ModelsResult, error) {
	if req.Model != "" {
		var m wireModel
		if err := json.Unmarshal(in.Body, &m); err != nil {
			return nil, abi.Errorf(abi.CodeServerError, "toy model: %v", err)
		}
		return &abi.ModelsResult{Models: []abi.ModelInfo{a.info(m)}}, nil
	}
	var b struct {
		Models []wireModel `json:"models"`
		Next   string      `json:"next"`
	}
	if err := json.Unmarshal(in.Body, &b); err != nil {
		return nil, abi.Errorf(abi.CodeServerError, "toy models: %v", err)
	}
	out := &abi.ModelsResult{Models: []abi.ModelInfo{}, NextPage: b.Next}
	for _, m := range b.Models {
		out.Models = append(out.Models, a.info(m))
	}
	return out, nil
}

// ProjectEmbed implements guest.Embedder.
func (OpsAdapter) ProjectEmbed(req *abi.EmbedRequest) (*abi.ProviderRequest, error) {
	return post("/v1/toy/embed", map[string]any{"model": req.Model, "input": req.Inputs, "format": req.Encoding, "dims": req.Dimensions})
}

// ParseEmbed implements guest.Embedder: the answer's entries may come in
// any order; their index places them.
func (OpsAdapter) ParseEmbed(req *abi.EmbedRequest, in *abi.ResponseInput) (*abi.EmbedResult, error) {
	var b struct {
		Data []struct {
			Index int             `json:"index"`
			Vec   json.RawMessage `json:"vec"`
			B64   json.RawMessage `json:"b64"`
		} `json:"data"`
		Tokens int `json:"tokens"`
	}
	if err := json.Unmarshal(in.Body, &b); err != nil {
		return nil, abi.Errorf(abi.CodeServerError, "toy embed: %v", err)
	}
	sort.SliceStable(b.Data, func(i, j int) bool { return b.Data[i].Index < b.Data[j].Index })
	out := &abi.EmbedResult{Usage: abi.EmbedUsage{InputTokens: b.Tokens}}
	for _, d := range b.Data {
		raw := d.Vec
		if raw == nil {
			raw = d.B64
		}
		var v abi.Vector
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, abi.Errorf(abi.CodeServerError, "toy embed vector %d: %v", d.Index, err)
		}
		out.Embeddings = append(out.Embeddings, v)
	}
	return out, nil
}

// ProjectCountTokens implements guest.TokenCounter.
func (OpsAdapter) ProjectCountTokens(req *abi.Request) (*abi.ProviderRequest, error) {
	return post("/v1/toy/count", map[string]any{"model": req.Model, "n_messages": len(req.Messages)})
}

// ParseCountTokens implements guest.TokenCounter.
func (OpsAdapter) ParseCountTokens(_ *abi.Request, in *abi.ResponseInput) (*abi.CountTokensResult, error) {
	var b struct {
		N int `json:"n"`
	}
	if err := json.Unmarshal(in.Body, &b); err != nil {
		return nil, abi.Errorf(abi.CodeServerError, "toy count: %v", err)
	}
	return &abi.CountTokensResult{InputTokens: b.N}, nil
}
