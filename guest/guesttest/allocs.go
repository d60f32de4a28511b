package guesttest

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// NoAllocs pins an adapter's per-chunk path: each named input (typically a
// mid-stream state and one steady chunk), run again and again through
// a.Transform, must allocate nothing, with its chunks as given and with
// their tapes (see Taped). Allocation counts mean nothing under the race
// detector (sync.Pool drops items on purpose): there it skips the test.
func NoAllocs(t *testing.T, a Transformer, inputs map[string]*abi.TransformInput) {
	t.Helper()
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	for name, in := range inputs {
		taped := *in
		taped.Chunks = Taped(in.Chunks)
		for form, in := range map[string]*abi.TransformInput{"bytes": in, "tapes": &taped} {
			var out guest.Output
			allocs := testing.AllocsPerRun(200, func() {
				out.Reset()
				if err := a.Transform(in, &out); err != nil {
					t.Fatalf("%s (%s): %v", name, form, err)
				}
			})
			if allocs != 0 {
				t.Errorf("%s (%s): allocations per call = %v, want 0", name, form, allocs)
			}
		}
	}
}

// StateAfter runs in through a.Transform and returns the state it leaves
// (a copy), failing the test on an error: the mid-stream state to give
// NoAllocs or a benchmark.
func StateAfter(t testing.TB, a Transformer, in abi.TransformInput) []byte {
	t.Helper()
	var out guest.Output
	if err := a.Transform(&in, &out); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), out.State()...)
}
