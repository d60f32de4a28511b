package guesttest

import (
	"reflect"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Details checks that a reports want as the details of model (nil: that it
// reports none), failing t with both when they differ.
func Details(t testing.TB, a guest.Adapter, model string, want *abi.ModelDetails) {
	t.Helper()
	got := a.Capabilities(model).Details
	if !reflect.DeepEqual(got, want) {
		t.Errorf("details of %q:\n got %+v\nwant %+v", model, got, want)
	}
}

// Limits returns the details of a model with context window ctx, out most
// output tokens and the input modalities (abi.Modality*), the other fields
// unknown: the want of Details for a limit table's model.
func Limits(ctx, out int, modalities ...string) *abi.ModelDetails {
	return &abi.ModelDetails{ContextWindow: ctx, MaxOutputTokens: out, InputModalities: modalities}
}

// Sampled returns d with the sampling parameters sampling (abi.Sampling*):
// the want of Details for a model whose module lists them.
func Sampled(d *abi.ModelDetails, sampling ...string) *abi.ModelDetails {
	d.Sampling = sampling
	return d
}
