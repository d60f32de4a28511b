package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// gwOpenLoop is the prefix of internal/cmd/gwload's results:
// BenchmarkGatewayOpenLoop/EXECUTOR/SHAPE/rate-N/VIA (VIA direct or
// gateway).
const gwOpenLoop = "BenchmarkGatewayOpenLoop/"

// openLoopRow is one executor, answer shape and rate of the open-loop
// load: the names of its direct and gateway phases.
type openLoopRow struct {
	executor, shape string
	rate            float64
	direct, gateway string
}

// openLoopRows lists the measured rows, by rate (highest first), then
// executor and shape in the order measured.
func (r *results) openLoopRows() []openLoopRow {
	var rows []openLoopRow
	for _, ex := range r.subs(gwOpenLoop) {
		for _, shape := range r.subs(gwOpenLoop + ex + "/") {
			for _, rt := range r.subs(gwOpenLoop + ex + "/" + shape + "/") {
				rate, err := strconv.ParseFloat(strings.TrimPrefix(rt, "rate-"), 64)
				if err != nil {
					continue
				}
				base := gwOpenLoop + ex + "/" + shape + "/" + rt + "/"
				rows = append(rows, openLoopRow{executor: ex, shape: shape, rate: rate, direct: base + "direct", gateway: base + "gateway"})
			}
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].rate > rows[j].rate })
	return rows
}

// openLoopVerdict is gwload's verdict on a phase (its gwload-phase line):
// "sustained" or "not sustained: why".
func (r *results) openLoopVerdict(name string) string {
	key := strings.TrimPrefix(name, gwOpenLoop) + " "
	for _, s := range r.config["gwload-phase"] {
		if rest, ok := strings.CutPrefix(s, key); ok {
			if _, v, ok := strings.Cut(rest, " sustained"); ok && v == "" {
				return "sustained"
			}
			if i := strings.Index(rest, "not sustained: "); i >= 0 {
				return rest[i:]
			}
		}
	}
	return missing
}

// writeGatewayOpenLoop writes the open-loop subsection: per executor,
// answer and rate, the direct host and the gateway side by side, and the
// gateway's own time from its overhead histogram.
func writeGatewayOpenLoop(w io.Writer, r *results) {
	p := printer(w)
	p("### Sustained open-loop load (`internal/cmd/gwload`, `make bench GWLOAD=1` or `make bench-load`)\n\n")
	p("Requests at a constant rate on a fixed timeline (request i due at i/rate whatever the latency of the ones before),\n")
	p("each one's latency measured from when it was **due**, so that a stall cannot slow the load and hide itself\n")
	p("(coordinated omission). The recorded provider (the same 6-event answer, 2.2 KB of SSE) is served on loopback in the\n")
	p("generator's process; the **gateway** runs in a child process (its CPU time is its own), sent `POST\n")
	p("/v1/chat/completions` over keep-alive connections (at most `-max-conns` a client, default 256: a request that finds\n")
	p("them busy waits, and its wait counts in its latency); **direct** is the same load through a `host.Client` in the\n")
	p("generator's process (`Generate` for whole, `Stream` for stream), back to back with the gateway's. Each phase is a\n")
	p("warm-up, then the measured window. **added** is gateway minus direct of each percentile (two runs' distributions,\n")
	p("not pairs). **gateway CPU/req** is the gateway process's CPU time over the window per request answered in it\n")
	p("(its HTTP server, the gateway, its host client). **gateway own time** is read from the gateway's\n")
	p("`wasmadapt_gateway_overhead_seconds` histogram before and after the window: per request, the handler's wall time\n")
	p("less the time inside the host's call to the provider (key, decode, route, limits, encoding and writing the answer,\n")
	p("telemetry); its mean is exact (sum over count), its p50 and p99 are interpolated in buckets √2 wide. Logs are\n")
	p("discarded and no tracer is set, as in the benchmarks. A rate is **sustained** when no request was skipped (at most\n")
	p("`-max-inflight` outstanding) or failed, the answers came at 98%% of the target or more, and the generator sent\n")
	p("99%% of the requests within 10 ms of their due time (a late send counts in the latency, which runs from the due\n")
	p("time; past that bound the rate itself was not kept); otherwise the verdict says what failed. Every process ran at\n")
	p("`nice 19` on the shared 2-core machine: the generator, the provider and the gateway share its cores with each other\n")
	p("and with other engineers' work (the load averages below).\n\n")
	rows := r.openLoopRows()
	if len(rows) == 0 {
		p("_Not measured in this run: `make bench-load` appends it._\n\n")
		return
	}
	if plan := r.cfg("gwload-plan"); plan != "unknown" {
		p("Each phase: %s.", plan)
	}
	for _, s := range r.config["run-step"] {
		if strings.HasPrefix(s, "gateway-open-loop") {
			p(" Run: %s.", s)
		}
	}
	if end := r.cfg("gwload-load-end"); end != "unknown" {
		p(" Load average at its end: %s.", end)
	}
	p("\n\n")
	p("| executor | answer | target | achieved direct / gateway | p50 direct / gateway | p99 direct / gateway | max gateway | **added p50** | added p99 | gateway CPU/req | **gateway own time, mean** | own p50 / p99 | load at start (gateway) | verdict |\n")
	p("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n")
	for _, row := range rows {
		d, g := row.direct, row.gateway
		verdict := "gateway " + r.openLoopVerdict(g)
		if v := r.openLoopVerdict(d); v != "sustained" {
			verdict = "direct " + v + "; " + verdict
		}
		p("| %s | %s | %.0f/s | %s / %s | %s / %s | %s / %s | %s | %s | %s | %s | %s | %s / %s | %s | %s |\n",
			row.executor, row.shape, row.rate, r.cell(d, "req/s", fmtWhole), r.cell(g, "req/s", fmtWhole),
			r.cell(d, "p50-ns", fmtNs), r.cell(g, "p50-ns", fmtNs), r.cell(d, "p99-ns", fmtNs), r.cell(g, "p99-ns", fmtNs),
			r.cell(g, "max-ns", fmtNs), r.diffCell(g, d, "p50-ns"), r.diffCell(g, d, "p99-ns"), r.cell(g, "cpu-ns/req", fmtNs),
			r.cell(g, "overhead-mean-ns", fmtNs), r.cell(g, "overhead-p50-ns", fmtNs), r.cell(g, "overhead-p99-ns", fmtNs),
			r.phaseLoad(g), verdict)
	}
	p("\n")
}

// phaseLoad is the load average when the phase started (its gwload-phase
// line).
func (r *results) phaseLoad(name string) string {
	key := strings.TrimPrefix(name, gwOpenLoop) + " load "
	for _, s := range r.config["gwload-phase"] {
		if rest, ok := strings.CutPrefix(s, key); ok {
			if f := strings.Fields(rest); len(f) >= 3 {
				return strings.Join(f[:3], " ")
			}
		}
	}
	return missing
}

// openLoopBifrost is the open-loop figure for the Bifrost comparison: the
// gateway's own time (mean) of executor native, answer whole, at rate
// (ok false when not measured), and gwload's verdict.
func (r *results) openLoopBifrost(rate float64) (mean float64, verdict string, ok bool) {
	g := fmt.Sprintf("%snative/whole/rate-%.0f/gateway", gwOpenLoop, rate)
	mean, ok = r.med(g, "overhead-mean-ns")
	return mean, r.openLoopVerdict(g), ok
}

// openLoopSustained is the highest rate measured whose native whole
// gateway phase was sustained (0 when none). The direct phase's verdict
// does not count: its process also serves the provider and runs the
// host's work, so its generator falls behind first.
func (r *results) openLoopSustained() float64 {
	best := 0.0
	for _, row := range r.openLoopRows() {
		if row.executor == "native" && row.shape == "whole" && row.rate > best && r.openLoopVerdict(row.gateway) == "sustained" {
			best = row.rate
		}
	}
	return best
}
