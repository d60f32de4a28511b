// Package hostileguest is the skeleton the hostile test adapters built on
// the guest SDK share (engine/testdata/guests/hostile, which the corpus
// reuses as testdata/hostile/sdk-misbehave, and testdata/hostile/sdk-*):
// an adapter whose exports do what their input names, each module
// supplying what the names mean.
package hostileguest

import (
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Adapter is a guest.Adapter that hands its input to Behave: Transform
// each chunk's data in turn (stopping at the first error), ParseResponse
// the body. It declares no authentication, tool calling or structured
// output, projects every request to POST / without framing, and MapError
// emits a server_error event ("mapped").
type Adapter struct {
	// Name is the name Capabilities declares.
	Name string
	// Behave does what the input what names, emitting to out.
	Behave func(what string, out *guest.Output) error
	// ByModel makes Capabilities and Project behave as the model names
	// first (Project fails with its error; Capabilities ignores it), and
	// MapError as a non-empty body names.
	ByModel bool
}

var _ guest.Adapter = Adapter{}

// Capabilities implements guest.Adapter.
func (a Adapter) Capabilities(model string) abi.Capabilities {
	if a.ByModel {
		var o guest.Output
		a.Behave(model, &o)
	}
	return abi.Capabilities{Name: a.Name, Auth: abi.Auth{Scheme: abi.AuthNone},
		Features: abi.Features{ToolCalling: abi.SupportNone, StructuredOutput: abi.SupportNone}}
}

// Project implements guest.Adapter.
func (a Adapter) Project(req *abi.Request) (*abi.ProviderRequest, error) {
	if a.ByModel {
		var o guest.Output
		if err := a.Behave(req.Model, &o); err != nil {
			return nil, err
		}
	}
	return &abi.ProviderRequest{Method: "POST", Path: "/", StreamFraming: abi.FramingNone}, nil
}

// Transform implements guest.Adapter.
func (a Adapter) Transform(in *abi.TransformInput, out *guest.Output) error {
	for _, c := range in.Chunks {
		if err := a.Behave(string(c.Data), out); err != nil {
			return err
		}
	}
	return nil
}

// ParseResponse implements guest.Adapter.
func (a Adapter) ParseResponse(in *abi.ResponseInput, out *guest.Output) error {
	return a.Behave(string(in.Body), out)
}

// MapError implements guest.Adapter.
func (a Adapter) MapError(in *abi.ResponseInput, out *guest.Output) error {
	if a.ByModel && len(in.Body) > 0 {
		return a.Behave(string(in.Body), out)
	}
	out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeServerError, Message: "mapped"})
	return nil
}
