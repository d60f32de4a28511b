package bench

import (
	"context"
	"log/slog"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
)

// BenchmarkCompile measures, per backend, for the openai adapter's module:
//
//   - cold: engine.New + Load + Close with an empty compilation cache
//     (compile, contract check, first instance, version check);
//   - cached: the same with the cache warm.
func BenchmarkCompile(b *testing.B) {
	openaiPerBackend(b, func(b *testing.B, cfg engine.Config, wasm []byte) {
		ctx := context.Background()
		load := func(b *testing.B, dir string) {
			cfg.CacheDir = dir
			e, err := engine.New(ctx, cfg)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := e.Load(ctx, "openai", wasm); err != nil {
				b.Fatal(err)
			}
			e.Close(ctx)
		}
		b.Run("cold", func(b *testing.B) {
			for b.Loop() {
				load(b, b.TempDir())
			}
		})
		b.Run("cached", func(b *testing.B) {
			dir := b.TempDir()
			load(b, dir)
			for b.Loop() {
				load(b, dir)
			}
		})
	})
}

// openaiPerBackend runs fn as one sub-benchmark per backend, with the
// openai adapter's module and the Config of that backend (logs discarded).
func openaiPerBackend(b *testing.B, fn func(b *testing.B, cfg engine.Config, wasm []byte)) {
	for _, be := range wasmBackends {
		b.Run(be, func(b *testing.B) {
			fn(b, engine.Config{Backend: be, Logger: slog.New(slog.DiscardHandler)}, wasmOf(b, "openai", ""))
		})
	}
}

// BenchmarkInstantiate measures, per backend, for the openai adapter's
// module:
//
//   - call: one Capabilities call on a pooled instance;
//   - instantiate-call: the same call when every call retires its instance
//     (RecycleMemoryBytes: 1), so each op also creates (instantiate and the
//     Go runtime's _initialize) and closes one instance: instantiation costs
//     instantiate-call minus call.
func BenchmarkInstantiate(b *testing.B) {
	openaiPerBackend(b, func(b *testing.B, cfg engine.Config, wasm []byte) {
		ctx := context.Background()
		call := func(b *testing.B, recycle uint64) {
			cfg.CacheDir, cfg.PoolSize, cfg.RecycleMemoryBytes = sharedCache(b), 1, recycle
			e, err := engine.New(ctx, cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close(ctx)
			m, err := e.Load(ctx, "openai", wasm)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Capabilities(ctx, "gpt-4.1-mini"); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.Run("call", func(b *testing.B) { call(b, 0) })
		b.Run("instantiate-call", func(b *testing.B) { call(b, 1) })
	})
}

// BenchmarkInstanceMemory reports, per adapter and backend, the linear
// memory of one pooled instance (engine.InstanceStats): after
// instantiation and _initialize (init-bytes), after one replay of the
// adapter's typical stream (stream-bytes), and after b.N more replays
// (steady-bytes: Wasm memory never shrinks, so this is the instance's
// peak). The op is one replay of the stream, one chunk per call.
func BenchmarkInstanceMemory(b *testing.B) {
	for _, s := range streams {
		b.Run(s.name, func(b *testing.B) {
			r := loadStream(b, s.name, s.stream)
			for _, be := range wasmBackends {
				b.Run(be, func(b *testing.B) {
					m := loadOn(b, be, s.name, 1)
					init := engine.InstanceStats(m).MemoryBytes
					var in abi.TransformInput
					replay(b, m, r, 1, &in)
					stream := engine.InstanceStats(m).MemoryBytes
					for b.Loop() {
						replay(b, m, r, 1, &in)
					}
					b.ReportMetric(float64(init), "init-bytes")
					b.ReportMetric(float64(stream), "stream-bytes")
					b.ReportMetric(float64(engine.InstanceStats(m).MemoryBytes), "steady-bytes")
				})
			}
		})
	}
}
