package bedrock

import (
	"strconv"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Embeddings (ABI 1.3) through InvokeModel (POST /model/{modelId}/invoke):
// Amazon Titan Text Embeddings (one input per call: {"inputText",
// "dimensions"?} -> {"embedding", "inputTextTokenCount"}) and Cohere Embed
// ({"texts", "input_type", "embedding_types"} -> {"embeddings": {"float":
// [...]}}, up to 96 texts; the usage is the
// x-amzn-bedrock-input-token-count header).
var _ guest.Embedder = Adapter{}

// embedFamily is the embedding API a model ID speaks.
type embedFamily int

const (
	embedNone embedFamily = iota
	embedTitan
	embedCohere
)

// embedModel returns the family of model (a cross-region prefix such as
// "us." is ignored).
func embedModel(model string) embedFamily {
	id := model
	if i := strings.IndexByte(id, '.'); i >= 0 && i <= 4 && strings.Count(id, ".") > 1 {
		id = id[i+1:]
	}
	switch {
	case strings.HasPrefix(id, "amazon.titan-embed-text"):
		return embedTitan
	case strings.HasPrefix(id, "cohere.embed-"):
		return embedCohere
	}
	return embedNone
}

// embedMaxBatch is the most inputs of one call for model (0: not an
// embedding model).
func embedMaxBatch(model string) int {
	switch embedModel(model) {
	case embedTitan:
		return 1
	case embedCohere:
		return 96
	}
	return 0
}

// ProjectEmbed implements guest.Embedder.
func (Adapter) ProjectEmbed(req *abi.EmbedRequest) (*abi.ProviderRequest, error) {
	path := "/model/" + escapePath(req.Model) + "/invoke"
	fam := embedModel(req.Model)
	if n := embedMaxBatch(req.Model); n > 0 && len(req.Inputs) > n {
		return nil, guest.Invalid("/inputs", "model %s embeds at most %d input(s) per call, not %d", req.Model, n, len(req.Inputs))
	}
	switch fam {
	case embedTitan:
		if req.InputType != "" {
			return nil, guest.Unsupported("/input_type", "Titan embeddings take no input_type: remove it")
		}
		body := map[string]any{"inputText": req.Inputs[0]}
		if req.Dimensions > 0 {
			body["dimensions"] = req.Dimensions
		}
		return opkit.Post(path, nil, body)
	case embedCohere:
		if req.InputType == "" {
			return nil, guest.Invalid("/input_type", "Cohere embed models need input_type: search_document, search_query, classification or clustering")
		}
		if req.Dimensions > 0 {
			return nil, guest.Unsupported("/dimensions", "Cohere embed v3 models on Bedrock have a fixed dimension: remove dimensions")
		}
		return opkit.Post(path, nil, map[string]any{"texts": req.Inputs, "input_type": req.InputType, "embedding_types": []string{"float"}})
	}
	return nil, guest.Unsupported("/model", "model %s is not a Bedrock embedding model this module knows (amazon.titan-embed-text-*, cohere.embed-*)", req.Model)
}

// ParseEmbed implements guest.Embedder.
func (Adapter) ParseEmbed(req *abi.EmbedRequest, in *abi.ResponseInput) (*abi.EmbedResult, error) {
	if embedModel(req.Model) == embedTitan {
		var b struct {
			Embedding           abi.Vector `json:"embedding"`
			InputTextTokenCount int        `json:"inputTextTokenCount"`
		}
		if err := opkit.Decode(in, "Titan embedding", &b); err != nil {
			return nil, err
		}
		return &abi.EmbedResult{Embeddings: []abi.Vector{b.Embedding}, Usage: abi.EmbedUsage{InputTokens: b.InputTextTokenCount}}, nil
	}
	var b struct {
		Embeddings struct {
			Float []abi.Vector `json:"float"`
		} `json:"embeddings"`
	}
	if err := opkit.Decode(in, "Cohere embedding", &b); err != nil {
		return nil, err
	}
	out := &abi.EmbedResult{Embeddings: b.Embeddings.Float}
	for _, h := range in.Headers {
		if string(h[0]) == "x-amzn-bedrock-input-token-count" {
			out.Usage.InputTokens, _ = strconv.Atoi(string(h[1]))
		}
	}
	return out, nil
}
