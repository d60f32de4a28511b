package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

const sample = `machine-cpu: Test CPU
machine-cores: 2
run-count: 3
goos: linux
pkg: github.com/wasmadapt/wasmadapt/internal/bench
BenchmarkTypicalChunk/native-2   	 1000	 1000 ns/op	 900 cpu-ns/chunk	 1000 ns/chunk	 288 B/op	 4 allocs/op
BenchmarkTypicalChunk/native-2   	 1000	 3000 ns/op	 1100 cpu-ns/chunk	 3000 ns/chunk	 288 B/op	 4 allocs/op
BenchmarkTypicalChunk/native-2   	 1000	 2000 ns/op	 1000 cpu-ns/chunk	 2000 ns/chunk	 288 B/op	 4 allocs/op
BenchmarkTypicalChunk/wazero-2   	 1000	 5000 ns/op	 2900 cpu-ns/chunk	 5000 ns/chunk	 304 B/op	 6 allocs/op
BenchmarkTypicalChunk/wazero-2   	 1000	 5500 ns/op	 3000 cpu-ns/chunk	 5500 ns/chunk	 304 B/op	 6 allocs/op
BenchmarkTypicalChunk/wazero-2   	 1000	 6000 ns/op	 3100 cpu-ns/chunk	 6000 ns/chunk	 304 B/op	 6 allocs/op
BenchmarkChunk/openai/native-2   	 10	 10000 ns/op	 1000 cpu-ns/chunk	 1000 ns/chunk	 100 B/op	 40 allocs/op
not a benchmark line: 12
`

func TestParseMedians(t *testing.T) {
	r := parse([]byte(sample))
	for _, tt := range []struct {
		name, unit string
		want       float64
	}{
		{"BenchmarkTypicalChunk/native", "ns/chunk", 2000},
		{"BenchmarkTypicalChunk/native", "cpu-ns/chunk", 1000},
		{"BenchmarkTypicalChunk/wazero", "ns/chunk", 5500},
		{"BenchmarkTypicalChunk/wazero", "allocs/op", 6},
	} {
		if got, ok := r.med(tt.name, tt.unit); !ok || got != tt.want {
			t.Errorf("median %s %s = %v (%v), want %v", tt.name, tt.unit, got, ok, tt.want)
		}
	}
	if _, ok := r.med("BenchmarkTypicalChunk/wasmtime", "ns/chunk"); ok {
		t.Error("a benchmark that did not run has a median")
	}
	if r.cfg("machine-cpu") != "Test CPU" || r.cfg("run-count") != "3" || r.cfg("missing") != "unknown" {
		t.Errorf("config %v", r.config)
	}
	if s, ok := r.spread("BenchmarkTypicalChunk/native", "ns/chunk"); !ok || s != 100 {
		t.Errorf("spread = %v, want 100%%", s)
	}
	if a, ok := r.allocsPerChunk("BenchmarkChunk/openai/native"); !ok || a != 4 {
		t.Errorf("allocs per chunk = %v, want 4 (40 per 10-chunk stream)", a)
	}
}

func TestReportVerdicts(t *testing.T) {
	out := written(writeReport, sample)
	wantIn(t, out, "",
		"| CPU | Test CPU |",
		"at most 3x native: wall 2.8x (5.50 µs vs 2.00 µs), CPU 3.0x (3.00 µs vs 1.00 µs) — **met**",
		"under 2 µs per chunk: wall 5.50 µs, CPU 3.00 µs — **not met**",
		"### Why not",
		"**pending**",
	)
}

// written returns what write writes for the results parsed from sample.
func written(write func(io.Writer, *results), sample string) string {
	var buf bytes.Buffer
	write(&buf, parse([]byte(sample)))
	return buf.String()
}

// wantIn checks that out holds every one of wants; show is printed with
// each miss (the part of out that matters, or "").
func wantIn(t *testing.T, out, show string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q\n%s", want, show)
		}
	}
}

const peerSample = `run-step: peer-sdks (benchtime 10x) load 1.00 2.00 3.00
BenchmarkPeers/openai-short-tool/mem/native-2 10 1000 ns/op 1000 cpu-ns/op 0 wrong 10 B/op 5 allocs/op
BenchmarkPeers/openai-short-tool/mem/wazero-2 10 3000 ns/op 3000 cpu-ns/op 0 wrong 10 B/op 6 allocs/op
BenchmarkPeers/openai-short-tool/mem/openai-go-2 10 2000 ns/op 2000 cpu-ns/op 0 wrong 10 B/op 9 allocs/op
BenchmarkPeers/anthropic-text/mem/native-2 10 1000 ns/op 1000 cpu-ns/op 0 wrong 10 B/op 5 allocs/op
BenchmarkPeers/anthropic-text/mem/wazero-2 10 2000 ns/op 2000 cpu-ns/op 0 wrong 10 B/op 6 allocs/op
BenchmarkPeers/anthropic-text/mem/anthropic-sdk-go-2 10 1500 ns/op 1500 cpu-ns/op 1 wrong 10 B/op 9 allocs/op
BenchmarkPeersInstr/anthropic-text/mem/native 1 100000 instr/op
BenchmarkPeersInstr/anthropic-text/mem/wazero 1 200000 instr/op
BenchmarkPeersInstr/anthropic-text/mem/anthropic-sdk-go 1 300000 instr/op
BenchmarkPeers/gemini-big-args/mem/native-2 10 1000 ns/op 1000 cpu-ns/op 0 wrong 10 B/op 5 allocs/op
BenchmarkPeers/gemini-big-args/mem/wazero-2 10 2000 ns/op 2000 cpu-ns/op 0 wrong 10 B/op 6 allocs/op
BenchmarkPeers/gemini-big-args/mem/genai-2 10 4000 ns/op 4000 cpu-ns/op 0 wrong 10 B/op 9 allocs/op
BenchmarkPeersInstr/gemini-big-args/mem/native 1 100000 instr/op
BenchmarkPeersInstr/gemini-big-args/mem/wazero 1 200000 instr/op
BenchmarkPeersInstr/gemini-big-args/mem/genai 1 400000 instr/op
`

func TestReportPeers(t *testing.T) {
	out := written(writeReport, peerSample)
	wantIn(t, out, out[strings.Index(out, "## Against"):],
		"Load average when this step started: (benchtime 10x) load 1.00 2.00 3.00.",
		// 3x native and more than the peer: both bounds missed.
		"| openai-short-tool | 1.00 µs | 3.00 µs | 3.0x | — | — | openai-go | 2.00 µs | 1.5x | 5 / 6 / 9 | **not met**: wazero > 2.5x native, wazero > peer |",
		// A peer with a wrong result is marked and not compared.
		"| anthropic-text | 1.00 µs | 2.00 µs | 2.0x | — | — | anthropic-sdk-go | 1.50 µs (wrong result) | — | 5 / 6 / 9 | met where measured (no wasmtime or peer count) |",
		"| anthropic-text | 100.0K | 200.0K | 2.0x | — | — | anthropic-sdk-go | 300.0K | 0.7x | — / — / — | met where measured (no wasmtime count) |",
		// Gemini bodies name genai as their peer.
		"| gemini-big-args | 1.00 µs | 2.00 µs | 2.0x | — | — | genai | 4.00 µs | 0.5x | 5 / 6 / 9 | met where measured (no wasmtime count) |",
		"| gemini-big-args | 100.0K | 200.0K | 2.0x | — | — | genai | 400.0K | 0.5x | — / — / — | met where measured (no wasmtime count) |",
	)
}

// TestScaledFormats: each range of fmtNs and fmtCount (a line each: its
// bound and a value inside it), and values below the last bound, negative
// included.
func TestScaledFormats(t *testing.T) {
	check := func(name string, f func(float64) string, want map[float64]string) {
		t.Helper()
		for v, w := range want {
			if got := f(v); got != w {
				t.Errorf("%s(%v) = %q, want %q", name, v, got, w)
			}
		}
	}
	check("fmtNs", fmtNs, map[float64]string{
		1e9: "1.00 s", 2.5e9: "2.50 s",
		1e6: "1.0 ms", 999.9e6: "999.9 ms",
		1e4: "10 µs", 123456: "123 µs",
		1e3: "1.00 µs", 9999: "10.00 µs",
		999: "999 ns", 0: "0 ns", -5: "-5 ns",
	})
	check("fmtCount", fmtCount, map[float64]string{
		1e6: "1.00M", 2.5e6: "2.50M",
		1e3: "1.0K", 12345: "12.3K",
		999: "999", -3: "-3",
	})
}

// TestReportKeepsHandSections: the sections measured by hand, which are
// not in the raw file, are written by every regeneration, in their order.
func TestReportKeepsHandSections(t *testing.T) {
	out := written(writeReport, sample)
	last := -1
	for _, heading := range []string{
		"## What each projection change bought",
		"## Build flags and runtime settings",
		"## Host fixed cost per request",
		"## Hot swap",
		"## ABI 1.4: per-chunk work moved to the host",
		"## The Wasm path's fixed cost per request",
		"## ABI 1.6: text-delta templates for the Anthropic stream",
		"## ABI 1.7: tool-call templates, chunks served anywhere in a call",
	} {
		i := strings.Index(out, "\n"+heading)
		if i < 0 {
			t.Errorf("output lacks the section %q", heading)
			continue
		}
		if i < last {
			t.Errorf("section %q is out of order", heading)
		}
		last = i
	}
}

// TestPeerVerdict: a body meets the targets only where every runner was
// measured; a missing wasmtime or peer count is said, not taken as met.
func TestPeerVerdict(t *testing.T) {
	const p = "BenchmarkPeers/openai-short-tool/mem/"
	for _, tt := range []struct {
		name string
		vals map[string]float64
		want string
	}{
		{"all met", map[string]float64{"native": 100, "wazero": 200, "wasmtime": 150, "openai-go": 300}, "met"},
		{"no wasmtime", map[string]float64{"native": 100, "wazero": 200, "openai-go": 300}, "met where measured (no wasmtime count)"},
		{"no wasmtime, no peer", map[string]float64{"native": 100, "wazero": 200}, "met where measured (no wasmtime or peer count)"},
		{"over native", map[string]float64{"native": 100, "wazero": 260, "wasmtime": 150, "openai-go": 300}, "**not met**: wazero > 2.5x native"},
		{"over the peer and wasmtime", map[string]float64{"native": 100, "wazero": 200, "wasmtime": 170, "openai-go": 150}, "**not met**: wazero > peer, wasmtime > 1.6x native"},
	} {
		r := &results{vals: map[string]map[string][]float64{}}
		for runner, v := range tt.vals {
			r.vals[p+runner] = map[string][]float64{"instr/op": {v}}
		}
		if got := peerVerdict(r, p, "openai-go", "instr/op"); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
