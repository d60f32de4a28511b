package gemini

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Operations (ABI 1.3): the model list (GET /v1beta/models, paged with
// pageToken; GET /v1beta/models/{model}), embeddings (POST
// :batchEmbedContents) and token counting (POST :countTokens).
var (
	_ guest.ModelLister  = Adapter{}
	_ guest.Embedder     = Adapter{}
	_ guest.TokenCounter = Adapter{}
)

// embedMaxBatch is the most requests of one batchEmbedContents call.
const embedMaxBatch = 100

// opModel checks and strips a model name for a path.
func opModel(name string) (string, error) {
	model := strings.TrimPrefix(name, "models/")
	if !validModel(model) {
		return "", invalid("/model", "model %q is not a Gemini model name (letters, digits, '.', '-', '_')", name)
	}
	return model, nil
}

// ProjectModels implements guest.ModelLister.
func (Adapter) ProjectModels(req *abi.ModelsRequest) (*abi.ProviderRequest, error) {
	if req.Model != "" {
		model, err := opModel(req.Model)
		if err != nil {
			return nil, err
		}
		return opkit.Get("/v1beta/models/"+model, nil, nil), nil
	}
	q := map[string]string{"pageSize": "1000"}
	if req.Page != "" {
		q["pageToken"] = req.Page
	}
	return opkit.Get("/v1beta/models", q, nil), nil
}

// wireModel is one Model resource.
type wireModel struct {
	Name                       string   `json:"name"`
	DisplayName                string   `json:"displayName"`
	InputTokenLimit            int      `json:"inputTokenLimit"`
	OutputTokenLimit           int      `json:"outputTokenLimit"`
	SupportedGenerationMethods []string `json:"supportedGenerationMethods"`
	Thinking                   bool     `json:"thinking"`
}

func (a Adapter) info(m *wireModel) abi.ModelInfo {
	id := strings.TrimPrefix(m.Name, "models/")
	c := opkit.Discovered(a.Capabilities(id))
	if !slices.Contains(m.SupportedGenerationMethods, "generateContent") {
		// An embedding or other non-chat model.
		c.Features = abi.Features{Source: abi.SourceDiscovered, ToolCalling: abi.SupportNone, StructuredOutput: abi.SupportNone}
		c.ProviderTools = nil
	} else {
		c.Features.Reasoning = m.Thinking
	}
	if m.InputTokenLimit > 0 {
		c.Details.ContextWindow = m.InputTokenLimit
	}
	if m.OutputTokenLimit > 0 {
		c.Details.MaxOutputTokens = m.OutputTokenLimit
	}
	if !m.Thinking {
		c.Details.Reasoning = nil
	}
	return abi.ModelInfo{ID: id, DisplayName: m.DisplayName, Capabilities: c}
}

// modelsPage is one page of GET /v1beta/models.
type modelsPage struct {
	Models        []wireModel `json:"models"`
	NextPageToken string      `json:"nextPageToken"`
}

// ParseModels implements guest.ModelLister.
func (a Adapter) ParseModels(req *abi.ModelsRequest, in *abi.ResponseInput) (*abi.ModelsResult, error) {
	return opkit.Models(in, req, a.info, func(p *modelsPage) ([]wireModel, string) { return p.Models, p.NextPageToken })
}

// ProjectEmbed implements guest.Embedder. Gemini answers numbers only, so
// either encoding gets numbers; input_type is the taskType
// (RETRIEVAL_QUERY, RETRIEVAL_DOCUMENT, SEMANTIC_SIMILARITY, ...).
func (Adapter) ProjectEmbed(req *abi.EmbedRequest) (*abi.ProviderRequest, error) {
	model, err := opModel(req.Model)
	if err != nil {
		return nil, err
	}
	if len(req.Inputs) == 0 || len(req.Inputs) > embedMaxBatch {
		return nil, invalid("/inputs", "batchEmbedContents takes 1 to %d inputs, not %d", embedMaxBatch, len(req.Inputs))
	}
	type part struct {
		Text string `json:"text"`
	}
	type content struct {
		Parts []part `json:"parts"`
	}
	type request struct {
		Model                string  `json:"model"`
		Content              content `json:"content"`
		TaskType             string  `json:"taskType,omitempty"`
		OutputDimensionality int     `json:"outputDimensionality,omitempty"`
	}
	reqs := make([]request, len(req.Inputs))
	for i, s := range req.Inputs {
		reqs[i] = request{Model: "models/" + model, Content: content{Parts: []part{{Text: s}}}, TaskType: req.InputType, OutputDimensionality: req.Dimensions}
	}
	return opkit.Post("/v1beta/models/"+model+":batchEmbedContents", nil, map[string]any{"requests": reqs})
}

// ParseEmbed implements guest.Embedder: the embeddings come in request
// order. Gemini reports no usage.
func (Adapter) ParseEmbed(req *abi.EmbedRequest, in *abi.ResponseInput) (*abi.EmbedResult, error) {
	var b struct {
		Embeddings []struct {
			Values abi.Vector `json:"values"`
		} `json:"embeddings"`
	}
	if err := opkit.Decode(in, "batchEmbedContents", &b); err != nil {
		return nil, err
	}
	out := &abi.EmbedResult{Embeddings: make([]abi.Vector, 0, len(b.Embeddings))}
	for _, e := range b.Embeddings {
		out.Embeddings = append(out.Embeddings, e.Values)
	}
	return out, nil
}

// ProjectCountTokens implements guest.TokenCounter: the generateContent
// projection of the request, as countTokens' generateContentRequest.
func (a Adapter) ProjectCountTokens(req *abi.Request) (*abi.ProviderRequest, error) {
	_, body, err := opkit.ProjectedBody(a.Project, req)
	if err != nil {
		return nil, err
	}
	model := strings.TrimPrefix(req.Model, "models/")
	body["model"], _ = json.Marshal("models/" + model)
	return opkit.Post("/v1beta/models/"+model+":countTokens", nil, map[string]any{"generateContentRequest": body})
}

// ParseCountTokens implements guest.TokenCounter.
func (Adapter) ParseCountTokens(_ *abi.Request, in *abi.ResponseInput) (*abi.CountTokensResult, error) {
	var b struct {
		TotalTokens *int `json:"totalTokens"`
	}
	if err := opkit.Decode(in, "countTokens", &b); err != nil {
		return nil, err
	}
	if b.TotalTokens == nil {
		// An empty request counts nothing: the field is then omitted.
		return &abi.CountTokensResult{}, nil
	}
	return &abi.CountTokensResult{InputTokens: *b.TotalTokens}, nil
}
