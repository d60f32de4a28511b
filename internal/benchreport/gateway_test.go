package main

import (
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
	out := written(writeGateway, gatewaySample)
	wantIn(t, out, out,
		"| native | 50 µs | 90 µs | 80 µs | 150 µs | 30 µs | 70 µs | 32 µs | 75 µs |",
		"| wazero | 1456 | 1035 | 2795 | 1552 |",
		"Bifrost",
		"timed inside the\ngateway",
		"On a t3.medium (2 vCPUs",
		"started at a load average of 31.7 on 2 cores",
	)
	out = written(writeGateway, "run-count: 1\n")
	if n := strings.Count(out, "_Not measured in this run._"); n != 2 || strings.Contains(out, "noise-dominated") {
		t.Errorf("%d tables say not measured, want 2", n)
	}
}
