// Package guest is the Go SDK for wasmadapt adapter authors.
//
// An adapter is a plain Go package that implements Adapter with pure
// functions: no clock, no randomness, no I/O, no globals that outlive a call.
// Everything a stream needs to remember between chunks goes into the state
// bytes the host passes in and out of Transform. Because it is plain Go, the
// adapter compiles natively too, and its unit tests run with `go test`.
//
// A module is the adapter plus a tiny main package:
//
//	package main
//
//	import (
//		"github.com/wasmadapt/wasmadapt/guest"
//		"example.com/myadapter"
//	)
//
//	func init() { guest.Register(myadapter.Adapter{}) }
//
//	func main() {}
//
// built with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o my.wasm ./cmd/my
//
// On GOOS=wasip1 this package provides the wasmadapt_* exports of
// abi/README.md and dispatches them to the registered Adapter. On other
// platforms, Dispatcher runs the very same code paths natively, which is how
// tests and the native benchmark floor call an adapter.
//
// # Shared rules
//
// The rules every adapter applies alike are functions here, so that an
// adapter calls them instead of writing them again: Invalid, Unsupported,
// SchemaUnsupported and ModelUnsupported build the refusals of Project
// (with the JSON pointer of the field, its tokens escaped by PointerToken),
// and ToolArguments is the completion rule of a tool call's arguments
// (empty means {}, anything but one JSON object is tool_arguments_invalid).
//
// # Layout of an adapter
//
// The adapters of this repository share one file layout, each file present
// where the adapter has that part: <name>.go (the package documentation,
// Adapter, New returning a guest.Adapter, Capabilities), models.go (what is
// known of each model), project.go (Project), schema.go (JSON Schema
// projection), state.go (the transform state's encoding), stream.go
// (Transform), response.go (ParseResponse), errors.go (MapError, or in
// response.go where it shares the response reader), ops.go (the optional
// operations of ABI 1.3). Their tests use the public test kit, package
// guesttest.
//
// # Projection without reflection
//
// encoding/json works by reflection, which a Go guest in Wasm pays about a
// hundred times what native code pays; it was most of the fixed cost of a
// request. The Dispatcher decodes the normalized request with
// DecodeRequest (a reader on guest/jsonx for what the host writes,
// json.Unmarshal for anything else, so errors stay encoding/json's) and
// writes the ProviderRequest with AppendProviderRequest (the bytes
// json.Marshal writes). Adapters write their bodies the same way
// (jsonx.AppendString, jsonx.AppendCompact) and keep the projection of a
// request's tools, which agent loops resend every turn, in a ToolsCache.
//
// # Operations (ABI 1.3)
//
// Besides chat, an adapter may list the provider's models, compute
// embeddings and count tokens by implementing ModelLister, Embedder and
// TokenCounter, and listing them in Capabilities.Operations (OpsOf). The
// Dispatcher serves them through wasmadapt_project_op and
// wasmadapt_parse_op, refuses an operation the adapter lacks with
// capability_unsupported, and maps a non-2xx answer with the adapter's
// MapError.
package guest

import (
	"encoding/json"
	"errors"

	"github.com/wasmadapt/wasmadapt/abi"
)

// Adapter is what an adapter author implements. Every method must be a pure
// function of its arguments: the same input gives byte-identical output.
type Adapter interface {
	// Capabilities describes the module for one model ("" for defaults).
	Capabilities(model string) abi.Capabilities
	// Project turns a normalized request into the provider's HTTP request.
	// A request the model cannot serve is refused with an *abi.Error
	// (capability_unsupported, schema_unsupported, invalid_request).
	// req.Tools is read-only: the Dispatcher may hand the same decoded
	// tools to the next request that sends the same tools.
	Project(req *abi.Request) (*abi.ProviderRequest, error)
	// Transform consumes framed stream chunks and emits normalized events.
	// in.State is the state the previous call set (empty at the start);
	// the adapter sets the next one with out.SetState. in.Flags&abi.FlagEnd
	// marks the end of the body.
	Transform(in *abi.TransformInput, out *Output) error
	// ParseResponse turns a whole non-streamed 2xx body into events.
	ParseResponse(in *abi.ResponseInput, out *Output) error
	// MapError turns a non-2xx response into exactly one error event.
	MapError(in *abi.ResponseInput, out *Output) error
}

// SelfTester is implemented by adapters that ship their own golden cases
// (returned by the optional wasmadapt_selftest export): a JSON array of
// cases in the format of abi/README.md ("Self-test cases"). Hosts run them
// before activating a module.
type SelfTester interface {
	SelfTest() []byte
}

// TextTemplater is implemented by adapters that declare text-delta
// templates (ABI 1.4, abi.TextTemplate): chunk shapes that, in a given
// state (from ABI 1.6 also every state that begins with it, StatePrefix),
// give one text-delta (from ABI 1.7 or one tool-call-delta, Emit) and
// leave the state unchanged, which the host then serves without calling
// the module. An adapter that post-processes
// text (splits inline reasoning, detects refusal phrases) declares none
// for the states in which it does.
type TextTemplater interface {
	TextTemplates() []abi.TextTemplate
}

// Output collects what a call produces: the next state and the events.
// Its buffers are reused from call to call; an adapter must not keep
// references to them.
type Output struct {
	state  []byte
	events []byte
}

// Reset empties the output for reuse.
func (o *Output) Reset() {
	o.state = o.state[:0]
	o.events = o.events[:0]
}

// SetState sets the state the host passes to the next Transform call of the
// stream. It copies b.
func (o *Output) SetState(b []byte) { o.state = append(o.state[:0], b...) }

// State returns the state buffer, for adapters that build the state in
// place with AppendState.
func (o *Output) State() []byte { return o.state }

// AppendState appends b to the state set so far.
func (o *Output) AppendState(b ...byte) { o.state = append(o.state, b...) }

// Emit appends one event.
func (o *Output) Emit(e *abi.Event) {
	o.events = e.AppendJSON(o.events)
	o.events = append(o.events, '\n')
}

// EmitRaw appends one event already encoded as a JSON object (no newline).
// The host validates every event, so malformed JSON here is reported as
// adapter_bad_output.
func (o *Output) EmitRaw(event []byte) {
	o.events = append(o.events, event...)
	o.events = append(o.events, '\n')
}

// Events returns the encoded events so far (newline-terminated JSON).
func (o *Output) Events() []byte { return o.events }

// Dispatcher decodes call envelopes, runs an Adapter and encodes results.
// The wasip1 exports use one Dispatcher per instance; native callers (tests,
// benchmarks) create their own. Results are valid until the next call.
// A Dispatcher is not safe for concurrent use.
type Dispatcher struct {
	a   Adapter
	out Output
	res []byte
	tin abi.TransformInput
	rin abi.ResponseInput
	// split: projections are returned in the split form (ABI 1.5,
	// abi.SplitProjection); head is its scratch buffer.
	split bool
	head  []byte
}

// NewDispatcher returns a Dispatcher for a.
func NewDispatcher(a Adapter) *Dispatcher { return &Dispatcher{a: a} }

// SplitProjections makes Project and ProjectOp return a successful
// projection in the split form of ABI 1.5 (abi.SplitProjection, written by
// AppendSplitProviderRequest) instead of the provider request's JSON: the
// body goes out as the adapter built it, and the host checks and compacts
// it natively. The wasip1 exports and the engine's native executor use
// it; a Dispatcher without it returns JSON, as tests read it.
func (d *Dispatcher) SplitProjections() { d.split = true }

func (d *Dispatcher) fail(err error) []byte {
	var e *abi.Error
	if !errors.As(err, &e) {
		e = &abi.Error{Code: abi.CodeInvalidRequest, Message: err.Error()}
	}
	d.res = append(d.res[:0], byte(abi.StatusError))
	d.res = e.AppendJSON(d.res)
	return d.res
}

func (d *Dispatcher) ok(payload []byte) []byte {
	d.res = append(d.res[:0], byte(abi.StatusOK))
	d.res = append(d.res, payload...)
	return d.res
}

// Capabilities serves wasmadapt_capabilities: in is the model name.
func (d *Dispatcher) Capabilities(in []byte) []byte {
	c := d.a.Capabilities(string(in))
	if c.ABIVersion == "" {
		c.ABIVersion = abi.VersionString(abi.Version)
	}
	return d.okJSON(c, nil)
}

// okJSON returns the OK result carrying v as JSON, or the ERROR result for
// err (or for a v that cannot be encoded).
func (d *Dispatcher) okJSON(v any, err error) []byte {
	if err != nil {
		return d.fail(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return d.fail(err)
	}
	return d.ok(b)
}

// Project serves wasmadapt_project: in is the normalized request JSON, or
// a taped request (ABI 1.5, abi.TapedRequest).
func (d *Dispatcher) Project(in []byte) []byte {
	var tape []byte
	if len(in) > 0 && in[0] == abi.TapedRequest {
		var err error
		if in, tape, err = abi.DecodeTapedRequest(in); err != nil {
			return d.fail(abi.Errorf(abi.CodeInvalidRequest, "taped request: %v", err))
		}
	}
	var req abi.Request
	if err := DecodeRequestTaped(in, tape, &req); err != nil {
		return d.fail(abi.Errorf(abi.CodeInvalidRequest, "normalized request is not valid: %v", err))
	}
	return d.okProviderRequest(d.a.Project(&req))
}

// okProviderRequest is okJSON for a projection, written by
// AppendProviderRequest (the bytes json.Marshal gives, without
// reflection), or by AppendSplitProviderRequest after SplitProjections.
func (d *Dispatcher) okProviderRequest(pr *abi.ProviderRequest, err error) []byte {
	if err != nil || pr == nil {
		return d.okJSON(pr, err)
	}
	d.res = append(d.res[:0], byte(abi.StatusOK))
	if d.split {
		d.res, d.head = AppendSplitProviderRequest(d.res, d.head, pr)
		return d.res
	}
	var ok bool
	if d.res, ok = AppendProviderRequest(d.res, pr); !ok {
		return d.okJSON(pr, nil)
	}
	return d.res
}

// Transform serves wasmadapt_transform: in is a transform envelope.
func (d *Dispatcher) Transform(in []byte) []byte {
	if err := abi.DecodeTransformInput(in, &d.tin); err != nil {
		return d.fail(abi.Errorf(abi.CodeInvalidRequest, "transform envelope: %v", err))
	}
	d.out.Reset()
	if err := d.a.Transform(&d.tin, &d.out); err != nil {
		return d.fail(err)
	}
	d.res = abi.AppendTransformOutput(d.res[:0], d.out.state, d.out.events)
	return d.res
}

func (d *Dispatcher) response(in []byte, f func(*abi.ResponseInput, *Output) error) []byte {
	if err := abi.DecodeResponseInput(in, &d.rin); err != nil {
		return d.fail(abi.Errorf(abi.CodeInvalidRequest, "response envelope: %v", err))
	}
	d.out.Reset()
	if err := f(&d.rin, &d.out); err != nil {
		return d.fail(err)
	}
	return d.ok(d.out.events)
}

// ParseResponse serves wasmadapt_parse_response: in is a response envelope.
func (d *Dispatcher) ParseResponse(in []byte) []byte { return d.response(in, d.a.ParseResponse) }

// MapError serves wasmadapt_map_error: in is a response envelope.
func (d *Dispatcher) MapError(in []byte) []byte { return d.response(in, d.a.MapError) }

// TextTemplates serves wasmadapt_text_templates_v1: the adapter's
// text-delta templates as JSON, or an empty array when it has none.
func (d *Dispatcher) TextTemplates() []byte {
	tt, ok := d.a.(TextTemplater)
	if !ok {
		return d.ok([]byte("[]"))
	}
	b, err := json.Marshal(tt.TextTemplates())
	if err != nil || string(b) == "null" {
		return d.ok([]byte("[]"))
	}
	return d.ok(b)
}

// SelfTest serves wasmadapt_selftest: the adapter's own cases, or an empty
// array when it has none.
func (d *Dispatcher) SelfTest() []byte {
	if st, ok := d.a.(SelfTester); ok {
		return d.ok(st.SelfTest())
	}
	return d.ok([]byte("[]"))
}
