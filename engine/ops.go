package engine

import (
	"context"
	"encoding/json"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api"
)

// This file serves the operations of ABI 1.3 (models, embed,
// count_tokens) through the optional exports wasmadapt_project_op and
// wasmadapt_parse_op, with the limits, deadline and output cap of every
// other call.

// opsExported reports whether the module serves operations at all: a
// native adapter always may (its dispatcher refuses what it lacks); a Wasm
// module must report ABI 1.3 or later and export both functions with the
// (ptr, len) -> result signature.
func (m *module) opsExported() bool {
	if m.compiled == nil {
		return true
	}
	if _, minor, _ := abi.UnpackVersion(m.abiVersion); minor < 3 {
		return false
	}
	exps := m.compiled.exports()
	p, ok1 := exps[abi.ExportProjectOp]
	q, ok2 := exps[abi.ExportParseOp]
	return ok1 && ok2 && p.equal(sigPtrLen) && q.equal(sigPtrLen)
}

// unsupportedOp is the fail-closed refusal of an operation a module does
// not serve.
func (m *module) unsupportedOp(op string) error {
	return abi.Errorf(abi.CodeCapabilityUnsupported, "module %q does not serve the %s operation (it lacks %s and %s of ABI 1.3): use a module that lists %q in its capabilities' operations",
		m.name, op, abi.ExportProjectOp, abi.ExportParseOp, op)
}

// ProjectOp implements api.Operator.
func (m *module) ProjectOp(ctx context.Context, call *abi.OpCall) (*abi.ProviderRequest, error) {
	if !m.opsExported() {
		return nil, m.unsupportedOp(call.Op)
	}
	return m.projectJSON(ctx, expProjectOp, "operation call", call)
}

// ParseOp implements api.Operator. in.Context is replaced by call.
func (m *module) ParseOp(ctx context.Context, call *abi.OpCall, in *abi.ResponseInput) (*abi.OpResult, error) {
	if !m.opsExported() {
		return nil, m.unsupportedOp(call.Op)
	}
	cj, err := json.Marshal(call)
	if err != nil {
		return nil, abi.Wrap(abi.CodeInvalidRequest, err, "operation call cannot be encoded")
	}
	env := *in
	env.Context = cj
	var res *abi.OpResult
	err = m.call(ctx, expParseOp,
		func(dst []byte) []byte { return abi.AppendResponseInput(dst, &env) },
		func(_ *worker, p []byte) error {
			if in.Status < 200 || in.Status > 299 {
				return badOutput("%s returned an OK result for HTTP %d: a non-2xx response is an ERROR result", abi.ExportParseOp, in.Status)
			}
			r, err := abi.DecodeOpResult(call, p)
			res = r
			return err
		})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// module serves operations.
var _ api.Operator = (*module)(nil)
