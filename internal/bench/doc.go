// Package bench holds the cross-package benchmarks: one
// adapter's per-chunk transform natively (the floor) and in wazero, over a
// typical recorded stream of its golden cases. It is test-only, so it may
// import the adapters, the engine and the host's framing together; its one
// non-test function, CPUNanos, is the process CPU time the benchmarks
// report per operation (the gateway's step benchmarks use it too).
//
// Run with
//
//	go test ./internal/bench -run '^$' -bench Chunk -count 5
//
// The wazero sub-benchmarks build the adapter modules on first use (a few
// seconds each, cached by the Go build cache).
package bench
