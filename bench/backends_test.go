package bench

// wasmBackends lists the engine backends compiled into this test binary:
// wazero always, wasmtime with -tags wasmtime (wasmtime_test.go).
var wasmBackends = []string{"wazero"}
