//go:build !race

package bedrock

const raceEnabled = false
