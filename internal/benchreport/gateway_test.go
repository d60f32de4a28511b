package main

import (
	"bytes"
	"strings"
	"testing"
)

const gatewaySample = `run-count: 1
machine-cores: 2
run-step: gateway-latency (benchtime 300ms) load 31.74 26.93 19.50
BenchmarkGatewayLatency/native-2   	 1000	 1000 ns/op	 50000 host-p50-ns	 90000 host-p99-ns	 80000 gw-p50-ns	 150000 gw-p99-ns	 30000 added-p50-ns	 70000 added-p99-ns	 32000 limits-added-p50-ns	 75000 limits-added-p99-ns
BenchmarkGatewayThroughput/wazero/host/streams-1-2   	 50	 1000 ns/op	 1456 streams/s
BenchmarkGatewayThroughput/wazero/gateway/streams-1-2   	 50	 1000 ns/op	 1035 streams/s
BenchmarkGatewayThroughput/wazero/host/streams-64-2   	 50	 1000 ns/op	 2795 streams/s
BenchmarkGatewayThroughput/wazero/gateway/streams-64-2   	 50	 1000 ns/op	 1552 streams/s
`

// TestGatewaySection: the gateway's rows come from their metrics, and a
// run without the benchmarks says so.
func TestGatewaySection(t *testing.T) {
	wantAll(t, gatewaySection(gatewaySample),
		"| native | 50 µs | 90 µs | 80 µs | 150 µs | 30 µs | 70 µs | 32 µs | 75 µs |",
		"| wazero | 1456 | 1035 | 2795 | 1552 |",
		"Bifrost",
		"timed inside the\ngateway",
		"On a t3.medium (2 vCPUs",
		"started at a load average of 31.7 on 2 cores",
	)
	out := gatewaySection("run-count: 1\n")
	// Latency, throughput and the in-process table.
	if n := strings.Count(out, "_Not measured in this run._"); n != 3 || strings.Contains(out, "noise-dominated") {
		t.Errorf("%d tables say not measured, want 3", n)
	}
}

const inProcessSample = `run-count: 1
machine-cores: 2
run-step: gateway-in-process (benchtime 200ms) load 25.10 24.00 20.00
BenchmarkGatewayInProcess/native/whole/raw-2   	 1000	 5000 ns/op	 4000 cpu-ns/op	 2264 B/op	 21 allocs/op
BenchmarkGatewayInProcess/native/whole/direct-2   	 1000	 150000 ns/op	 120000 cpu-ns/op	 61000 B/op	 211 allocs/op
BenchmarkGatewayInProcess/native/whole/gateway-2   	 1000	 160000 ns/op	 135000 cpu-ns/op	 67000 B/op	 260 allocs/op
BenchmarkGatewayInProcess/native/whole/gateway-limits-2   	 1000	 170000 ns/op	 140000 cpu-ns/op	 68000 B/op	 280 allocs/op
BenchmarkGatewayInProcess/native/whole/paired-2   	 1000	 500000 ns/op	 9000 added-p50-ns	 900000 added-p99-ns	 14000 limits-added-p50-ns	 900000 limits-added-p99-ns
BenchmarkGatewayInProcess/native/whole/paired-2   	 1000	 500000 ns/op	 7000 added-p50-ns	 900000 added-p99-ns	 13000 limits-added-p50-ns	 900000 limits-added-p99-ns
BenchmarkGatewayInProcess/native/whole/paired-2   	 1000	 500000 ns/op	 12000 added-p50-ns	 900000 added-p99-ns	 15000 limits-added-p50-ns	 900000 limits-added-p99-ns
BenchmarkGatewayInProcess/native/whole/direct-2   	 1000	 150000 ns/op	 130000 cpu-ns/op	 61000 B/op	 211 allocs/op
BenchmarkGatewayInProcess/native/whole/direct-2   	 1000	 150000 ns/op	 110000 cpu-ns/op	 61000 B/op	 211 allocs/op
BenchmarkGatewayInProcess/native/whole/gateway-2   	 1000	 160000 ns/op	 125000 cpu-ns/op	 67000 B/op	 260 allocs/op
BenchmarkGatewayInProcess/native/whole/gateway-2   	 1000	 160000 ns/op	 145000 cpu-ns/op	 67000 B/op	 260 allocs/op
BenchmarkGatewayInProcess/native/stream/direct-2   	 1000	 150000 ns/op	 120000 cpu-ns/op	 61000 B/op	 199 allocs/op
BenchmarkGatewayInProcess/native/stream/gateway-2   	 1000	 160000 ns/op	 118000 cpu-ns/op	 67000 B/op	 270 allocs/op
BenchmarkGatewayInProcessParts/decode-2   	 1000	 5000 ns/op	 4000 cpu-ns/op	 1336 B/op	 18 allocs/op
BenchmarkGatewayInProcessParts/encode-whole-2   	 1000	 2000 ns/op	 2000 cpu-ns/op	 704 B/op	 5 allocs/op
BenchmarkGatewayInProcessSteps/key-2   	 1000	 1000 ns/op	 800 cpu-ns/op	 368 B/op	 2 allocs/op
BenchmarkGatewayInProcessSteps/route-2   	 1000	 100 ns/op	 100 cpu-ns/op	 16 B/op	 1 allocs/op
BenchmarkGatewayInProcessSteps/limits-2   	 1000	 5000 ns/op	 3000 cpu-ns/op	 1100 B/op	 19 allocs/op
BenchmarkGatewayInProcessSteps/telemetry-2   	 1000	 3000 ns/op	 2000 cpu-ns/op	 976 B/op	 12 allocs/op
`

// TestGatewayInProcess: the in-process rows are differences of the
// medians, the closest figure to Bifrost's is key + route + limits, and
// the verdict follows the numbers; without the benchmarks the verdict
// says so.
func TestGatewayInProcess(t *testing.T) {
	wantAll(t, gatewaySection(inProcessSample),
		"| native | whole | 4.00 µs | 120 µs | 135 µs | 15 µs | 20 µs | 9.00 µs | 14 µs | 211 / 260 / 280 |",
		"| native | stream (6 events) | — | 120 µs | 118 µs | −2.00 µs | — | — | — | 199 / 270 / — |",
		"| limits | `admit` then settle",
		"take 900 ns of CPU, **3.90 µs with the three tenant limits**.\n",
		"the parts sum to 8.90 µs of CPU, against 15 µs added CPU and 9.00 µs added p50\n(paired)",
		"is 3.90 µs of CPU per request: **under 11 µs**.",
		"is 9.00 µs added\np50 (paired; 7.00 µs to 12 µs over the runs), 14 µs with the tenant limits: **under 11 µs** by the median, not in every run.\nThe difference of the CPU medians, 15 µs, is the noisier figure here (the direct host's and the gateway's CPU per\nrequest spread by 17% and 15% over the runs).",
		"measured at a load average of 25.1 on 2 cores",
	)
	if out := gatewaySection(gatewaySample); !strings.Contains(out, "**Verdict:** not evaluated") || strings.Count(out, "_Not measured in this run._") != 1 {
		t.Errorf("a run without the in-process benchmarks:\n%s", out)
	}
}

// gatewaySection is the gateway's section of the report of raw.
func gatewaySection(raw string) string {
	var buf bytes.Buffer
	writeGateway(&buf, parse([]byte(raw)))
	return buf.String()
}

// wantAll fails t for each of wants that out lacks.
func wantAll(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("section lacks %q:\n%s", want, out)
		}
	}
}

const openLoopSample = `run-count: 1
machine-cores: 2
run-step: gateway-open-loop (internal/cmd/gwload, rates 5000,1000/s, 10s after a 2s warm-up, 2026-12-07T23:00:00Z) load 3.10 2.00 1.50
gwload-plan: 10s after a 2s warm-up, provider delay 0s, max in flight 4096
gwload-phase: native/whole/rate-5000/direct load 3.10 2.00 1.50 not sustained: skipped 10 (in-flight bound); achieved under 98% of the target
BenchmarkGatewayOpenLoop/native/whole/rate-5000/direct 50000 3000.0 req/s 30000 ok 0 errors 10 skipped 2000000 p50-ns 3000000 p90-ns 9000000 p99-ns 20000000 max-ns 500000 lag-p99-ns 900000 lag-max-ns 100000 cpu-ns/req
gwload-phase: native/whole/rate-5000/gateway load 3.20 2.00 1.50 not sustained: achieved under 98% of the target
BenchmarkGatewayOpenLoop/native/whole/rate-5000/gateway 50000 2000.0 req/s 20000 ok 0 errors 0 skipped 5000000 p50-ns 8000000 p90-ns 30000000 p99-ns 40000000 max-ns 500000 lag-p99-ns 900000 lag-max-ns 120000 cpu-ns/req 90000 client-cpu-ns/req 25000 overhead-mean-ns 16000 overhead-p50-ns 200000 overhead-p99-ns
gwload-phase: native/whole/rate-1000/direct load 1.10 2.00 1.50 sustained
BenchmarkGatewayOpenLoop/native/whole/rate-1000/direct 10000 1000.0 req/s 10000 ok 0 errors 0 skipped 300000 p50-ns 500000 p90-ns 900000 p99-ns 2000000 max-ns 100000 lag-p99-ns 300000 lag-max-ns 140000 cpu-ns/req
gwload-phase: native/whole/rate-1000/gateway load 1.20 2.00 1.50 sustained
BenchmarkGatewayOpenLoop/native/whole/rate-1000/gateway 10000 1000.0 req/s 10000 ok 0 errors 0 skipped 450000 p50-ns 700000 p90-ns 1500000 p99-ns 3000000 max-ns 100000 lag-p99-ns 300000 lag-max-ns 160000 cpu-ns/req 60000 client-cpu-ns/req 9000 overhead-mean-ns 8000 overhead-p50-ns 30000 overhead-p99-ns
gwload-load-end: 1.00 1.50 1.40
`

// TestGatewayOpenLoop: the open-loop rows put direct and gateway side by
// side with gwload's verdicts, highest rate first, and the Bifrost verdict
// states the 5,000/s mean with whether the rate was sustained, then the
// highest sustained rate's; without the load it says so.
func TestGatewayOpenLoop(t *testing.T) {
	out := gatewaySection(openLoopSample)
	wantAll(t, out,
		"| native | whole | 5000/s | 3000 / 2000 | 2.0 ms / 5.0 ms | 9.0 ms / 30.0 ms | 40.0 ms | 3.0 ms | 21.0 ms | 120 µs | 25 µs | 16 µs / 200 µs | 3.20 2.00 1.50 | direct not sustained: skipped 10 (in-flight bound); achieved under 98% of the target; gateway not sustained: achieved under 98% of the target |",
		"| native | whole | 1000/s | 1000 / 1000 | 300 µs / 450 µs | 900 µs / 1.5 ms | 3.0 ms | 150 µs | 600 µs | 160 µs | 9.00 µs | 8.00 µs / 30 µs | 1.20 2.00 1.50 | gateway sustained |",
		"Each phase: 10s after a 2s warm-up, provider delay 0s, max in flight 4096. Run: gateway-open-loop (internal/cmd/gwload",
		"Load average at its end: 1.00 1.50 1.40.",
		"had a mean of 25 µs: **not under 11 µs** (p50 16 µs), **but this machine did not sustain the rate** (not sustained: achieved under 98% of the target)",
		"At 1000 requests/s, the highest rate measured at which the gateway's phase was sustained, the mean was 9.00 µs: **under 11 µs** (p50 8.00 µs).",
	)
	if strings.Index(out, "| 5000/s |") > strings.Index(out, "| 1000/s |") {
		t.Error("the rows are not highest rate first")
	}
	out = gatewaySection(inProcessSample)
	wantAll(t, out, "_Not measured in this run: `make bench-load` appends it._", "The open-loop load at 5,000 requests/s was not measured in this run")
}
