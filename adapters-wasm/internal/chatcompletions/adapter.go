package chatcompletions

import (
	"slices"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// adapter is the guest.Adapter speaking one Dialect. It is safe for
// concurrent use: every call is a pure function of its input.
type adapter struct {
	d *Dialect
}

// New returns the adapter speaking d. d must not change afterwards.
func New(d *Dialect) guest.Adapter { return &adapter{d: d} }

// Capabilities describes the module for model ("" for the defaults); a
// model the dialect does not know reports abi.PlainTextFeatures.
func (a *adapter) Capabilities(model string) abi.Capabilities {
	d := a.d
	keys := make([]string, len(d.Options))
	for i, o := range d.Options {
		keys[i] = o.Key
	}
	slices.Sort(keys)
	m := d.model(model)
	return abi.Capabilities{
		ABIVersion:      abi.VersionString(abi.Version),
		Name:            d.Name,
		Version:         d.Version,
		Provider:        d.Provider,
		Model:           model,
		DefaultBaseURL:  d.DefaultBaseURL,
		Auth:            d.auth(),
		StateFormat:     d.stateFormat(),
		ProviderOptions: keys,
		Features:        Reported(m.Features),
		Details:         m.Details,
		Operations:      d.operations(),
		EmbedMaxBatch:   d.embedMaxBatch(),
	}
}

// Project turns a normalized request into the provider request.
func (a *adapter) Project(req *abi.Request) (*abi.ProviderRequest, error) {
	return a.d.Project(req)
}

// Transform consumes stream chunks; see the package doc for the events.
func (a *adapter) Transform(in *abi.TransformInput, out *guest.Output) error {
	return a.d.Transform(in, out)
}

// ParseResponse turns a whole body into events.
func (a *adapter) ParseResponse(in *abi.ResponseInput, out *guest.Output) error {
	return a.d.ParseResponse(in, out)
}

// MapError turns an error response into one error event.
func (a *adapter) MapError(in *abi.ResponseInput, out *guest.Output) error {
	return a.d.MapError(in, out)
}
