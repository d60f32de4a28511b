package engine

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api"
	"github.com/wasmadapt/wasmadapt/internal/defaults"
)

// Defaults of CrashPolicy.
const (
	// DefaultCrashLimit is how many faults within DefaultCrashWindow
	// suspend a module.
	DefaultCrashLimit = 5
	// DefaultCrashWindow is the window faults are counted in.
	DefaultCrashWindow = 10 * time.Second
	// DefaultSuspendBackoff is the first suspension's length.
	DefaultSuspendBackoff = time.Second
	// DefaultMaxSuspendBackoff caps a suspension's length.
	DefaultMaxSuspendBackoff = time.Minute
)

// CrashPolicy stops a module's crash loop. Every executor fault of a call
// (adapter_trap, adapter_timeout, adapter_memory, adapter_bad_output; not
// the adapter's own refusals) costs an instance, and a fresh instance of a
// Go guest costs milliseconds and megabytes to create: a module that faults
// on every call would spend the host's CPU on instantiation. When Limit
// faults happen within Window, the module is suspended for Backoff: its
// calls fail at once with adapter_trap, saying so and when to retry,
// without touching an instance. After the suspension the module serves
// again; if it is suspended again before it has run a whole Window without
// being suspended, the suspension doubles, up to MaxBackoff.
//
// The zero value takes the defaults; a negative Limit disables suspension.
type CrashPolicy struct {
	// Limit is how many faults within Window suspend the module
	// (default DefaultCrashLimit; negative: never suspend).
	Limit int
	// Window is the sliding window faults are counted in (default
	// DefaultCrashWindow).
	Window time.Duration
	// Backoff is the first suspension's length (default
	// DefaultSuspendBackoff).
	Backoff time.Duration
	// MaxBackoff caps a suspension's length (default
	// DefaultMaxSuspendBackoff).
	MaxBackoff time.Duration
}

func (p *CrashPolicy) withDefaults() {
	if p.Limit == 0 {
		p.Limit = DefaultCrashLimit
	}
	defaults.Positive(&p.Window, DefaultCrashWindow)
	defaults.Positive(&p.Backoff, DefaultSuspendBackoff)
	defaults.Positive(&p.MaxBackoff, DefaultMaxSuspendBackoff)
	if p.MaxBackoff < p.Backoff {
		p.MaxBackoff = p.Backoff
	}
}

// crashGuard counts one module's faults and holds its suspension.
type crashGuard struct {
	policy CrashPolicy
	now    func() time.Time

	mu      sync.Mutex
	faults  []time.Time // fault times within the window, oldest first
	until   time.Time   // end of the current (or last) suspension
	backoff time.Duration
	err     *abi.Error // the error calls get while suspended
}

func newCrashGuard(p CrashPolicy) *crashGuard {
	p.withDefaults()
	return &crashGuard{policy: p, now: time.Now, backoff: p.Backoff}
}

// check returns the suspension error while the module is suspended.
func (g *crashGuard) check() error {
	if g == nil || g.policy.Limit < 0 {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err == nil {
		return nil
	}
	if !g.now().Before(g.until) {
		g.err = nil
		return nil
	}
	e := *g.err
	return &e
}

// record counts one fault of module name and suspends the module when it
// reaches the limit. It returns the suspension's length, or 0.
func (g *crashGuard) record(name string) time.Duration {
	if g == nil || g.policy.Limit < 0 {
		return 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if g.err != nil && now.Before(g.until) {
		return 0 // a call already in flight when the module was suspended
	}
	cut := 0
	for cut < len(g.faults) && now.Sub(g.faults[cut]) >= g.policy.Window {
		cut++
	}
	g.faults = append(g.faults[:0], g.faults[cut:]...)
	g.faults = append(g.faults, now)
	if len(g.faults) < g.policy.Limit {
		return 0
	}
	// A whole window without suspension since the last one: start again
	// from the first backoff.
	if !g.until.IsZero() && now.Sub(g.until) >= g.policy.Window {
		g.backoff = g.policy.Backoff
	}
	d := g.backoff
	g.until = now.Add(d)
	g.backoff = min(2*g.backoff, g.policy.MaxBackoff)
	g.err = abi.Errorf(abi.CodeAdapterTrap,
		"module %q suspended after %d crashes in %v; retry after %v (at %s): fix the module, whose faults are in the log, or load a corrected version",
		name, len(g.faults), g.policy.Window, d, g.until.UTC().Format(time.RFC3339Nano))
	g.faults = g.faults[:0]
	return d
}

// Suspended reports whether m is suspended after a crash loop (see
// CrashPolicy) and until when. A module not made by this package is never
// suspended.
// It is api.Suspended.
func Suspended(m Module) (until time.Time, ok bool) { return api.Suspended(m) }

// Suspended implements api.Inspector.
func (m *module) Suspended() (until time.Time, ok bool) {
	if m.crashes == nil {
		return time.Time{}, false
	}
	g := m.crashes
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err == nil || !g.now().Before(g.until) {
		return time.Time{}, false
	}
	return g.until, true
}

// Fault attribution: only faults the module caused count towards
// suspension. A call whose caller went away (its context cancelled, or its
// own deadline passed) is not the module's fault, and neither is an input
// over Config.MaxInputBytes, which is refused before the module runs.

// InputLimit returns the largest input m accepts in one call
// (Config.MaxInputBytes), or 0 when m is not made by this package. It is
// api.InputLimit.
func InputLimit(m Module) int { return api.InputLimit(m) }

// InputLimit implements api.Inspector.
func (m *module) InputLimit() int { return m.cfg.MaxInputBytes }

// admit refuses a call whose input exceeds the input limit, or whose
// caller is already gone, before the module runs.
func (m *module) admit(ctx context.Context, fn exportID, n int) error {
	if limit := m.cfg.MaxInputBytes; limit > 0 && n > limit {
		code := abi.CodeStreamTruncated
		what := "the provider's response"
		if fn == expProject || fn == expCapabilities {
			code, what = abi.CodeInvalidRequest, "the request"
		}
		return &abi.Error{Code: code, Err: ErrInputTooLarge, Message: fmt.Sprintf(
			"%s input of module %q is %d bytes, more than its %d-byte input limit (Config.MaxInputBytes): %s is too large for the module; it was not called",
			exportNames[fn], m.name, n, limit, what)}
	}
	if err := ctx.Err(); err != nil {
		return &abi.Error{Code: abi.CodeAdapterTimeout, Message: "the call's context ended before the call", Err: err}
	}
	return nil
}

// callerEnded reports whether a failed call ended because of its caller:
// the context is done, its own deadline has passed (the engine stops a
// call at the caller's deadline when it is shorter than CallTimeout, and
// may see it before the context does).
func callerEnded(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && !time.Now().Before(dl)
}

// faultCtx is fault for a call made with ctx: the instance is discarded
// and counted in Faults either way, but a call that failed because its
// caller went away does not count towards suspension.
func (m *module) faultCtx(ctx context.Context, fn exportID, err error) {
	if !callerEnded(ctx) {
		m.fault(fn, err)
		return
	}
	m.faults.Add(1)
	m.log.Debug("engine: call stopped by its caller, instance discarded", slog.String("module", m.name),
		slog.String("export", exportNames[fn]), slog.Any("error", err))
}
