package guesttest

import (
	"maps"
	"slices"
	"testing"

	"github.com/wasmadapt/wasmadapt/guest"
)

// NamedErrors is MapErrors with a name for each case: each runs as a
// subtest of that name, in sorted order.
func NamedErrors(t *testing.T, a guest.Adapter, cases map[string]ErrorCase) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(cases)) {
		t.Run(name, func(t *testing.T) { MapErrors(t, a, []ErrorCase{cases[name]}) })
	}
}
