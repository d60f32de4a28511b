//go:build !race

package chatcompletions

const raceEnabled = false
