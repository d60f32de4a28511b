//go:build unix

package bench

import "syscall"

// CPUNanos is the process's user plus system CPU time: on a shared,
// oversubscribed machine it measures the work done, where wall time also
// counts the time other processes held the cores. The benchmarks report
// it per operation (cpu-ns/op, cpu-ns/chunk); the gateway's step
// benchmarks import it from here.
func CPUNanos() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
