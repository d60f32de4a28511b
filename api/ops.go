package api

import (
	"context"

	"github.com/wasmadapt/wasmadapt/abi"
)

// Operator is implemented by a Module that can run the operations of ABI
// 1.3 (models, embed, count_tokens; abi.Op*). Engine modules implement it
// for every module; a module that does not serve an operation (an ABI 1.1
// or 1.2 module, one without the optional exports, or an adapter without
// the operation) fails the call with capability_unsupported naming the
// module and the operation. A host checks Capabilities.Operations first
// and never falls back to anything else.
type Operator interface {
	// ProjectOp turns an operation call into the provider request.
	ProjectOp(ctx context.Context, call *abi.OpCall) (*abi.ProviderRequest, error)
	// ParseOp turns the provider's response to call into the validated
	// result; a non-2xx response is returned as the module's *abi.Error
	// (map_error's codes and retryable flag).
	ParseOp(ctx context.Context, call *abi.OpCall, in *abi.ResponseInput) (*abi.OpResult, error)
}
