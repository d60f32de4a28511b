package main

import (
	"fmt"
	"io"
)

// Names of the in-process gateway benchmarks: BenchmarkGatewayInProcess
// (internal/bench, per executor and answer shape), its dialect parts
// (BenchmarkGatewayInProcessParts) and the gateway's own steps
// (gateway's BenchmarkGatewayInProcessSteps).
const (
	gwInProcess = "BenchmarkGatewayInProcess/"
	gwParts     = "BenchmarkGatewayInProcessParts/"
	gwSteps     = "BenchmarkGatewayInProcessSteps/"
)

// bifrostNs is Bifrost's published overhead per request at 5,000 RPS on a
// t3.xlarge.
const bifrostNs = 11000

// fmtDiff is fmtNs of a difference, which noise may make negative.
func fmtDiff(ns float64) string {
	if ns < 0 {
		return "−" + fmtNs(-ns)
	}
	return fmtNs(ns)
}

// diff is the difference of the medians of unit of a and b.
func (r *results) diff(a, b, unit string) (float64, bool) {
	x, ok1 := r.med(a, unit)
	y, ok2 := r.med(b, unit)
	return x - y, ok1 && ok2
}

func (r *results) diffCell(a, b, unit string) string {
	if d, ok := r.diff(a, b, unit); ok {
		return fmtDiff(d)
	}
	return missing
}

// sumMed is the sum of the medians of unit of names, and whether every
// one was measured.
func (r *results) sumMed(unit string, names ...string) (float64, bool) {
	var sum float64
	for _, n := range names {
		v, ok := r.med(n, unit)
		if !ok {
			return 0, false
		}
		sum += v
	}
	return sum, true
}

// gwAnswers are BenchmarkGatewayInProcess's answer shapes, as labelled in
// the table.
var gwAnswers = []struct{ shape, label string }{{"whole", "whole"}, {"stream", "stream (6 events)"}}

// writeGatewayInProcess writes the in-process subsection of the gateway's
// overhead: the whole request against the direct host, per executor and
// answer shape, then the parts and steps of the added time.
func writeGatewayInProcess(w io.Writer, r *results) {
	p := printer(w)
	p("### In process, without the client hop (`BenchmarkGatewayInProcess`, `BenchmarkGatewayInProcessParts`, `BenchmarkGatewayInProcessSteps`)\n\n")
	p("`gateway.Server.ServeHTTP` called in process (one request reused, its body rewound; a minimal response writer:\n")
	p("no listener, no socket, no client), one request at a time, the provider answered from memory by an\n")
	p("`http.RoundTripper` (the same recorded body, no network), against the same request through the **direct**\n")
	p("`host.Client` over the same transport. **whole**: the client asks `stream: false`; the gateway streams upstream,\n")
	p("accumulates and answers one `chat.completion` object, and the direct host is `Generate` over the same upstream\n")
	p("stream. **stream**: SSE chunks to `[DONE]`, against `Stream`. **raw** is a bare `http.Client` POST of the\n")
	p("projected body over the transport, read whole (the floor). CPU is process CPU time per request (`cpu-ns/op`: on\n")
	p("a loaded machine the steadier measure of work) and **added CPU** is gateway minus direct, of the medians.\n")
	p("**added p50 (paired)** runs direct, gateway and gateway with limits back to back in each iteration and takes the\n")
	p("median of the per-iteration wall-time differences (then the median over runs): a request preempted by another\n")
	p("process moves one pair, not the median. Logs go to a discarding handler and no tracer is configured (the server\n")
	p("span records nothing), as in the tables above.\n\n")
	if !r.has(gwInProcess) {
		p(notMeasured)
		return
	}
	if load, cores, ok := r.stepLoad("gateway-in-process"); ok && load > cores {
		p("**These were measured at a load average of %.1f on %.0f cores** (other processes' builds and busy loops): CPU\n", load, cores)
		p("times are inflated by the sharing (caches, preemption) and the differences are noisy; the paired p50 is the\n")
		p("least affected. Rerun on an idle machine before quoting microseconds.\n\n")
	}
	p("| executor | answer | raw call CPU | direct host CPU | gateway CPU | **added CPU** | added with limits CPU | **added p50 (paired)** | with limits p50 | allocs direct / gateway / with limits |\n")
	p("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, be := range executors {
		for _, a := range gwAnswers {
			base := gwInProcess + be + "/" + a.shape + "/"
			if !r.has(base) {
				continue
			}
			p("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s / %s |\n", be, a.label,
				r.cell(base+"raw", "cpu-ns/op", fmtNs), r.cell(base+"direct", "cpu-ns/op", fmtNs), r.cell(base+"gateway", "cpu-ns/op", fmtNs),
				r.diffCell(base+"gateway", base+"direct", "cpu-ns/op"), r.diffCell(base+"gateway-limits", base+"direct", "cpu-ns/op"),
				r.cell(base+"paired", "added-p50-ns", fmtDiff), r.cell(base+"paired", "limits-added-p50-ns", fmtDiff),
				r.cell(base+"direct", "allocs/op", fmtWhole), r.cell(base+"gateway", "allocs/op", fmtWhole), r.cell(base+"gateway-limits", "allocs/op", fmtWhole))
		}
	}
	p("\n")
	p("Where the added time goes: each function the gateway calls for a chat request, timed alone (the dialect's parts in\n")
	p("internal/bench, the gateway's own steps in package gateway; none runs the adapter, so they hold for every executor).\n\n")
	p("| part | what it does | CPU/op | wall/op | allocs/op |\n|---|---|---:|---:|---:|\n")
	parts := []struct{ name, label, what string }{
		{gwParts + "decode", "decode", "`openaiwire.DecodeRequest` of the client's body"},
		{gwSteps + "key", "key", "`auth`: the bearer key's SHA-256, the constant-time lookup, the key into the request's context"},
		{gwSteps + "route", "route", "`open`: draining check, configuration version, the public model's route, the key's permission"},
		{gwSteps + "limits", "limits", "`admit` then settle, three tenant limits (memory store), rate-limit headers"},
		{gwSteps + "telemetry", "telemetry", "server span (not recording), Prometheus metrics, the request's logger"},
		{gwParts + "encode-whole", "encode, whole", "`openaiwire.Completion` of the accumulated answer"},
		{gwParts + "encode-stream", "encode, stream", "`openaiwire.Stream`: the 6 events as SSE chunks, then `[DONE]`"},
	}
	for _, pt := range parts {
		if r.runs(pt.name, "ns/op") == 0 {
			continue
		}
		p("| %s | %s | %s | %s | %s |\n", pt.label, pt.what, r.cell(pt.name, "cpu-ns/op", fmtNs), r.cell(pt.name, "ns/op", fmtNs),
			r.cell(pt.name, "allocs/op", fmtWhole))
	}
	p("\n")
	if kr, ok := r.sumMed("cpu-ns/op", gwSteps+"key", gwSteps+"route"); ok {
		p("**Key and route** (authenticating the client's key and routing the request: the counterpart of Bifrost's key\n")
		p("selection and routing, though its key selection picks a provider key, which ours reads inside the host's call)\n")
		p("take %s of CPU", fmtNs(kr))
		if krl, ok := r.sumMed("cpu-ns/op", gwSteps+"key", gwSteps+"route", gwSteps+"limits"); ok {
			p(", **%s with the three tenant limits**", fmtNs(krl))
		}
		p(".\nThe rest of the added time is the dialect's decode and encode (the marshalling Bifrost leaves out), the\n")
		p("telemetry, and what routing costs around the host's call (`host.Client.StreamRoute`'s route span and target\n")
		p("bookkeeping, the gateway's accumulation and output check), which no row above times alone")
		base := gwInProcess + "native/whole/"
		parts, ok1 := r.sumMed("cpu-ns/op", gwParts+"decode", gwSteps+"key", gwSteps+"route", gwSteps+"telemetry", gwParts+"encode-whole")
		added, ok2 := r.diff(base+"gateway", base+"direct", "cpu-ns/op")
		p50, ok3 := r.med(base+"paired", "added-p50-ns")
		if ok1 && ok2 && ok3 {
			p(":\nfor a whole answer without limits the parts sum to %s of CPU, against %s added CPU and %s added p50\n", fmtNs(parts), fmtDiff(added), fmtDiff(p50))
			p("(paired) in the native row")
		}
		p(".\n\n")
	}
}

// writeBifrostVerdict states the in-process figures against Bifrost's 11
// µs: the closest (key, route, limits) and the whole in-process overhead
// of the native whole-answer shape.
func writeBifrostVerdict(w io.Writer, r *results) {
	p := printer(w)
	under := func(ns float64) string {
		if ns < bifrostNs {
			return "**under 11 µs**"
		}
		return "**not under 11 µs**"
	}
	closest, ok := r.sumMed("cpu-ns/op", gwSteps+"key", gwSteps+"route", gwSteps+"limits")
	if !ok {
		p("**Verdict:** not evaluated (the in-process gateway benchmarks did not run).\n")
		writeOpenLoopVerdict(w, r, under)
		p("\n")
		return
	}
	p("**Verdict.** The figure of ours closest to Bifrost's, key lookup, routing and the three tenant limits timed inside\n")
	p("the gateway (the steps above), is %s of CPU per request: %s.\n", fmtNs(closest), under(closest))
	base := gwInProcess + "native/whole/"
	if p50, ok := r.med(base+"paired", "added-p50-ns"); ok {
		p("The whole in-process overhead of a non-streamed request (native, no sandbox: Bifrost's answer shape), which also\n")
		p("counts decoding the request, encoding the answer, telemetry and the route around the host's call, is %s added\n", fmtDiff(p50))
		p("p50 (paired")
		if lo, hi, ok := r.bounds(base+"paired", "added-p50-ns"); ok && r.runs(base+"paired", "added-p50-ns") > 1 {
			p("; %s to %s over the runs", fmtDiff(lo), fmtDiff(hi))
		}
		p(")")
		if lp50, ok := r.med(base+"paired", "limits-added-p50-ns"); ok {
			p(", %s with the tenant limits", fmtDiff(lp50))
		}
		p(": %s", under(p50))
		if _, hi, ok := r.bounds(base+"paired", "added-p50-ns"); ok && p50 < bifrostNs && hi >= bifrostNs {
			p(" by the median, not in every run")
		}
		p(".")
		if cpu, ok := r.diff(base+"gateway", base+"direct", "cpu-ns/op"); ok {
			p("\nThe difference of the CPU medians, %s, is the noisier figure here", fmtDiff(cpu))
			sd, ok1 := r.spread(base+"direct", "cpu-ns/op")
			sg, ok2 := r.spread(base+"gateway", "cpu-ns/op")
			if ok1 && ok2 {
				p(" (the direct host's and the gateway's CPU per\nrequest spread by %.0f%% and %.0f%% over the runs)", sd, sg)
			}
			p(".")
		}
		p("\n")
	}
	p("Both are one request at a time on this loaded 2-core machine, not a mean at 5,000 requests/s on 4 dedicated\n")
	p("vCPUs.\n")
	writeOpenLoopVerdict(w, r, under)
	p("What is and is not comparable follows.\n\n")
}

// writeOpenLoopVerdict states the open-loop figures against Bifrost's:
// the gateway's own time (mean, and p50, native, whole answers) at 5,000
// requests/s and at the highest rate this machine sustained.
func writeOpenLoopVerdict(w io.Writer, r *results, under func(float64) string) {
	p := printer(w)
	mean, verdict, ok := r.openLoopBifrost(5000)
	if !ok {
		p("The open-loop load at 5,000 requests/s was not measured in this run (`make bench-load`).\n")
		return
	}
	p50 := func(rate float64) string {
		return r.cell(fmt.Sprintf("%snative/whole/rate-%.0f/gateway", gwOpenLoop, rate), "overhead-p50-ns", fmtNs)
	}
	p("Under an open-loop load of 5,000 requests/s (whole answers, native; the table above), the gateway's own time\n")
	p("per request, timed inside it, had a mean of %s: %s (p50 %s)", fmtNs(mean), under(mean), p50(5000))
	if verdict != "sustained" {
		p(", **but this machine did not sustain the rate** (%s), so that mean is of the requests it could\n", verdict)
		p("serve, with the handlers' wall time inflated by the cores' contention: a handler the kernel preempts for\n")
		p("milliseconds moves the mean, not the p50")
	}
	p(".\n")
	if rate := r.openLoopSustained(); rate > 0 && rate != 5000 {
		if m, _, ok := r.openLoopBifrost(rate); ok {
			p("At %.0f requests/s, the highest rate measured at which the gateway's phase was sustained, the mean was %s: %s (p50 %s).\n",
				rate, fmtNs(m), under(m), p50(rate))
		}
	} else if rate == 0 {
		p("At no rate measured was the gateway's phase sustained for native whole answers.\n")
	}
}
