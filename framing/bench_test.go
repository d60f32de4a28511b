package framing

import (
	"bytes"
	"fmt"
	"io"
	"iter"
	"runtime"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

// benchStream frames body b.N times and reports throughput, events per
// stream and allocations per event (the framers aim for zero in steady
// state; the few per stream are the iterator and the first buffers).
func benchStream(b *testing.B, body []byte, frame func(io.Reader) iter.Seq2[abi.Chunk, error]) {
	r := bytes.NewReader(body)
	events := 0
	for _, err := range frame(r) {
		if err != nil {
			b.Fatal(err)
		}
		events++
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	n := 0
	for b.Loop() {
		r.Reset(body)
		for _, err := range frame(r) {
			if err != nil {
				b.Fatal(err)
			}
		}
		n++
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(events), "events/stream")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(n*events), "allocs/event")
}

func BenchmarkSSE(b *testing.B) {
	for _, eol := range []string{"\n", "\r\n"} {
		var sb strings.Builder
		for i := range 2000 {
			fmt.Fprintf(&sb, "event: content_block_delta%sdata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"token %d \"}}%s%s", eol, i, eol, eol)
			if i%100 == 0 {
				sb.WriteString(": keep-alive" + eol + eol)
			}
		}
		b.Run(fmt.Sprintf("eol=%q", eol), func(b *testing.B) {
			benchStream(b, []byte(sb.String()), func(r io.Reader) iter.Seq2[abi.Chunk, error] { return SSE(r, Options{}) })
		})
	}
}

func BenchmarkNDJSON(b *testing.B) {
	var sb strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&sb, "{\"model\":\"llama3.2\",\"created_at\":\"2025-01-01T00:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":\"token %d \"},\"done\":false}\n", i)
	}
	benchStream(b, []byte(sb.String()), func(r io.Reader) iter.Seq2[abi.Chunk, error] { return NDJSON(r, Options{}) })
}

func BenchmarkEventStream(b *testing.B) {
	var body []byte
	for i := range 2000 {
		body = append(body, eventMsg("contentBlockDelta", fmt.Sprintf(`{"contentBlockIndex":0,"delta":{"text":"token %d "},"p":"abcdefghijklmnopqrstuvwxyzABCDEFGH"}`, i))...)
	}
	benchStream(b, body, func(r io.Reader) iter.Seq2[abi.Chunk, error] { return EventStream(r, Options{}) })
}

func BenchmarkDecompress(b *testing.B) {
	plain := []byte(strings.Repeat("data: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"hello\"}}\n\n", 20000))
	for _, enc := range []string{"gzip", "zstd"} {
		body := gzipBytes(b, plain)
		if enc == "zstd" {
			body = zstdBytes(b, plain)
		}
		b.Run(enc, func(b *testing.B) {
			b.SetBytes(int64(len(plain)))
			b.ReportAllocs()
			for b.Loop() {
				r, _ := Decompress(bytes.NewReader(body), enc, 0)
				if _, err := io.Copy(io.Discard, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
