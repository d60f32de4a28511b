package engine

import (
	"os"
	"sort"
)

// Backends returns the names of the backends compiled into this binary,
// sorted: "wazero", and "wasmtime" in binaries built with -tags wasmtime.
func Backends() []string {
	names := make([]string, 0, len(backends))
	for n := range backends {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// DefaultBackend returns the backend New uses for a Config whose Backend
// is "": the WASMADAPT_BACKEND environment variable when it is set, else
// "wazero".
func DefaultBackend() string {
	if n := os.Getenv("WASMADAPT_BACKEND"); n != "" {
		return n
	}
	return "wazero"
}
