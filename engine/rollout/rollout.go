// Package rollout runs a canary: a new version of a module serves a
// fraction of new requests next to the active one, their error rates are
// compared, and the new version is promoted or rolled back automatically,
// with the reason.
//
//	cand, _ := eng.Load(ctx, "openai", newWasm)                   // compiled before any request sees it
//	c := rollout.New(reg.Module("openai"), cand, rollout.Options{
//		Fraction: 0.1, MinRequests: 200, Window: 10 * time.Minute,
//		Promote:  func(ctx context.Context) error { _, err := reg.LoadPinned(ctx, "openai", cand.Digest(), newWasm, registry.WithActivate()); return err },
//		OnDecision: func(d rollout.Decision) { log.Println(d) },
//	})
//	p := host.Provider{Module: c}                                  // instead of reg.Module("openai")
//
// A request is routed once, when the host pins it (engine.Pinner: every
// call of a request or stream goes to the same version), so a stream never
// changes version. A request counts as failed when any of its calls failed
// or produced an error event; the codes are kept per version. Once the
// candidate has served MinRequests requests, it is rolled back if its error
// rate exceeds the stable version's by more than MaxIncrease, and promoted
// otherwise; when Window ends first, it is rolled back for lack of
// evidence. After the decision every new request goes to the stable module
// (which, after a promotion, serves the new version), and the candidate is
// closed when its last request ends.
//
// With oci.WatchTag's Load hook (WatchOptions.Load), every process that
// watches one tag runs the canary of the digest the tag names, and the
// fleet converges on it or stays on the stable version.
package rollout

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/internal/defaults"
)

// Defaults of Options.
const (
	DefaultFraction    = 0.1
	DefaultMinRequests = 100
	DefaultWindow      = 10 * time.Minute
	DefaultMaxIncrease = 0.02
)

// Options configure a canary. The zero value takes the defaults.
type Options struct {
	// Fraction of new requests sent to the candidate (0 < Fraction < 1;
	// default DefaultFraction).
	Fraction float64
	// MinRequests the candidate must serve before the comparison
	// (default DefaultMinRequests).
	MinRequests int
	// Window is the longest the canary runs (default DefaultWindow):
	// without MinRequests by then, the candidate is rolled back.
	Window time.Duration
	// MaxIncrease is how much higher than the stable version's the
	// candidate's error rate may be (absolute: 0.02 is two points;
	// default DefaultMaxIncrease).
	MaxIncrease float64
	// Promote makes the candidate the stable version (typically
	// Registry.LoadPinned with registry.WithActivate). A failing Promote
	// is reported as a rollback.
	Promote func(ctx context.Context) error
	// OnDecision receives the decision, once.
	OnDecision func(Decision)
}

// Stats are one version's outcomes during the canary.
type Stats struct {
	Requests, Failed int
	// Codes counts the failures by error code.
	Codes map[abi.Code]int
}

// Rate is Failed/Requests (0 without requests).
func (s Stats) Rate() float64 {
	if s.Requests == 0 {
		return 0
	}
	return float64(s.Failed) / float64(s.Requests)
}

// String formats the stats as "F/N failed (R%; code×n ...)".
func (s Stats) String() string {
	codes := make([]string, 0, len(s.Codes))
	for c, n := range s.Codes {
		codes = append(codes, fmt.Sprintf("%s×%d", c, n))
	}
	sort.Strings(codes)
	if len(codes) == 0 {
		return fmt.Sprintf("%d/%d failed (%.1f%%)", s.Failed, s.Requests, 100*s.Rate())
	}
	return fmt.Sprintf("%d/%d failed (%.1f%%; %s)", s.Failed, s.Requests, 100*s.Rate(), strings.Join(codes, " "))
}

// Decision is the canary's outcome.
type Decision struct {
	// Name is the module's name, Candidate the candidate's digest.
	Name, Candidate string
	Promoted        bool
	// Reason says why, with the numbers.
	Reason            string
	Stable, CandStats Stats
}

// String is one line: the module, the candidate, the verdict and why.
func (d Decision) String() string {
	verb := "rolled back"
	if d.Promoted {
		verb = "promoted"
	}
	short := d.Candidate
	if len(short) > 12 {
		short = short[:12]
	}
	return fmt.Sprintf("canary %s@%s %s: %s", d.Name, short, verb, d.Reason)
}

// Canary routes requests between a stable module and a candidate. It
// implements engine.Module and engine.Pinner; pass it as
// host.Provider.Module.
type Canary struct {
	stable, cand engine.Module
	o            Options

	mu       sync.Mutex
	n        uint64 // requests routed, for the deterministic split
	st, cs   Stats
	decided  *Decision
	inFlight int // candidate requests not yet released
	closed   bool
	timer    *time.Timer
	done     chan struct{}
}

var (
	_ engine.Module = (*Canary)(nil)
	_ engine.Pinner = (*Canary)(nil)
)

// New starts a canary of cand against stable.
func New(stable, cand engine.Module, o Options) *Canary {
	if o.Fraction <= 0 || o.Fraction >= 1 {
		o.Fraction = DefaultFraction
	}
	defaults.Positive(&o.MinRequests, DefaultMinRequests)
	defaults.Positive(&o.Window, DefaultWindow)
	defaults.Positive(&o.MaxIncrease, DefaultMaxIncrease)
	c := &Canary{stable: stable, cand: cand, o: o, done: make(chan struct{}),
		st: Stats{Codes: map[abi.Code]int{}}, cs: Stats{Codes: map[abi.Code]int{}}}
	c.mu.Lock()
	c.timer = time.AfterFunc(o.Window, func() {
		c.mu.Lock()
		d := c.decideLocked(true)
		c.mu.Unlock()
		c.finish(d)
	})
	c.mu.Unlock()
	return c
}

// Done is closed once the canary has decided and acted on the decision.
func (c *Canary) Done() <-chan struct{} { return c.done }

// Decision returns the decision, nil while the canary runs; it is final
// once Done is closed (a failed promotion turns it into a rollback).
func (c *Canary) Decision() *Decision {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.decided == nil {
		return nil
	}
	d := *c.decided
	return &d
}

// decideLocked returns a decision when one is due (nil otherwise) and
// records it; the caller acts on it with finish, outside the lock.
func (c *Canary) decideLocked(windowOver bool) *Decision {
	if c.decided != nil {
		return nil
	}
	d := &Decision{Name: c.cand.Name(), Candidate: c.cand.Digest(), Stable: c.st, CandStats: c.cs}
	switch {
	case c.cs.Requests >= c.o.MinRequests:
		inc := c.cs.Rate() - c.st.Rate()
		d.Promoted = inc <= c.o.MaxIncrease
		cmp := "within"
		if !d.Promoted {
			cmp = "over"
		}
		d.Reason = fmt.Sprintf("error rate %.1f%% vs %.1f%% for the stable version: %+.1f points, %s the %.1f allowed (candidate %s; stable %s)",
			100*c.cs.Rate(), 100*c.st.Rate(), 100*inc, cmp, 100*c.o.MaxIncrease, c.cs, c.st)
	case windowOver:
		d.Reason = fmt.Sprintf("the %s window ended after %d candidate request(s), fewer than the %d needed to compare", c.o.Window, c.cs.Requests, c.o.MinRequests)
	default:
		return nil
	}
	c.decided = d
	return d
}

// finish acts on a decision: promote (or roll back when that fails),
// report, and close the candidate when it serves nothing more.
func (c *Canary) finish(d *Decision) {
	if d == nil {
		return
	}
	c.mu.Lock()
	c.timer.Stop()
	promote := d.Promoted
	c.mu.Unlock()
	if promote && c.o.Promote != nil {
		if err := c.o.Promote(context.Background()); err != nil {
			c.mu.Lock()
			d.Promoted = false
			d.Reason = "promotion failed: " + err.Error() + " (" + d.Reason + ")"
			c.mu.Unlock()
		}
	}
	c.mu.Lock()
	final := *d
	c.mu.Unlock()
	if c.o.OnDecision != nil {
		c.o.OnDecision(final)
	}
	c.mu.Lock()
	closeNow := c.inFlight == 0 && !c.closed
	if closeNow {
		c.closed = true
	}
	c.mu.Unlock()
	if closeNow {
		c.cand.Close(context.Background())
	}
	close(c.done)
}

// pick routes one new request: true for the candidate.
func (c *Canary) pick() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.decided != nil {
		return false
	}
	c.n++
	// Deterministic split: request n goes to the candidate when
	// floor(n*f) moves, so exactly Fraction of requests do.
	f := c.o.Fraction
	if uint64(float64(c.n)*f) == uint64(float64(c.n-1)*f) {
		return false
	}
	c.inFlight++
	return true
}

// Pin implements engine.Pinner: the request goes to the candidate or to
// the stable module (pinned through it when it is a Pinner), and its
// outcome is recorded when the host releases it.
func (c *Canary) Pin() (engine.Module, func()) {
	toCand := c.pick()
	var m engine.Module
	release := func() {}
	if toCand {
		m = c.cand
	} else if p, ok := c.stable.(engine.Pinner); ok {
		m, release = p.Pin()
	} else {
		m = c.stable
	}
	r := &recorder{Module: m}
	var once sync.Once
	return r, func() {
		once.Do(func() {
			release()
			c.record(toCand, r)
		})
	}
}

func (c *Canary) record(cand bool, r *recorder) {
	c.mu.Lock()
	s := &c.st
	if cand {
		s = &c.cs
		c.inFlight--
	}
	r.mu.Lock()
	failed, code := r.failed, r.code
	r.mu.Unlock()
	if c.decided == nil {
		s.Requests++
		if failed {
			s.Failed++
			s.Codes[code]++
		}
	}
	d := c.decideLocked(false)
	closeCand := cand && c.decided != nil && d == nil && c.inFlight == 0 && !c.closed
	if closeCand {
		c.closed = true
	}
	c.mu.Unlock()
	if closeCand {
		// Decided earlier, while this request was still running.
		c.cand.Close(context.Background())
	}
	c.finish(d)
}

// recorder passes calls through and remembers the request's first failure.
type recorder struct {
	engine.Module
	mu     sync.Mutex
	failed bool
	code   abi.Code
}

func (r *recorder) note(err error, evs []abi.Event) {
	code := abi.Code("")
	if err != nil {
		if code = abi.CodeOf(err); code == "" {
			code = "error"
		}
	} else {
		for _, ev := range evs {
			if ev.Type == abi.EventError {
				code = ev.Code
				break
			}
		}
	}
	if code == "" {
		return
	}
	r.mu.Lock()
	if !r.failed {
		r.failed, r.code = true, code
	}
	r.mu.Unlock()
}

func (r *recorder) Project(ctx context.Context, req *abi.Request) (*abi.ProviderRequest, error) {
	pr, err := r.Module.Project(ctx, req)
	r.note(err, nil)
	return pr, err
}

func (r *recorder) Transform(ctx context.Context, in *abi.TransformInput) ([]byte, []abi.Event, error) {
	st, evs, err := r.Module.Transform(ctx, in)
	r.note(err, evs)
	return st, evs, err
}

func (r *recorder) ParseResponse(ctx context.Context, in *abi.ResponseInput) ([]abi.Event, error) {
	evs, err := r.Module.ParseResponse(ctx, in)
	r.note(err, evs)
	return evs, err
}

func (r *recorder) MapError(ctx context.Context, in *abi.ResponseInput) (abi.Event, error) {
	ev, err := r.Module.MapError(ctx, in)
	r.note(err, []abi.Event{ev})
	return ev, err
}

// Name implements engine.Module: the stable module's name.
func (c *Canary) Name() string { return c.stable.Name() }

// Digest implements engine.Module: the stable module's digest.
func (c *Canary) Digest() string { return c.stable.Digest() }

// Capabilities implements engine.Module (stable module).
func (c *Canary) Capabilities(ctx context.Context, model string) (*abi.Capabilities, error) {
	return c.stable.Capabilities(ctx, model)
}

// Project implements engine.Module for a caller that does not pin: the
// stable module serves it (only pinned requests take part in the canary).
func (c *Canary) Project(ctx context.Context, req *abi.Request) (*abi.ProviderRequest, error) {
	return c.stable.Project(ctx, req)
}

// Transform implements engine.Module (stable module, unpinned callers).
func (c *Canary) Transform(ctx context.Context, in *abi.TransformInput) ([]byte, []abi.Event, error) {
	return c.stable.Transform(ctx, in)
}

// ParseResponse implements engine.Module (stable module, unpinned callers).
func (c *Canary) ParseResponse(ctx context.Context, in *abi.ResponseInput) ([]abi.Event, error) {
	return c.stable.ParseResponse(ctx, in)
}

// MapError implements engine.Module (stable module, unpinned callers).
func (c *Canary) MapError(ctx context.Context, in *abi.ResponseInput) (abi.Event, error) {
	return c.stable.MapError(ctx, in)
}

// Close implements engine.Module: it ends the canary (rolling back when
// undecided) and closes the candidate once its requests end. The stable
// module is its owner's to close.
func (c *Canary) Close(ctx context.Context) error {
	c.mu.Lock()
	var d *Decision
	if c.decided == nil {
		d = &Decision{Name: c.cand.Name(), Candidate: c.cand.Digest(), Stable: c.st, CandStats: c.cs, Reason: "the canary was closed before it decided"}
		c.decided = d
	}
	c.mu.Unlock()
	c.finish(d)
	return nil
}
