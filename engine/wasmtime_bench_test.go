//go:build wasmtime

package engine

import "testing"

// BenchmarkDeadlineWasmtime is BenchmarkDeadline's measurement (one
// transform call of the echo guest) on wasmtime: with epoch interruption
// compiled in and a deadline armed per call, as shipped ("epoch"), and
// without ("none": the floor, which cannot stop an infinite loop).
func BenchmarkDeadlineWasmtime(b *testing.B) {
	for _, dm := range []struct {
		name string
		mode deadlineMode
	}{{"none", deadlineNone}, {"epoch", deadlineInstrument}} {
		b.Run(dm.name, func(b *testing.B) {
			e := newEngine(b, Config{Backend: "wasmtime", PoolSize: 1, deadline: dm.mode})
			benchTransform(b, load(b, e, "echo"))
		})
	}
}
