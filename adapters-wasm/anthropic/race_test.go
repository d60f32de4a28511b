//go:build race

package anthropic

// raceEnabled: allocation counts are not meaningful under the race
// detector (sync.Pool drops items on purpose).
const raceEnabled = true
