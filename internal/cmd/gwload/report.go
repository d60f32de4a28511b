package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func itoa(n int) string { return strconv.Itoa(n) }

// fmtDur formats d with 3 significant digits (µs below a millisecond).
func fmtDur(d time.Duration) string {
	ns := float64(d)
	neg := ns < 0
	if neg {
		ns = -ns
	}
	var s string
	switch {
	case ns >= 1e9:
		s = fmt.Sprintf("%.2f s", ns/1e9)
	case ns >= 1e6:
		s = fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e4:
		s = fmt.Sprintf("%.0f µs", ns/1e3)
	case ns >= 1e3:
		s = fmt.Sprintf("%.1f µs", ns/1e3)
	default:
		s = fmt.Sprintf("%.0f ns", ns)
	}
	if neg {
		return "−" + s
	}
	return s
}

// name is the phase's benchmark name.
func (ph phase) name() string {
	return fmt.Sprintf("BenchmarkGatewayOpenLoop/%s/%s/rate-%.0f/%s", ph.executor, ph.shape, ph.rate, ph.via)
}

// verdict is "sustained" or why not.
func (ph phase) verdict() string {
	if ok, why := ph.sum.sustained(); !ok {
		return "not sustained: " + why
	}
	return "sustained"
}

// printPhase prints one phase's results as it ends.
func printPhase(w io.Writer, ph phase) {
	s := ph.sum
	fmt.Fprintf(w, "%-7s %-6s %5.0f/s %-7s achieved %7.1f/s ok %6d err %d skipped %d  p50 %9s p90 %9s p99 %9s max %9s  send lag p99 %8s max %8s  CPU/req %8s",
		ph.executor, ph.shape, ph.rate, ph.via, s.achieved, s.ok, s.errors, s.skipped,
		fmtDur(s.p50), fmtDur(s.p90), fmtDur(s.p99), fmtDur(s.max), fmtDur(s.lagP99), fmtDur(s.lagMax), fmtDur(ph.cpu))
	if ph.via == "gateway" {
		if ph.overheadOK {
			fmt.Fprintf(w, "  own time mean %s p50 %s p99 %s (%d)", fmtDur(ph.overhead.mean), fmtDur(ph.overhead.p50), fmtDur(ph.overhead.p99), ph.overhead.n)
		} else {
			fmt.Fprintf(w, "  own time: not read")
		}
	}
	fmt.Fprintf(w, "  load %s  %s\n", ph.load, ph.verdict())
}

// pairs are the phases by (executor, shape, rate): direct then gateway.
func pairs(phases []phase) [][2]*phase {
	var out [][2]*phase
	for i := range phases {
		if phases[i].via != "direct" {
			continue
		}
		for j := range phases {
			g := &phases[j]
			if g.via == "gateway" && g.executor == phases[i].executor && g.shape == phases[i].shape && g.rate == phases[i].rate {
				out = append(out, [2]*phase{&phases[i], g})
			}
		}
	}
	return out
}

// writeTable writes the side-by-side table: per executor, answer and
// rate, the direct host and the gateway.
func writeTable(w io.Writer, phases []phase) {
	fmt.Fprintln(w, "| executor | answer | target | achieved direct / gateway | p50 direct / gateway | p99 direct / gateway | **added p50** | added p99 | gateway CPU/req | **gateway own time, mean** | own p50 / p99 | verdict |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, pr := range pairs(phases) {
		d, g := pr[0], pr[1]
		own, ownq := "—", "—"
		if g.overheadOK {
			own, ownq = fmtDur(g.overhead.mean), fmtDur(g.overhead.p50)+" / "+fmtDur(g.overhead.p99)
		}
		verdict := g.verdict()
		if v := d.verdict(); v != "sustained" {
			verdict = "direct " + v + "; gateway " + verdict
		}
		fmt.Fprintf(w, "| %s | %s | %.0f/s | %.0f / %.0f | %s / %s | %s / %s | %s | %s | %s | %s | %s | %s |\n",
			d.executor, d.shape, d.rate, d.sum.achieved, g.sum.achieved, fmtDur(d.sum.p50), fmtDur(g.sum.p50),
			fmtDur(d.sum.p99), fmtDur(g.sum.p99), fmtDur(g.sum.p50-d.sum.p50), fmtDur(g.sum.p99-d.sum.p99),
			fmtDur(g.cpu), own, ownq, verdict)
	}
}

// appendRaw appends the phases to o.raw as benchmark lines (the
// iteration count is the requests due in the window) and configuration
// lines, for internal/benchreport, in place of an earlier run's (so that
// running it again replaces its table rather than mixing two runs).
func appendRaw(o *options, phases []phase, start time.Time) error {
	old, err := os.ReadFile(o.raw)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	var kept strings.Builder
	for _, line := range strings.SplitAfter(string(old), "\n") {
		if !isOurs(line) {
			kept.WriteString(line)
		}
	}
	f, err := os.Create(o.raw)
	if err != nil {
		return err
	}
	io.WriteString(f, kept.String())
	rates := make([]string, len(o.rates))
	for i, r := range o.rates {
		rates[i] = strconv.FormatFloat(r, 'f', -1, 64)
	}
	fmt.Fprintf(f, "run-step: gateway-open-loop (internal/cmd/gwload, rates %s/s, %v after a %v warm-up, %s) load %s\n",
		strings.Join(rates, ","), o.duration, o.warmup, start.UTC().Format(time.RFC3339), phases[0].load)
	fmt.Fprintf(f, "gwload-plan: %v after a %v warm-up, provider delay %v, max in flight %d, max connections a client %d\n", o.duration, o.warmup, o.providerDelay, o.maxInflight, o.maxConns)
	for _, ph := range phases {
		s := ph.sum
		fmt.Fprintf(f, "gwload-phase: %s load %s %s\n", strings.TrimPrefix(ph.name(), "BenchmarkGatewayOpenLoop/"), ph.load, ph.verdict())
		fmt.Fprintf(f, "%s %d %.1f req/s %d ok %d errors %d skipped %d p50-ns %d p90-ns %d p99-ns %d max-ns %d lag-p99-ns %d lag-max-ns %d cpu-ns/req",
			ph.name(), s.scheduled, s.achieved, s.ok, s.errors, s.skipped, s.p50, s.p90, s.p99, s.max, s.lagP99, s.lagMax, ph.cpu)
		if ph.via == "gateway" {
			fmt.Fprintf(f, " %d client-cpu-ns/req", ph.client)
			if ph.overheadOK {
				fmt.Fprintf(f, " %d overhead-mean-ns %d overhead-p50-ns %d overhead-p99-ns", ph.overhead.mean, ph.overhead.p50, ph.overhead.p99)
			}
		}
		fmt.Fprintln(f)
	}
	fmt.Fprintf(f, "gwload-load-end: %s\n", loadAvg())
	return f.Close()
}

// isOurs says whether a raw file's line is one appendRaw writes.
func isOurs(line string) bool {
	return strings.HasPrefix(line, "BenchmarkGatewayOpenLoop/") || strings.HasPrefix(line, "gwload-") ||
		strings.HasPrefix(line, "run-step: gateway-open-loop ")
}
