//go:build race

package framing

// raceEnabled is set under the race detector, which drops sync.Pool items
// at random.
const raceEnabled = true
