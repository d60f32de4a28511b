package host

import (
	"context"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy says how the client retries a request that failed with a
// retryable error (rate limits, overload, transient server and connection
// errors, a stream that broke before its first event). A request is retried
// only while no event has reached the caller: once one has, a failure is
// returned as is, so the caller never sees an event twice.
type RetryPolicy struct {
	// MaxRetries is the number of retries after the first attempt
	// (default 2; negative disables retries).
	MaxRetries int
	// BaseDelay is the first backoff delay (default 500ms); each retry
	// doubles it, up to MaxDelay (default 20s). The actual delay is drawn
	// uniformly from [delay/2, delay] (jitter).
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// MaxRetryAfter caps how long a provider's Retry-After may make the
	// client wait (default 60s); a longer Retry-After is not waited for:
	// the error is returned, with the provider's delay in its message.
	MaxRetryAfter time.Duration
}

// DefaultRetryPolicy is the policy of a client made without WithRetry.
var DefaultRetryPolicy = RetryPolicy{MaxRetries: 2, BaseDelay: 500 * time.Millisecond, MaxDelay: 20 * time.Second, MaxRetryAfter: 60 * time.Second}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxRetries == 0 {
		p.MaxRetries = DefaultRetryPolicy.MaxRetries
	}
	if p.MaxRetries < 0 {
		p.MaxRetries = 0
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = DefaultRetryPolicy.BaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = DefaultRetryPolicy.MaxDelay
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = DefaultRetryPolicy.MaxRetryAfter
	}
	return p
}

// backoff returns the jittered delay before retry number n (0-based).
func (p RetryPolicy) backoff(n int, rnd func() float64) time.Duration {
	d := float64(p.BaseDelay) * math.Pow(2, float64(n))
	if d > float64(p.MaxDelay) {
		d = float64(p.MaxDelay)
	}
	return time.Duration(d/2 + d/2*rnd())
}

// Sleeper waits for d or until ctx is done, whichever comes first, and
// returns ctx's error in the second case. Tests inject one to observe and
// skip the waits.
type Sleeper func(ctx context.Context, d time.Duration) error

func realSleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func defaultRand() float64 { return rand.Float64() }

// ParseRetryAfter reads how long a response asks the client to wait: the
// Retry-After header (delay seconds or an HTTP date, relative to now), or
// the millisecond Retry-After-Ms header some providers send, which wins
// when both are present. It reports false when neither is present and
// well formed.
func ParseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(s * float64(time.Second)), true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d < 0 {
		d = 0
	}
	return d, true
}
