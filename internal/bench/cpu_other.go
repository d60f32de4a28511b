//go:build !unix

package bench

// CPUNanos is unavailable here: the cpu-ns metrics read 0.
func CPUNanos() int64 { return 0 }
