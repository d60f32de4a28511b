// Package limits enforces the gateway's tenant limits: per API key, a
// request rate (requests a minute), a token rate (tokens a minute) and a
// token budget (tokens a period, e.g. a day or 30 days).
//
// Every limit is a fixed window aligned on the Unix epoch (a minute, or
// the budget's period) holding one counter in a Store. A request is
// admitted by Reserve while every counter of its key is below its limit:
// it adds one request and an estimate of the request's tokens to every
// counter at once, or nothing when any counter is full (the answer is
// then a *Denied saying which limit and when its window resets). When the
// response is known, Reservation.Settle replaces the estimate with the
// tokens the provider reported.
//
// So the requests admitted in a window never exceed requests_per_minute,
// and the tokens of a window exceed their limit by at most what the last
// admitted requests used beyond the room left (a request's tokens are
// known only after it ran); concurrent requests see each other's
// estimates, so they cannot all slip into the same room.
//
// The Store is memory (NewMemoryStore, one process) or Redis (NewRedisStore,
// shared by every replica of the gateway); both take counters atomically,
// so that the requests admitted across replicas never exceed a limit.
package limits

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Policy is the limits of one API key; a zero field is no limit.
type Policy struct {
	// RequestsPerMinute bounds the requests admitted a minute.
	RequestsPerMinute int64
	// TokensPerMinute bounds the tokens (input plus output) a minute.
	TokensPerMinute int64
	// TokenBudget bounds the tokens of one BudgetPeriod.
	TokenBudget int64
	// BudgetPeriod is the budget's window (required with TokenBudget).
	BudgetPeriod time.Duration
}

// Zero reports whether the policy limits nothing.
func (p Policy) Zero() bool {
	return p.RequestsPerMinute <= 0 && p.TokensPerMinute <= 0 && p.TokenBudget <= 0
}

// Counter is one window's counter and what a call adds to it.
type Counter struct {
	// Key names the counter in the store, its window included.
	Key string
	// N is what to add (negative in a settlement that refunds).
	N int64
	// Limit is the counter's limit: Take refuses a counter that holds
	// Limit or more (0: no limit).
	Limit int64
	// TTL is how long the store keeps the counter after its first
	// increment (the window's length and a margin).
	TTL time.Duration
}

// Store holds the counters.
type Store interface {
	// Take adds every counter's N when each holds less than its Limit,
	// or adds nothing and returns the index of the first full counter. It
	// returns -1 when it added. counts holds each counter's value after
	// the call (with N added when it added), one per counter.
	Take(ctx context.Context, cs []Counter) (over int, counts []int64, err error)
	// Add adds every counter's N, limits ignored (settlements).
	Add(ctx context.Context, cs []Counter) error
}

// Names of the limits, as in the configuration file and in Denied.
const (
	LimitRequests = "requests_per_minute"
	LimitTokens   = "tokens_per_minute"
	LimitBudget   = "token_budget"
)

// Denied is the error of a request over one of its key's limits.
type Denied struct {
	// Limit is the limit that refused (LimitRequests, LimitTokens or
	// LimitBudget).
	Limit string
	// Max is the limit's value.
	Max int64
	// RetryAfter is the time until the limit's window resets (whole
	// seconds, at least one).
	RetryAfter time.Duration
	// Windows is the state of every limit of the key when it was refused.
	Windows []Window
}

// Window is the state of one of a key's limits as a Reserve found it:
// what rate-limit response headers report.
type Window struct {
	// Limit names the limit (LimitRequests, LimitTokens or LimitBudget).
	Limit string
	// Max is the limit's value.
	Max int64
	// Used is the window's counter after the Reserve: the request's share
	// included when it was admitted.
	Used int64
	// Reset is when the window ends and its counter starts again at 0.
	Reset time.Time
}

// Remaining is what the window has left before its limit (never below 0).
func (w Window) Remaining() int64 { return max(w.Max-w.Used, 0) }

// Error says which limit refused and when to retry.
func (d *Denied) Error() string {
	return fmt.Sprintf("over its %s limit of %d; retry after %s", d.Limit, d.Max, d.RetryAfter)
}

// StoreError is a store that could not be reached or answered wrongly:
// the request is refused (limits fail closed), and the cause is kept.
type StoreError struct{ Err error }

// Error says the limit store failed.
func (e *StoreError) Error() string {
	return "the tenant limit store failed: " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *StoreError) Unwrap() error { return e.Err }

// Limiter admits requests against Policies, keeping its counters in a
// Store under a prefix.
type Limiter struct {
	store  Store
	prefix string
	now    func() time.Time
}

// New returns a Limiter on store. prefix starts every counter's key
// (default "wasmadapt:limits"); now is the clock (default time.Now).
func New(store Store, prefix string, now func() time.Time) *Limiter {
	if prefix == "" {
		prefix = "wasmadapt:limits"
	}
	if now == nil {
		now = time.Now
	}
	return &Limiter{store: store, prefix: prefix, now: now}
}

// window is one fixed window of a limit.
type window struct {
	limit string
	max   int64
	key   string
	reset time.Time
	ttl   time.Duration
}

// windows are the windows of p at now for tenant.
func (l *Limiter) windows(tenant string, p Policy, now time.Time) []window {
	if p.Zero() {
		return nil
	}
	ws := make([]window, 0, 3)
	add := func(limit string, max int64, length time.Duration) {
		if max <= 0 {
			return
		}
		idx := now.UnixNano() / int64(length)
		// The key is PREFIX:TENANT:LIMIT:IDX, built in one buffer (one
		// allocation for the string, where concatenation and FormatInt
		// made three).
		var buf [128]byte
		k := append(buf[:0], l.prefix...)
		k = append(append(append(append(append(k, ':'), tenant...), ':'), limit...), ':')
		ws = append(ws, window{limit: limit, max: max,
			key:   string(strconv.AppendInt(k, idx, 10)),
			reset: time.Unix(0, (idx+1)*int64(length)),
			ttl:   length + time.Minute})
	}
	add(LimitRequests, p.RequestsPerMinute, time.Minute)
	add(LimitTokens, p.TokensPerMinute, time.Minute)
	add(LimitBudget, p.TokenBudget, p.BudgetPeriod)
	return ws
}

// Reservation is an admitted request's share of its key's limits.
type Reservation struct {
	l      *Limiter
	tokens []Counter
	// Windows is the state of every limit of the key once the request
	// was admitted (empty under a zero Policy).
	Windows []Window
}

// Reserve admits one request of an estimated tokens for tenant under p,
// or returns a *Denied (or a *StoreError). The estimate is held in the
// token counters until Settle replaces it.
func (l *Limiter) Reserve(ctx context.Context, tenant string, p Policy, tokens int64) (*Reservation, error) {
	now := l.now()
	ws := l.windows(tenant, p, now)
	r := &Reservation{l: l}
	if len(ws) == 0 {
		return r, nil
	}
	cs := make([]Counter, len(ws))
	for i, w := range ws {
		n := int64(1)
		if w.limit != LimitRequests {
			n = max(tokens, 0)
		}
		cs[i] = Counter{Key: w.key, N: n, Limit: w.max, TTL: w.ttl}
		if w.limit != LimitRequests {
			if r.tokens == nil { // the windows left are token windows (windows adds the requests' first)
				r.tokens = make([]Counter, 0, len(ws)-i)
			}
			r.tokens = append(r.tokens, cs[i])
		}
	}
	over, counts, err := l.store.Take(ctx, cs)
	if err != nil {
		return nil, &StoreError{Err: err}
	}
	if over >= len(ws) || len(counts) != len(ws) {
		return nil, &StoreError{Err: fmt.Errorf("the store answered counter %d and %d counts for %d counters", over, len(counts), len(ws))}
	}
	r.Windows = make([]Window, len(ws))
	for i, w := range ws {
		r.Windows[i] = Window{Limit: w.limit, Max: w.max, Used: counts[i], Reset: w.reset}
	}
	if over >= 0 {
		w := ws[over]
		wait := w.reset.Sub(now)
		secs := (wait + time.Second - 1) / time.Second
		return nil, &Denied{Limit: w.limit, Max: w.max, RetryAfter: max(secs, 1) * time.Second, Windows: r.Windows}
	}
	return r, nil
}

// Settle replaces the reservation's token estimate with used, the tokens
// the request actually took, in the windows it was reserved in.
func (r *Reservation) Settle(ctx context.Context, used int64) error {
	if r == nil || len(r.tokens) == 0 {
		return nil
	}
	// The reservation's own counters become the adjustments: it is
	// settled once, so they are not needed after.
	cs := r.tokens
	for i, c := range cs {
		cs[i] = Counter{Key: c.Key, N: max(used, 0) - c.N, TTL: c.TTL}
	}
	r.tokens = nil
	if err := r.l.store.Add(ctx, cs); err != nil {
		return &StoreError{Err: err}
	}
	return nil
}
