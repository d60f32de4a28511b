package registry

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
)

// BenchmarkSwap measures the time from writing a new module file into a
// watched directory to the first request served by the new version: the
// watcher's debounce (reported separately as debounce-ms), validation
// (compile, ABI checks, capabilities, the module's self-test), the atomic
// activation, and one Capabilities call through the Handle.
//
// "cold" starts each iteration with a fresh engine and an empty
// compilation cache directory; "cached" with a fresh engine (so nothing is
// in memory) whose Config.CacheDir already holds the module's compiled
// code. load-ms is Version.LoadDuration (validation and compilation only).
func BenchmarkSwap(b *testing.B) {
	wasm := swapWasm(b, "v2")
	const interval, debounce = 5 * time.Millisecond, 20 * time.Millisecond
	warm := b.TempDir()
	// Warm the cache once.
	{
		e, err := engine.New(context.Background(), engine.Config{CacheDir: warm, PoolSize: 1})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.Load(context.Background(), "chat", wasm); err != nil {
			b.Fatal(err)
		}
		e.Close(context.Background())
	}
	for _, mode := range []string{"cold", "cached"} {
		b.Run(mode, func(b *testing.B) {
			var loadTotal time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				cache := warm
				if mode == "cold" {
					cache = b.TempDir()
				}
				e, err := engine.New(context.Background(), engine.Config{CacheDir: cache, PoolSize: 1, Crashes: engine.CrashPolicy{Limit: -1}})
				if err != nil {
					b.Fatal(err)
				}
				loaded := make(chan Version, 1)
				r := New(e, Options{OnChange: func(c Change) {
					if c.Kind == ChangeActivated {
						loaded <- c.Version
					}
				}})
				h := r.Module("chat")
				dir := b.TempDir()
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan struct{})
				go func() {
					defer close(done)
					WatchDir(ctx, dir, r, WatchOptions{Interval: interval, Debounce: debounce})
				}()
				b.StartTimer()

				if err := os.WriteFile(filepath.Join(dir, "chat.wasm"), wasm, 0o644); err != nil {
					b.Fatal(err)
				}
				var v Version
				select {
				case v = <-loaded:
				case <-time.After(2 * time.Minute):
					b.Fatal("the module was not activated")
				}
				caps, err := h.Capabilities(ctx, "")
				if err != nil || caps.Version != "2.0.0" {
					b.Fatalf("first request: %v %v", caps, err)
				}

				b.StopTimer()
				loadTotal += v.LoadDuration
				cancel()
				<-done
				r.Close(context.Background())
				e.Close(context.Background())
				b.StartTimer()
			}
			b.ReportMetric(float64(loadTotal.Milliseconds())/float64(b.N), "load-ms")
			b.ReportMetric(float64(debounce.Milliseconds()), "debounce-ms")
		})
	}
}

// BenchmarkHandleTransform compares one transform call (a typical chunk)
// on a module directly, through a registry handle (active generation
// lookup, reference counting and the state prefix of stream pinning) and
// on a pinned generation.
func BenchmarkHandleTransform(b *testing.B) {
	ctx := context.Background()
	wasm := swapWasm(b, "v1")
	e := newEngine(b, engine.Config{PoolSize: 1})
	r := New(e, Options{})
	b.Cleanup(func() { r.Close(ctx) })
	if _, err := r.Load(ctx, "chat", wasm, WithActivate()); err != nil {
		b.Fatal(err)
	}
	direct, err := e.Load(ctx, "chat", wasm)
	if err != nil {
		b.Fatal(err)
	}
	h := r.Module("chat")
	pinned, release, err := r.Get("chat")
	if err != nil {
		b.Fatal(err)
	}
	defer release()
	chunk := []abi.Chunk{{Data: []byte(`{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4.1-mini","choices":[{"index":0,"delta":{"content":"Hello there"},"finish_reason":null}]}`)}}
	for _, bc := range []struct {
		name string
		m    engine.Module
	}{{"direct", direct}, {"handle", h}, {"pinned", pinned}} {
		b.Run(bc.name, func(b *testing.B) {
			st, _, err := bc.m.Transform(ctx, &abi.TransformInput{Chunks: chunk})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, _, err := bc.m.Transform(ctx, &abi.TransformInput{State: st, Chunks: chunk}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
