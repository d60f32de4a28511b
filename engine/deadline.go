package engine

// The per-call deadline: why loop instrumentation (issue 8).
//
// Guarantee: a guest that never returns (an infinite loop in any export)
// must be stopped within the call's deadline and reported as
// adapter_timeout, and the instance discarded. wazero's native code cannot
// be preempted by Go, so something must be compiled into the guest's loops.
//
// Measured on the development machine (2 shared cores, AMD EPYC,
// go test -bench 'Deadline|Boundary' -benchtime=20000x -count=3, medians),
// Go echo guest, one transform call of a ~190-byte chunk:
//
//	mechanism                                    transform   empty call (abi_version)
//	none (no deadline; floor, cannot stop loops)  3.5 µs       21 ns
//	instrument (shipped)                          3.8 µs       95 ns
//	watchdog: WithCloseOnContextDone + reused     16.0 µs     270 ns, 3 allocs
//	  timer closing the module
//	context: WithCloseOnContextDone +             16.3 µs     718 ns, 8 allocs
//	  context.WithTimeout per call
//	native floor (same adapter code, no Wasm)      1.0 µs
//
// The same comparison on a real chat-completions adapter of adapters-wasm
// (one typical streamed chunk, state carried over): none 5.2 µs,
// instrument 5.8 µs, watchdog 26.2 µs, context 26.4 µs.
//
// WithCloseOnContextDone costs little per call (a goroutine per call into
// the guest, ~250 ns) but a lot inside the guest: at every loop header the
// compiled code leaves native code for Go to test whether the module was
// closed, which made the Go guest's own work 4-5x slower. The per-call
// context.WithTimeout adds allocations on top.
//
// instrument (instrument.go) instead rewrites the module at load so that
// each loop header and each function entry decrements a private budget
// global (bulk memory and table instructions decrement it by their size,
// n>>8) and, whenever yieldEvery (16384) units are spent, calls the
// module's own wasi sched_yield import. (Loop headers alone let a
// loop-free recursion tree, or a loop of 31 MiB memory.copy, run for
// minutes between two checks.) A reusable
// per-instance time.Timer (Reset/Stop per call, no allocation) marks the
// instance interrupted when the deadline passes; the next sched_yield then
// panics in the host, which unwinds the guest as an error that the engine
// reports as adapter_timeout. Regular returns to Go also keep Go's
// stop-the-world phases from waiting on a spinning guest (without them a GC
// started during an infinite loop deadlocks the whole process: observed
// while testing a pure global-flag check). The cost is the countdown
// (a few native instructions per loop iteration, +8% on the echo
// transform) and ~70 ns per call for arming and stopping the timer.
//
// Overshoot bound. After the deadline passes, a guest reaches sched_yield
// within yieldEvery units: at most 16384 loop iterations or function
// entries (between two of them the guest runs straight-line code, at most
// one function body long), plus at most 4 MiB of bulk memory work, plus
// one bulk instruction (at most the memory cap, Config.MemoryLimitBytes:
// ~5 ms for 32 MiB, or a table of at most 131,072 elements). Host calls check the deadline themselves: random_get every
// 1 MiB, fd_write at every write (and reads at most 1 MiB per stream per
// call). The hostile corpus holds the overshoot under 1.5 s on a loaded
// 2-core machine (wat-recursion-tree, wat-memory-copy-loop,
// wat-random-loop, wat-fd-write-flood; before: 27 s to 2 h).
//
// Cost of the extra instrumentation (function entries with the call-stack
// counter, bulk-instruction charges), measured as the minimum thread CPU
// time over repeated runs (wall clock on the loaded 2-core machine was too
// noisy; BenchmarkRewrite runs the same modules): +1.4 ns per function
// entry (3.1 -> 4.5 ns per call of a recursive fib), +2.1 ns per iteration
// of a loop of 64-byte memory.copy (5.5 -> 7.6 ns); on the echo transform,
// where a Go guest enters a few hundred functions, 3.25 -> 3.61 µs (+11%)
// against loop-only instrumentation (no deadline at all: 2.8 µs). The
// checks keep the counters in a scratch local of each function, and the
// call-stack check calls out of line only once per call, when the depth
// first passes a quarter of the cap.
//
// Limits: the caller's context is consulted before the call and its
// deadline (when shorter than CallTimeout) arms the timer, but a
// cancellation without a deadline does not stop a call already running
// (CallTimeout still bounds it). A module that does not import sched_yield
// (Go guests always do) or uses instructions the rewriter does not know
// (SIMD, threads, exception handling, tail calls) is refused at load with
// abi_mismatch.
//
// Other numbers measured (BenchmarkLoad, BenchmarkInstantiate, echo guest,
// 3.5 MB): New+Load with a cold compilation cache ~750 ms, with the on-disk
// cache warm ~40 ms; one new instance (instantiate + Go runtime
// _initialize) ~2.6 ms and 3.4 MB of linear memory (3.25 MiB) after init.
