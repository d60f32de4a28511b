//go:build race

package host_test

// raceEnabled is set under the race detector, where compiling every built
// Wasm module is slow: the module replay test then uses one module.
const raceEnabled = true
