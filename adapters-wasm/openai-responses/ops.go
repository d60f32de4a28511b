package openairesponses

import (
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Token counting (ABI 1.3): POST /v1/responses/input_tokens with the
// members of the Responses projection that it takes.
var _ guest.TokenCounter = Adapter{}

// inputTokensFields are the members of a Responses request that
// /v1/responses/input_tokens takes.
var inputTokensFields = []string{"model", "input", "instructions", "tools", "tool_choice", "parallel_tool_calls", "reasoning", "text", "truncation", "previous_response_id", "conversation"}

// ProjectCountTokens implements guest.TokenCounter.
func (a Adapter) ProjectCountTokens(req *abi.Request) (*abi.ProviderRequest, error) {
	return opkit.CountRequest(a.Project, req, "/v1/responses/input_tokens", inputTokensFields)
}

// ParseCountTokens implements guest.TokenCounter.
func (Adapter) ParseCountTokens(_ *abi.Request, in *abi.ResponseInput) (*abi.CountTokensResult, error) {
	return opkit.InputTokens(in, "input_tokens")
}
