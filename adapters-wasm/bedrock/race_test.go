//go:build race

package bedrock

// raceEnabled: allocation counts are not meaningful under the race
// detector (sync.Pool drops items on purpose).
const raceEnabled = true
