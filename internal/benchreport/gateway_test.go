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
