package sandboxtest

import (
	"context"
	"testing"

	"github.com/wasmadapt/wasmadapt/engine"
)

// TestMemoryPeakStaysUntilRecycled: a Go guest that allocates 4 MiB and
// drops it keeps the grown linear memory (Wasm memory never shrinks), so
// its instance holds its peak; with Config.RecycleMemoryBytes under that
// peak, the instance is retired after the call and its replacement starts
// small again.
func TestMemoryPeakStaysUntilRecycled(t *testing.T) {
	ctx := context.Background()
	wasm := corpusWasm(t, "sdk-runtime-abuse")
	run := func(t *testing.T, cfg engine.Config, what string) engine.Stats {
		t.Helper()
		m, err := newEngine(t, cfg).Load(ctx, "abuse", wasm)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{"fine", what, "fine"} {
			if _, err := callExport(ctx, m, "transform", w); err != nil {
				t.Fatal(err)
			}
		}
		return engine.InstanceStats(m)
	}
	cfg := corpusConfig()
	base := run(t, cfg, "fine")
	peak := run(t, cfg, "slices")
	t.Logf("linear memory: %.1f MiB after small calls, %.1f MiB after a 4 MiB allocation was dropped",
		float64(base.MemoryBytes)/(1<<20), float64(peak.MemoryBytes)/(1<<20))
	if base.Idle != 1 || peak.Idle != 1 {
		t.Fatalf("idle instances %d and %d, want 1", base.Idle, peak.Idle)
	}
	if peak.MemoryBytes < base.MemoryBytes+4<<20 {
		t.Fatalf("memory %d after dropping 4 MiB, baseline %d: want the peak kept", peak.MemoryBytes, base.MemoryBytes)
	}
	cfg.RecycleMemoryBytes = base.MemoryBytes + 1<<20
	recycled := run(t, cfg, "slices")
	if recycled.Idle != 1 || recycled.MemoryBytes > cfg.RecycleMemoryBytes {
		t.Fatalf("with RecycleMemoryBytes %d: %+v, want one instance under the threshold", cfg.RecycleMemoryBytes, recycled)
	}
}
