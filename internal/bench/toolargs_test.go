package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/framing"
	"github.com/wasmadapt/wasmadapt/internal/adapterset"
)

// bigArgsBodies are the peer benchmark's 50 KB tool-argument streams
// (bench/testdata): one tool call whose arguments arrive in about a
// thousand pieces of 50 bytes, and the marker of an argument chunk.
var bigArgsBodies = []struct{ adapter, file, marker string }{
	{"openai", "openai-big-args.sse", `"arguments":"`},
	{"anthropic", "anthropic-big-args.sse", `input_json_delta`},
}

// BenchmarkToolArgsChunk measures one tool-argument chunk of the 50 KB
// call as a function of how much of the call came before it: the state
// of the stream just before the argument chunk at 0%, 50% and 100% of the
// call is prepared by replaying the chunks before it, then that one chunk
// is transformed again and again from that state. A per-chunk cost that
// grows from at-0pct to at-100pct is state that grows with the arguments
// (O(n²) over the call); a flat one is not. state-bytes is the size of
// the state the chunk is transformed from. "stream" replays the whole body
// a chunk per call (ns/chunk averages over all of them).
func BenchmarkToolArgsChunk(b *testing.B) {
	for _, body := range bigArgsBodies {
		raw, err := os.ReadFile(filepath.Join(root, "bench", "testdata", body.file))
		if err != nil {
			b.Skip("bench/testdata is absent:", err)
		}
		chunks, err := framing.Chunks(raw, abi.FramingSSE, framing.Options{})
		if err != nil {
			b.Fatal(err)
		}
		var args []int // indices of the argument chunks
		for i, c := range chunks {
			if bytes.Contains(c.Data, []byte(body.marker)) {
				args = append(args, i)
			}
		}
		if len(args) < 100 {
			b.Fatalf("%s: %d argument chunks, want a long call", body.file, len(args))
		}
		args = args[1:] // the first may start the call too
		b.Run(body.adapter, func(b *testing.B) {
			for _, backend := range []string{"native", "wazero"} {
				b.Run(backend, func(b *testing.B) {
					var m engine.Module
					if backend == "native" {
						m = engine.NewNativeWithConfig(body.adapter, adapterset.New(body.adapter), engine.NativeConfig{PoolSize: 1})
					} else {
						m = loadWasm(b, body.adapter, "")
					}
					for _, pct := range []int{0, 50, 100} {
						pos := args[(len(args)-1)*pct/100]
						b.Run(fmt.Sprintf("at-%dpct", pct), func(b *testing.B) {
							argsChunk(b, m, chunks, pos)
						})
					}
					b.Run("stream", func(b *testing.B) {
						benchStream(b, m, recorded{chunks: chunks}, 1)
					})
				})
			}
		})
	}
}

// argsChunk transforms chunks[pos] again and again from the state the
// chunks before it leave.
func argsChunk(b *testing.B, m engine.Module, chunks []abi.Chunk, pos int) {
	ctx := context.Background()
	var state []byte
	for i := range chunks[:pos] {
		st, _, err := m.Transform(ctx, &abi.TransformInput{State: state, Chunks: chunks[i : i+1]})
		if err != nil {
			b.Fatal(err)
		}
		state = st
	}
	in := abi.TransformInput{State: state, Chunks: chunks[pos : pos+1]}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := CPUNanos()
	for b.Loop() {
		if _, evs, err := m.Transform(ctx, &in); err != nil || len(evs) != 1 {
			b.Fatalf("%d events, %v: want one tool-call-delta", len(evs), err)
		}
	}
	report(b, cpu, 1)
	b.ReportMetric(float64(len(state)), "state-bytes")
}
