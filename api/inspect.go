package api

import (
	"errors"
	"time"
)

// ErrInputTooLarge is the cause (errors.Is) of the error of a call whose
// input is larger than the module's input limit (engine.Config.MaxInputBytes,
// see InputLimit): stream_truncated for a provider's event or body
// (transform, parse_response, map_error), invalid_request for a request or
// model name. The module never sees it and it never counts towards
// suspension.
var ErrInputTooLarge = errors.New("engine: the call's input is larger than the module's input limit (Config.MaxInputBytes)")

// Inspector is implemented by a Module that reports its runtime state.
// The functions of this package (Closed, Faults, Suspended, InstanceStats,
// InputLimit) read it through this interface and report the zero state for
// a Module that does not implement it. A Module that stands for others
// implements it on the one serving now: a registry handle
// (engine/registry) reports its active version, a rollout manager's
// module its registry handle.
type Inspector interface {
	// Closed reports whether the module was closed.
	Closed() bool
	// Faults returns how many calls ended in an executor fault (trap,
	// timeout, memory, bad output) since the module was loaded.
	Faults() uint64
	// Suspended reports whether the module is suspended after a crash
	// loop, and until when.
	Suspended() (until time.Time, ok bool)
	// InstanceStats returns the module's idle instances and their memory.
	InstanceStats() Stats
	// InputLimit returns the largest input the module accepts in one
	// call (0: no limit known).
	InputLimit() int
}

// Stats describes the instances a module holds at rest.
type Stats struct {
	// Idle is the number of idle instances in the module's pool (at most
	// its pool size; instances busy in a call are not counted).
	Idle int
	// MemoryBytes is the sum of the idle instances' linear memory. Wasm
	// memory never shrinks, so this is each instance's peak: bound it
	// with engine.Config.RecycleMemoryBytes.
	MemoryBytes uint64
}

// Closed reports whether m was closed (a registry closes a version once it
// is retired and drained). Caches keyed by module use it to drop what they
// hold for closed ones. A Module that is not an Inspector is never
// reported closed.
func Closed(m Module) bool {
	if in, ok := m.(Inspector); ok {
		return in.Closed()
	}
	return false
}

// Faults returns how many calls of m ended in an executor fault (trap,
// timeout, memory, bad output) since it was loaded; 0 for a Module that is
// not an Inspector.
func Faults(m Module) uint64 {
	if in, ok := m.(Inspector); ok {
		return in.Faults()
	}
	return 0
}

// Suspended reports whether m is suspended after a crash loop (see
// engine.CrashPolicy) and until when. A Module that is not an Inspector is
// never suspended.
func Suspended(m Module) (until time.Time, ok bool) {
	if in, isIn := m.(Inspector); isIn {
		return in.Suspended()
	}
	return time.Time{}, false
}

// InstanceStats returns m's idle instances and their memory, for
// monitoring and tests. A Module that is not an Inspector has none.
func InstanceStats(m Module) Stats {
	if in, ok := m.(Inspector); ok {
		return in.InstanceStats()
	}
	return Stats{}
}

// InputLimit returns the largest input m accepts in one call, or 0 when m
// is not an Inspector.
func InputLimit(m Module) int {
	if in, ok := m.(Inspector); ok {
		return in.InputLimit()
	}
	return 0
}
