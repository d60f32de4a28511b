//go:build !unix

package bench

// cpuNanos is unavailable here: the cpu-ns/chunk metric reads 0.
func cpuNanos() int64 { return 0 }
