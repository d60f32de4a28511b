package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/engine/registry"
	"github.com/wasmadapt/wasmadapt/internal/testenv"
)

// BenchmarkHotSwap measures, per backend, the time from writing a new
// version of the openai module into a directory that registry.WatchDir
// watches to the end of the first request (a typical chunk's Transform)
// served by that version through the registry's handle; one op is one
// swap. Variants:
//
//   - cold: every swap writes bytes never seen before (the code plus a
//     unique custom section): the registry compiles, self-tests and
//     activates a new version;
//   - cached: swaps alternate between two versions compiled before the
//     timer starts (the compilation cache is warm);
//   - cached-fastwatch: cached, with WatchOptions{Interval: 5ms,
//     Debounce: 5ms} instead of the defaults (200ms, 500ms): the swap
//     itself without the watcher's polling and debounce delays.
func BenchmarkHotSwap(b *testing.B) {
	for _, be := range wasmBackends {
		for _, v := range []struct {
			name string
			cold bool
			fast bool
		}{{"cold", true, false}, {"cached", false, false}, {"cached-fastwatch", false, true}} {
			if be != "wazero" && v.name != "cached" {
				continue // keep make bench short: wasmtime's cold compile is in BenchmarkCompile
			}
			b.Run(be+"/"+v.name, func(b *testing.B) { benchSwap(b, be, v.cold, v.fast) })
		}
	}
}

func benchSwap(b *testing.B, backend string, cold, fast bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	e, err := engine.New(ctx, engine.Config{Backend: backend, CacheDir: sharedCache(b), Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	reg := registry.New(e, registry.Options{})
	defer func() {
		cancel()
		reg.Close(context.Background())
		e.Close(context.Background())
	}()
	base := wasmOf(b, "openai", "")
	versions := [2][]byte{testenv.WithCustomSection(base, "a"), testenv.WithCustomSection(base, "b")}
	dir := b.TempDir()
	path := filepath.Join(dir, "openai.wasm")
	opts := registry.WatchOptions{}
	if fast {
		opts = registry.WatchOptions{Interval: 5 * time.Millisecond, Debounce: 5 * time.Millisecond}
	}
	done := make(chan error, 1)
	go func() { done <- registry.WatchDir(ctx, dir, reg, opts) }()
	h := reg.Module("openai")
	in := &abi.TransformInput{Chunks: []abi.Chunk{{Data: []byte(typicalChunk)}}}
	// swap writes wasm and returns once a request was served by it.
	swap := func(wasm []byte) {
		want := registry.Digest(wasm)
		if err := os.WriteFile(path, wasm, 0o644); err != nil {
			b.Fatal(err)
		}
		deadline := time.Now().Add(2 * time.Minute)
		for {
			m, release := h.Pin()
			if m.Digest() == want {
				_, _, err := m.Transform(ctx, in)
				release()
				if err != nil {
					b.Fatal(err)
				}
				return
			}
			release()
			if time.Now().After(deadline) {
				b.Fatalf("version %.12s never became active (active: %.12s)", want, h.Digest())
			}
			time.Sleep(time.Millisecond)
		}
	}
	// Both cached versions are loaded (compiled, self-tested) once first.
	swap(versions[0])
	swap(versions[1])
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		w := versions[i%2]
		if cold {
			b.StopTimer()
			w = testenv.WithCustomSection(base, fmt.Sprintf("%d-%d", time.Now().UnixNano(), i))
			b.StartTimer()
		}
		swap(w)
	}
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}
