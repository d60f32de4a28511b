// Package adapterset is the set of adapters this repository builds, for the
// tests and benchmarks that run every adapter natively (the sandbox's
// determinism and fuzz tests, the per-chunk benchmarks). The set is derived
// from the adapter modules, adapters-wasm/<name>/module/main.go: adding an
// adapter directory with its module is all it takes, and no test keeps a
// list of adapter names by hand.
//
// The constructors are in zz_generated.go, which `go generate` writes from
// the modules (each module's init calls guest.Register with its adapter's
// constructor). TestGeneratedIsCurrent fails, naming the command, when a
// module was added, removed or changed without regenerating it.
package adapterset

//go:generate go run ./gen

import (
	"maps"
	"slices"

	"github.com/wasmadapt/wasmadapt/guest"
)

// Names returns the adapters' names (their adapters-wasm and testdata
// directories), sorted.
func Names() []string { return slices.Sorted(maps.Keys(constructors)) }

// New returns a new native instance of the named adapter, or nil when the
// repository has no adapter of that name.
func New(name string) guest.Adapter {
	if c := constructors[name]; c != nil {
		return c()
	}
	return nil
}

// Constructors returns a fresh map from each adapter's name to its
// constructor.
func Constructors() map[string]func() guest.Adapter { return maps.Clone(constructors) }
