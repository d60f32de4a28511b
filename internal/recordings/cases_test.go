package recordings_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmadapt/wasmadapt/api/cases"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/internal/adapterset"
)

// minCases is the fewest golden cases an adapter may have.
const minCases = 6

// TestCases runs the golden cases of testdata/<adapter> of every adapter
// (internal/adapterset, derived from adapters-wasm/*/module) natively,
// with the runner `wasmrun test` uses; `make conformance` runs the same
// cases through the Wasm modules. Every adapter has at least minCases.
func TestCases(t *testing.T) {
	for _, name := range adapterset.Names() {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("..", "..", "testdata", name)
			if _, err := os.Stat(dir); err != nil {
				t.Fatalf("adapter %s has no golden cases: add them in testdata/%s", name, name)
			}
			cs, err := cases.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) < minCases {
				t.Errorf("testdata/%s holds %d cases, want at least %d", name, len(cs), minCases)
			}
			m := engine.NewNative(name, adapterset.New(name))
			t.Cleanup(func() { m.Close(context.Background()) })
			for _, c := range cs {
				t.Run(c.Name, func(t *testing.T) {
					if err := cases.Run(context.Background(), m, c); err != nil {
						if f := (*cases.Failure)(nil); errors.As(err, &f) {
							t.Fatal(f.Reason)
						}
						t.Fatal(err)
					}
				})
			}
		})
	}
}
