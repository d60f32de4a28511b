//go:build race

package host

// raceOn is set under the race detector, which drops sync.Pool items at
// random: allocation counts of pooled paths are not checked then.
const raceOn = true
