package openaicompatible

import (
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// The operations (ABI 1.3) are the wrapped dialect's: GET /v1/models
// (IDs only: capabilities by family or unknown) and POST /v1/embeddings.
var (
	_ guest.Embedder    = (*Adapter)(nil)
	_ guest.ModelLister = (*Adapter)(nil)
)

// ProjectEmbed implements guest.Embedder.
func (a *Adapter) ProjectEmbed(req *abi.EmbedRequest) (*abi.ProviderRequest, error) {
	return a.inner.(guest.Embedder).ProjectEmbed(req)
}

// ParseEmbed implements guest.Embedder.
func (a *Adapter) ParseEmbed(req *abi.EmbedRequest, in *abi.ResponseInput) (*abi.EmbedResult, error) {
	return a.inner.(guest.Embedder).ParseEmbed(req, in)
}

// ProjectModels implements guest.ModelLister.
func (a *Adapter) ProjectModels(req *abi.ModelsRequest) (*abi.ProviderRequest, error) {
	return a.inner.(guest.ModelLister).ProjectModels(req)
}

// ParseModels implements guest.ModelLister.
func (a *Adapter) ParseModels(req *abi.ModelsRequest, in *abi.ResponseInput) (*abi.ModelsResult, error) {
	return a.inner.(guest.ModelLister).ParseModels(req, in)
}
