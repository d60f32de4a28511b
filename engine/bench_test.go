package engine

import (
	"context"
	"log/slog"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

// benchChunk is a typical streamed chunk (an SSE data line of a chat
// completion delta).
var benchChunk = []byte(`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]}`)

func benchInput() *abi.TransformInput {
	return &abi.TransformInput{State: []byte{1, 0, 0, 0}, Chunks: []abi.Chunk{{Data: benchChunk}}}
}

func benchTransform(b *testing.B, m Module) {
	ctx := context.Background()
	in := benchInput()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := m.Transform(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCall is one transform call of a small chunk through the echo
// adapter: natively (the floor) and in wazero with the shipped deadline
// mechanism on.
func BenchmarkCall(b *testing.B) {
	b.Run("native", func(b *testing.B) {
		benchTransform(b, NewNative("echo", echoAdapter{}))
	})
	b.Run("wazero", func(b *testing.B) {
		e := newEngine(b, Config{PoolSize: 1})
		benchTransform(b, load(b, e, "echo"))
	})
}

var deadlineModes = []struct {
	name string
	mode deadlineMode
}{
	{"none", deadlineNone},
	{"instrument", deadlineInstrument},
	{"watchdog", deadlineWatchdog},
	{"context", deadlineContext},
}

// BenchmarkDeadline compares the deadline mechanisms on the same transform
// call; "none" cannot stop an infinite loop and exists only as the floor.
func BenchmarkDeadline(b *testing.B) {
	for _, dm := range deadlineModes {
		b.Run(dm.name, func(b *testing.B) {
			e := newEngine(b, Config{PoolSize: 1, deadline: dm.mode})
			benchTransform(b, load(b, e, "echo"))
		})
	}
}

// BenchmarkBoundary is an empty round trip (wasmadapt_abi_version) under
// each deadline mechanism: the cost of crossing the boundary plus arming
// and disarming the deadline.
func BenchmarkBoundary(b *testing.B) {
	for _, dm := range deadlineModes {
		b.Run(dm.name, func(b *testing.B) {
			e := newEngine(b, Config{PoolSize: 1, deadline: dm.mode})
			m := load(b, e, "echo").(*module)
			w, err := m.pool.acquire(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			defer m.pool.release(w, false)
			s := w.s.(*wasmSlot)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.callVersion(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoad measures New+Load of the echo module (compile, contract
// check, first instance, version check) with a cold and a warm on-disk
// compilation cache.
func BenchmarkLoad(b *testing.B) {
	wasm := wasmOf(b, "echo")
	ctx := context.Background()
	run := func(b *testing.B, dir func() string) {
		for b.Loop() {
			e, err := New(ctx, Config{CacheDir: dir(), Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := e.Load(ctx, "echo", wasm); err != nil {
				b.Fatal(err)
			}
			e.Close(ctx)
		}
	}
	b.Run("cold", func(b *testing.B) { run(b, func() string { return b.TempDir() }) })
	b.Run("cached", func(b *testing.B) {
		dir := b.TempDir()
		e, _ := New(ctx, Config{CacheDir: dir})
		e.Load(ctx, "echo", wasm)
		e.Close(ctx)
		run(b, func() string { return dir })
	})
}

// BenchmarkInstantiate measures one new pooled instance (instantiation
// plus the Go runtime's _initialize) and reports its linear memory.
func BenchmarkInstantiate(b *testing.B) {
	e := newEngine(b, Config{})
	m := load(b, e, "echo").(*module)
	ctx := context.Background()
	var mem uint64
	b.ReportAllocs()
	for b.Loop() {
		s, err := m.newSlot(ctx)
		if err != nil {
			b.Fatal(err)
		}
		mem = s.memorySize()
		s.close(ctx)
	}
	b.ReportMetric(float64(mem), "linear-bytes/instance")
}
