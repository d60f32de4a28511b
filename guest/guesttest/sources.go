package guesttest

import (
	"maps"
	"slices"
	"testing"

	"github.com/wasmadapt/wasmadapt/guest"
)

// Sources checks that a's capabilities for each model of want report the
// capabilities source (abi.Source*, "" for the empty model) want gives it
// as Features.Source, failing t with the model, the source and the want.
// Models are checked in sorted order.
func Sources(t testing.TB, a guest.Adapter, want map[string]string) {
	t.Helper()
	for _, model := range slices.Sorted(maps.Keys(want)) {
		if got := a.Capabilities(model).Features.Source; got != want[model] {
			t.Errorf("%q: source %q, want %q", model, got, want[model])
		}
	}
}
