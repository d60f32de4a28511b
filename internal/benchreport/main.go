// Command benchreport runs wasmadapt's benchmarks and writes
// BENCHMARKS.md from their raw output.
//
//	go run ./internal/benchreport -run                # run, save bench/raw.txt, write BENCHMARKS.md
//	go run ./internal/benchreport                     # rewrite BENCHMARKS.md from bench/raw.txt
//
// With -run it runs `go test -bench` over internal/bench, engine (the
// deadline mechanism), gateway (its own per-request steps) and the bench/
// module (the peer SDKs comparison) (with -tags
// wasmtime and cgo, so that every backend is measured) in a few
// invocations, each with a benchtime that suits what it measures, every
// one with -benchmem and -count (default 5), and saves their output,
// preceded by configuration lines describing the machine (CPU model, cores,
// Go version, load average before and after), to the raw file. That file
// is benchstat-ready (benchstat bench/raw.txt). The report is regenerated
// entirely from the raw file: every number in it is a median over the
// -count runs.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wasmadapt/wasmadapt/internal/bench"
)

// invocation is one `go test -bench` run.
type invocation struct {
	bench     string // -bench regexp
	benchtime string
	why       string
	pkg       string // "" for -pkg
	// countX multiplies -count (0: 1): for short, noisy measurements.
	countX int
	// dir is the directory go test runs in ("": the repository root):
	// "bench" for the peer comparison, a module of its own so that the
	// peers' SDKs are no dependency of the main module.
	dir string
}

var invocations = []invocation{
	{`^(BenchmarkChunk|BenchmarkChunkWasmtime|BenchmarkTypicalChunk|BenchmarkTypicalChunkWasmtime)$`, "200ms", "per-chunk transform", "", 0, ""},
	{`^(BenchmarkDeadline|BenchmarkDeadlineWasmtime)$`, "20000x", "deadline mechanisms", "./engine/", 3, ""},
	{`^BenchmarkProject$`, "200ms", "projection", "", 0, ""},
	{`^BenchmarkCompile$`, "1x", "compile", "", 0, ""},
	{`^(BenchmarkInstantiate|BenchmarkInstanceMemory)$`, "200ms", "instantiate and memory", "", 0, ""},
	{`^BenchmarkE2ELatency$`, "500ms", "end-to-end latency", "", 0, ""},
	{`^BenchmarkE2EThroughput$`, "2x", "end-to-end throughput", "", 0, ""},
	{`^BenchmarkHotSwap$`, "3x", "hot swap", "", 0, ""},
	{`^BenchmarkGatewayLatency$`, "300ms", "gateway latency", "", 0, ""},
	{`^BenchmarkGatewayThroughput$`, "50x", "gateway throughput", "", 0, ""},
	{`^(BenchmarkGatewayInProcess|BenchmarkGatewayInProcessParts)$`, "200ms", "gateway in process", "", 0, ""},
	{`^BenchmarkGatewayInProcessSteps$`, "200ms", "gateway in process steps", "./gateway/", 0, ""},
	{`^BenchmarkPeers$`, "10x", "peer sdks", ".", 0, "bench"},
}

func main() {
	run := flag.Bool("run", false, "run the benchmarks and save their raw output first")
	raw := flag.String("raw", "bench/raw.txt", "raw benchmark output (benchstat format)")
	out := flag.String("o", "BENCHMARKS.md", "report to write")
	count := flag.Int("count", 5, "go test -count for each benchmark")
	pkg := flag.String("pkg", "./internal/bench/", "package holding the benchmarks")
	flag.Parse()
	log.SetFlags(0)
	var runErr error
	if *run {
		runErr = runAll(*raw, *pkg, *count)
	}
	data, err := os.ReadFile(*raw)
	if err != nil {
		log.Fatalf("benchreport: %v (run with -run to produce it)", err)
	}
	res := parse(data)
	var buf bytes.Buffer
	writeReport(&buf, res)
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		log.Fatalf("benchreport: %v", err)
	}
	log.Printf("benchreport: wrote %s from %s (%d benchmarks)", *out, *raw, len(res.order))
	if runErr != nil {
		log.Fatalf("benchreport: %v", runErr)
	}
}

// runAll runs every invocation, streaming its output to stderr and to the
// raw file.
func runAll(raw, pkg string, count int) error {
	if err := os.MkdirAll(filepath.Dir(raw), 0o755); err != nil {
		return err
	}
	f, err := os.Create(raw)
	if err != nil {
		return err
	}
	defer f.Close()
	w := io.MultiWriter(f, os.Stderr)
	fmt.Fprintf(w, "machine-cpu: %s\n", cpuModel())
	fmt.Fprintf(w, "machine-cores: %d\n", runtime.NumCPU())
	fmt.Fprintf(w, "machine-go: %s\n", goVersion())
	fmt.Fprintf(w, "machine-load-start: %s\n", loadAvg())
	fmt.Fprintf(w, "run-date: %s\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "run-count: %d\n", count)
	start := time.Now()
	var failed []string
	for _, inv := range invocations {
		p := pkg
		if inv.pkg != "" {
			p = inv.pkg
		}
		n := count * max(1, inv.countX)
		fmt.Fprintf(w, "run-step: %s (benchtime %s) load %s\n", strings.ReplaceAll(inv.why, " ", "-"), inv.benchtime, loadAvg())
		args := []string{"test", "-tags", "wasmtime", "-run", "^$", "-bench", inv.bench,
			"-benchmem", "-count", strconv.Itoa(n), "-benchtime", inv.benchtime, "-timeout", "30m", p}
		cmd := exec.Command("go", args...)
		cmd.Dir = inv.dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
		cmd.Stdout = w
		cmd.Stderr = w
		if err := cmd.Run(); err != nil {
			// Keep going: the report marks what is missing.
			fmt.Fprintf(w, "run-failed: %s: %v\n", strings.ReplaceAll(inv.why, " ", "-"), err)
			failed = append(failed, inv.why)
		}
	}
	fmt.Fprintf(w, "machine-load-end: %s\n", loadAvg())
	fmt.Fprintf(w, "run-seconds: %.0f\n", time.Since(start).Seconds())
	if len(failed) > 0 {
		return fmt.Errorf("benchmarks failed: %s (see %s; the report marks them missing)", strings.Join(failed, ", "), raw)
	}
	return nil
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func goVersion() string {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return runtime.Version()
	}
	return strings.TrimSpace(string(out))
}

func loadAvg() string { return bench.LoadAvg() }

// results are the parsed raw output: per benchmark name (without the
// -GOMAXPROCS suffix), per unit, the values of every run.
type results struct {
	config map[string][]string
	vals   map[string]map[string][]float64
	order  []string
}

func parse(data []byte) *results {
	r := &results{config: map[string][]string{}, vals: map[string]map[string][]float64{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Benchmark") {
			f := strings.Fields(line)
			if len(f) < 4 {
				continue
			}
			name := f[0]
			if i := strings.LastIndexByte(name, '-'); i > 0 {
				if _, err := strconv.Atoi(name[i+1:]); err == nil {
					name = name[:i]
				}
			}
			if _, err := strconv.Atoi(f[1]); err != nil {
				continue
			}
			m := r.vals[name]
			if m == nil {
				m = map[string][]float64{}
				r.vals[name] = m
				r.order = append(r.order, name)
			}
			for i := 2; i+1 < len(f); i += 2 {
				v, err := strconv.ParseFloat(f[i], 64)
				if err != nil {
					continue
				}
				m[f[i+1]] = append(m[f[i+1]], v)
			}
			continue
		}
		if k, v, ok := strings.Cut(line, ": "); ok && !strings.ContainsAny(k, " \t") && k != "" && k[0] >= 'a' && k[0] <= 'z' {
			r.config[k] = append(r.config[k], v)
		}
	}
	return r
}

// med is the median of name's unit, and whether it was measured.
func (r *results) med(name, unit string) (float64, bool) {
	vs := r.vals[name][unit]
	if len(vs) == 0 {
		return 0, false
	}
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

// spread is (max-min)/median of name's unit in percent, over its runs.
func (r *results) spread(name, unit string) (float64, bool) {
	m, ok := r.med(name, unit)
	if !ok || m == 0 || r.runs(name, unit) < 2 {
		return 0, false
	}
	lo, hi, _ := r.bounds(name, unit)
	return 100 * (hi - lo) / m, true
}

// bounds are the least and the greatest of name's unit over its runs.
func (r *results) bounds(name, unit string) (lo, hi float64, ok bool) {
	vs := r.vals[name][unit]
	if len(vs) == 0 {
		return 0, 0, false
	}
	lo, hi = vs[0], vs[0]
	for _, v := range vs {
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi, true
}

func (r *results) runs(name, unit string) int { return len(r.vals[name][unit]) }

func (r *results) cfg(k string) string {
	if v := r.config[k]; len(v) > 0 {
		return v[0]
	}
	return "unknown"
}

// scale is one range of a scaled format: a value of at least min is
// divided by div and formatted with format.
type scale struct {
	min, div float64
	format   string
}

// scaled formats v with the first of scales whose min it reaches; the
// last one takes any value below the others.
func scaled(v float64, scales ...scale) string {
	for i, s := range scales {
		if v >= s.min || i == len(scales)-1 {
			return fmt.Sprintf(s.format, v/s.div)
		}
	}
	return fmt.Sprint(v)
}

// nsScales keep 3 significant digits of a duration in nanoseconds.
var nsScales = []scale{{1e9, 1e9, "%.2f s"}, {1e6, 1e6, "%.1f ms"}, {1e4, 1e3, "%.0f µs"}, {1e3, 1e3, "%.2f µs"}, {0, 1, "%.0f ns"}}

// fmtNs formats nanoseconds with a unit that keeps 3 significant digits.
func fmtNs(ns float64) string { return scaled(ns, nsScales...) }

func fmtBytes(b float64) string {
	return fmt.Sprintf("%.2f MiB", b/(1<<20))
}

const missing = "—"

// notMeasured is what a section or a table says when none of its
// benchmarks ran.
const notMeasured = "_Not measured in this run._\n\n"

// printer returns the Printf to w that a section writer calls p.
func printer(w io.Writer) func(format string, args ...any) {
	return func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
}

// fmtWhole formats a count, a rate or allocations as a whole number.
func fmtWhole(v float64) string { return fmt.Sprintf("%.0f", v) }

// cell formats a median with f, or missing.
func (r *results) cell(name, unit string, f func(float64) string) string {
	v, ok := r.med(name, unit)
	if !ok {
		return missing
	}
	return f(v)
}

// cells formats name's median in each of units with f: the cells of a
// table row whose columns are units of one benchmark.
func (r *results) cells(name string, f func(float64) string, units ...string) []string {
	out := make([]string, len(units))
	for i, u := range units {
		out[i] = r.cell(name, u, f)
	}
	return out
}

// spreadCell formats name's spread in unit as a whole percentage, or
// missing.
func (r *results) spreadCell(name, unit string) string {
	s, ok := r.spread(name, unit)
	if !ok {
		return missing
	}
	return fmt.Sprintf("%.0f%%", s)
}

func ratio(a, b float64, okA, okB bool) string {
	if !okA || !okB || b == 0 {
		return missing
	}
	return fmt.Sprintf("%.1fx", a/b)
}

// perChunk is allocs/op scaled to one chunk (ops are whole streams).
func (r *results) allocsPerChunk(name string) (float64, bool) {
	a, ok1 := r.med(name, "allocs/op")
	op, ok2 := r.med(name, "ns/op")
	ch, ok3 := r.med(name, "ns/chunk")
	if !ok1 || !ok2 || !ok3 || op == 0 {
		return 0, false
	}
	return a * ch / op, true
}

// adapters lists the adapters of BenchmarkChunk, in the order measured.
func (r *results) adapters() []string { return r.subs("BenchmarkChunk/") }

// subs lists the names of the first level of sub-benchmarks under prefix
// (a benchmark's name and a slash), each once, in the order measured.
func (r *results) subs(prefix string) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range r.order {
		rest, ok := strings.CutPrefix(n, prefix)
		if !ok {
			continue
		}
		a, _, _ := strings.Cut(rest, "/")
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

func (r *results) has(prefix string) bool {
	for _, n := range r.order {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return false
}
