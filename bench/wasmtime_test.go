//go:build wasmtime

package bench

func init() { wasmBackends = append(wasmBackends, "wasmtime") }
