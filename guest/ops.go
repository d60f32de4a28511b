package guest

import (
	"encoding/json"

	"github.com/wasmadapt/wasmadapt/abi"
)

// The operations of ABI 1.3 are optional interfaces an Adapter implements
// next to Adapter. The Dispatcher serves wasmadapt_project_op and
// wasmadapt_parse_op from them; an operation whose interface the adapter
// lacks is refused with capability_unsupported. An adapter that implements
// one also lists the operation in Capabilities.Operations (OpsOf computes
// the list), since the host checks that list first.
//
// The Parse methods see 2xx responses only: the Dispatcher hands any other
// status to the adapter's MapError and returns its error as the ERROR
// result, so an operation's errors carry the same codes as a chat call's.

// ModelLister lists the provider's models (abi.OpModels).
type ModelLister interface {
	// ProjectModels turns a models request (a page, or one model) into
	// the provider request.
	ProjectModels(req *abi.ModelsRequest) (*abi.ProviderRequest, error)
	// ParseModels reads the provider's answer.
	ParseModels(req *abi.ModelsRequest, in *abi.ResponseInput) (*abi.ModelsResult, error)
}

// Embedder computes embeddings (abi.OpEmbed).
type Embedder interface {
	// ProjectEmbed turns an embed request into the provider request.
	ProjectEmbed(req *abi.EmbedRequest) (*abi.ProviderRequest, error)
	// ParseEmbed reads the provider's answer: one vector per input, in
	// input order.
	ParseEmbed(req *abi.EmbedRequest, in *abi.ResponseInput) (*abi.EmbedResult, error)
}

// TokenCounter counts the input tokens of a chat request
// (abi.OpCountTokens).
type TokenCounter interface {
	// ProjectCountTokens turns a normalized request into the provider's
	// token-counting request.
	ProjectCountTokens(req *abi.Request) (*abi.ProviderRequest, error)
	// ParseCountTokens reads the provider's answer.
	ParseCountTokens(req *abi.Request, in *abi.ResponseInput) (*abi.CountTokensResult, error)
}

// OpsOf returns the operations a implements, for Capabilities.Operations
// (nil when none).
func OpsOf(a any) []string {
	var ops []string
	if _, ok := a.(ModelLister); ok {
		ops = append(ops, abi.OpModels)
	}
	if _, ok := a.(Embedder); ok {
		ops = append(ops, abi.OpEmbed)
	}
	if _, ok := a.(TokenCounter); ok {
		ops = append(ops, abi.OpCountTokens)
	}
	return ops
}

// opHandler is one operation's project and parse, over decoded requests.
type opHandler struct {
	project func() (*abi.ProviderRequest, error)
	parse   func(in *abi.ResponseInput) (any, error)
}

// handler decodes call's request for the operation the adapter serves.
func (d *Dispatcher) handler(call *abi.OpCall) (*opHandler, error) {
	switch call.Op {
	case abi.OpModels:
		if a, ok := d.a.(ModelLister); ok {
			return opFor(call, a.ProjectModels, a.ParseModels)
		}
	case abi.OpEmbed:
		if a, ok := d.a.(Embedder); ok {
			return opFor(call, a.ProjectEmbed, a.ParseEmbed)
		}
	case abi.OpCountTokens:
		if a, ok := d.a.(TokenCounter); ok {
			return opFor(call, a.ProjectCountTokens, a.ParseCountTokens)
		}
	default:
		return nil, abi.Errorf(abi.CodeInvalidRequest, "unknown operation %q: want one of %v", call.Op, abi.Ops())
	}
	return nil, abi.Errorf(abi.CodeCapabilityUnsupported, "this module does not serve the %s operation", call.Op)
}

// opFor decodes call's request into a Req and binds the adapter's project
// and parse of one operation to it.
func opFor[Req, Res any](call *abi.OpCall, project func(*Req) (*abi.ProviderRequest, error), parse func(*Req, *abi.ResponseInput) (Res, error)) (*opHandler, error) {
	var req Req
	if err := json.Unmarshal(call.Request, &req); err != nil {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "%s request is not valid: %v", call.Op, err)
	}
	return &opHandler{
		project: func() (*abi.ProviderRequest, error) { return project(&req) },
		parse: func(in *abi.ResponseInput) (any, error) {
			r, err := parse(&req, in)
			return r, err
		},
	}, nil
}

// ProjectOp serves wasmadapt_project_op: in is an abi.OpCall.
func (d *Dispatcher) ProjectOp(in []byte) []byte {
	var call abi.OpCall
	if err := json.Unmarshal(in, &call); err != nil {
		return d.fail(abi.Errorf(abi.CodeInvalidRequest, "operation call is not valid: %v", err))
	}
	h, err := d.handler(&call)
	if err != nil {
		return d.fail(err)
	}
	return d.okProviderRequest(h.project())
}

// ParseOp serves wasmadapt_parse_op: in is a response envelope whose
// context is the abi.OpCall. A non-2xx status goes to the adapter's
// MapError, and its error event becomes the ERROR result.
func (d *Dispatcher) ParseOp(in []byte) []byte {
	if err := abi.DecodeResponseInput(in, &d.rin); err != nil {
		return d.fail(abi.Errorf(abi.CodeInvalidRequest, "response envelope: %v", err))
	}
	var call abi.OpCall
	if err := json.Unmarshal(d.rin.Context, &call); err != nil {
		return d.fail(abi.Errorf(abi.CodeInvalidRequest, "operation call (the envelope's context) is not valid: %v", err))
	}
	h, err := d.handler(&call)
	if err != nil {
		return d.fail(err)
	}
	if d.rin.Status < 200 || d.rin.Status > 299 {
		return d.fail(d.opError())
	}
	r, err := h.parse(&d.rin)
	if err != nil {
		return d.fail(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		// A provider's number that is not finite, for one.
		return d.fail(abi.Wrap(abi.CodeServerError, err, "the provider's "+call.Op+" answer cannot be returned"))
	}
	return d.ok(b)
}

// opError maps the non-2xx response in d.rin with the adapter's MapError.
func (d *Dispatcher) opError() *abi.Error {
	in := d.rin
	in.Context = nil
	d.out.Reset()
	if err := d.a.MapError(&in, &d.out); err != nil {
		if e, ok := err.(*abi.Error); ok {
			return e
		}
		return abi.Errorf(abi.CodeInvalidRequest, "HTTP %d: %v", in.Status, err)
	}
	var ev abi.Event
	line := d.out.events
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	if err := json.Unmarshal(line, &ev); err != nil || ev.Err() == nil {
		return abi.Errorf(abi.CodeServerError, "HTTP %d (the module's error mapping gave no error event)", in.Status)
	}
	e := ev.Err()
	e.Status = int(in.Status)
	return e
}
