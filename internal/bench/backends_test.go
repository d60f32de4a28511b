package bench

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/internal/testenv"
)

// wasmBackends lists the engine backends compiled into this test binary:
// wazero always, wasmtime with -tags wasmtime (backends_wasmtime_test.go).
var wasmBackends = []string{"wazero"}

// executors are the rows of the per-executor benchmarks: the adapter run
// natively (the floor), then each of wasmBackends.
func executors() []string { return append([]string{"native"}, wasmBackends...) }

var (
	cacheOnce sync.Once
	cacheDir  string
)

// sharedCache is one compilation cache directory per process, so that the
// repeated loads of -count runs deserialize instead of recompiling.
func sharedCache(b testing.TB) string {
	cacheOnce.Do(func() {
		if cacheDir = os.Getenv(testenv.CacheEnv); cacheDir != "" {
			return
		}
		d, err := os.MkdirTemp("", "wasmadapt-bench-cache-")
		if err == nil {
			cacheDir = d
		}
	})
	if cacheDir == "" {
		b.Fatal("no cache directory")
	}
	return cacheDir
}

// loadOn loads an adapter's module (built once per process) on the named
// backend with a pool of poolSize instances (0: the default, GOMAXPROCS),
// closing the engine when b ends.
func loadOn(b *testing.B, backend, adapter string, poolSize int) engine.Module {
	b.Helper()
	ctx := context.Background()
	e, err := engine.New(ctx, engine.Config{Backend: backend, PoolSize: poolSize, CacheDir: sharedCache(b), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close(ctx) })
	m, err := e.Load(ctx, adapter, wasmOf(b, adapter, ""))
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// typicalChunkRun is BenchmarkTypicalChunk's measurement (per chunks of
// typicalChunk per transform call, state in and out) for the other
// backends' columns.
func typicalChunkRun(b *testing.B, m engine.Module, per int) {
	ctx := context.Background()
	first := abi.TransformInput{Chunks: []abi.Chunk{{Data: []byte(typicalChunk)}}}
	state, _, err := m.Transform(ctx, &first)
	if err != nil {
		b.Fatal(err)
	}
	chunks := make([]abi.Chunk, per)
	for i := range chunks {
		chunks[i] = abi.Chunk{Data: []byte(typicalChunk)}
	}
	in := abi.TransformInput{State: state, Chunks: chunks}
	b.SetBytes(int64(len(typicalChunk) * per))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := CPUNanos()
	for b.Loop() {
		_, evs, err := m.Transform(ctx, &in)
		if err != nil || len(evs) != per {
			b.Fatalf("%d events, %v", len(evs), err)
		}
	}
	report(b, cpu, per)
}
