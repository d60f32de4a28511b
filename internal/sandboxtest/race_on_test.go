//go:build race

package sandboxtest

// raceEnabled: the race detector slows the host's Go code (wazero's
// compiler, memory growth) several times, so deadlines are scaled up.
const raceEnabled = true
