//go:build wasmtime

package bench

import (
	"testing"
)

func init() { wasmBackends = append(wasmBackends, "wasmtime") }

// BenchmarkChunkWasmtime is the wasmtime column of BenchmarkChunk: the
// same recorded streams, one chunk per call, as sub-benchmarks
// <adapter>/wasmtime (the report merges both into one table).
func BenchmarkChunkWasmtime(b *testing.B) {
	for _, s := range streams {
		b.Run(s.name, func(b *testing.B) {
			r := loadStream(b, s.name, s.stream)
			b.Run("wasmtime", func(b *testing.B) {
				benchStream(b, loadOn(b, "wasmtime", s.name, 1), r, 1)
			})
		})
	}
}

// BenchmarkTypicalChunkWasmtime is the wasmtime column of
// BenchmarkTypicalChunk (one typical OpenAI chunk per call).
func BenchmarkTypicalChunkWasmtime(b *testing.B) {
	b.Run("wasmtime", func(b *testing.B) { typicalChunkRun(b, loadOn(b, "wasmtime", "openai", 1), 1) })
}
