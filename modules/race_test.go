//go:build race

package modules

// raceEnabled: compiling a 4 MB module under the race detector takes over
// a minute, so the tests that would only repeat engine.Load skip it.
const raceEnabled = true
