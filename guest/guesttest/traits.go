package guesttest

import (
	"maps"
	"slices"
	"testing"

	"github.com/wasmadapt/wasmadapt/guest"
)

// Traits are the features ModelTraits checks of a model: reasoning and
// vision always, tool calling and structured output (abi.Support*) when
// set.
type Traits struct {
	Reasoning, Vision bool
	Tools, Structured string
}

// ModelTraits checks that a's capabilities for each model of want report
// the Traits want gives it, failing t with the model and its features.
// Models are checked in sorted order.
func ModelTraits(t testing.TB, a guest.Adapter, want map[string]Traits) {
	t.Helper()
	for _, model := range slices.Sorted(maps.Keys(want)) {
		w, f := want[model], a.Capabilities(model).Features
		if f.Reasoning != w.Reasoning || f.Vision != w.Vision ||
			(w.Tools != "" && f.ToolCalling != w.Tools) || (w.Structured != "" && f.StructuredOutput != w.Structured) {
			t.Errorf("%s: %+v", model, f)
		}
	}
}
