package main

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// clock is the generator's time: the real one, or a test's.
type clock interface {
	Now() time.Time
	// Sleep returns no earlier than d from now (a real sleep may
	// return later: the generator then sends what fell due at once).
	Sleep(d time.Duration)
}

// realClock is the machine's monotonic clock.
type realClock struct{}

func (realClock) Now() time.Time        { return time.Now() }
func (realClock) Sleep(d time.Duration) { time.Sleep(d) }

// plan is an open-loop load: requests at a constant rate on a fixed
// timeline, request i due at start + i/rate whatever the latency of the
// ones before; the first warmup's requests are sent but not recorded.
type plan struct {
	rate     float64 // requests a second
	warmup   time.Duration
	duration time.Duration // measured, after the warm-up
	// maxInflight bounds the requests outstanding: a request due when
	// that many are is not sent and counts as skipped (the target could
	// not keep up; sending it would only queue it in this process).
	maxInflight int
}

// due is when request i falls due, from start.
func (p plan) due(i int) time.Duration {
	return time.Duration(float64(i) * float64(time.Second) / p.rate)
}

// count is the number of requests due in [from, to) from the start.
func (p plan) count(from, to time.Duration) (first, end int) {
	first = int(ceilDiv(from, p))
	end = int(ceilDiv(to, p))
	return first, end
}

// ceilDiv is the number of requests due before d: the least i with
// due(i) >= d.
func ceilDiv(d time.Duration, p plan) int {
	i := int(float64(d) * p.rate / float64(time.Second))
	for i > 0 && p.due(i-1) >= d {
		i--
	}
	for p.due(i) < d {
		i++
	}
	return i
}

// sample is one measured request.
type sample struct {
	// latency is from its due time (not from when it was sent: a late
	// send counts against it, so coordinated omission cannot hide a
	// stall) to its answer read whole.
	latency time.Duration
	// lag is how late the generator sent it.
	lag     time.Duration
	err     bool
	skipped bool
	done    bool
}

// run drives do on p's timeline from clk's now: the dispatcher sleeps
// until the next request is due, then starts every request due by then,
// each in a goroutine of its own (spawn; tests pass a synchronous one),
// with its due time. It returns the measured requests' samples (index 0
// is the first request due at or after the warm-up), when the window
// began, and after waiting for the last request, when the last one
// answered. mark is called (when not nil) as the dispatcher reaches the
// window's start and its end, with true and false.
func run(clk clock, p plan, do func() error, spawn func(func()), mark func(start bool)) (samples []sample, windowStart, lastEnd time.Time) {
	first, end := p.count(p.warmup, p.warmup+p.duration)
	samples = make([]sample, end-first)
	var (
		inflight atomic.Int64
		wg       sync.WaitGroup
		lastMu   sync.Mutex
	)
	t0 := clk.Now()
	windowStart = t0.Add(p.warmup)
	for i := 0; i < end; i++ {
		due := t0.Add(p.due(i))
		if now := clk.Now(); now.Before(due) {
			clk.Sleep(due.Sub(now))
		}
		if mark != nil && i == first {
			mark(true)
		}
		measured := i >= first
		var s *sample
		if measured {
			s = &samples[i-first]
		}
		if int(inflight.Load()) >= p.maxInflight {
			if s != nil {
				s.skipped = true
			}
			continue
		}
		inflight.Add(1)
		wg.Add(1)
		sent := clk.Now()
		spawn(func() {
			defer wg.Done()
			err := do()
			at := clk.Now()
			inflight.Add(-1)
			if s == nil {
				return
			}
			s.latency, s.lag, s.err, s.done = at.Sub(due), sent.Sub(due), err != nil, true
			lastMu.Lock()
			if at.After(lastEnd) {
				lastEnd = at
			}
			lastMu.Unlock()
		})
	}
	if mark != nil {
		if now, wend := clk.Now(), t0.Add(p.warmup+p.duration); now.Before(wend) {
			clk.Sleep(wend.Sub(now))
		}
		mark(false)
	}
	wg.Wait()
	return samples, windowStart, lastEnd
}

// summary is what a run measured.
type summary struct {
	target   float64 // requests a second
	duration time.Duration
	// scheduled is the requests due in the window; ok, errors and
	// skipped partition them.
	scheduled, ok, errors, skipped int
	// achieved is ok over the time from the window's start to the later
	// of its end and the last answer: below the target when requests
	// failed, were skipped or answers trailed the window.
	achieved float64
	// latency percentiles of the ok requests, from their due time.
	p50, p90, p99, max time.Duration
	// lagP99 and lagMax are how late the generator sent requests.
	lagP99, lagMax time.Duration
}

// maxLagP99 is how late the generator may send the 99th percentile of
// requests and still be said to hold the timeline. On a shared 2-core
// machine at nice 19 the kernel alone delays a wake-up by milliseconds;
// a lag under this bound is counted in the latencies (measured from the
// due time), over it the rate itself was not kept.
const maxLagP99 = 10 * time.Millisecond

// summarize reduces samples of plan p measured from windowStart, whose
// last answer came at lastEnd.
func summarize(p plan, samples []sample, windowStart, lastEnd time.Time) summary {
	s := summary{target: p.rate, duration: p.duration, scheduled: len(samples)}
	lat := make([]time.Duration, 0, len(samples))
	lags := make([]time.Duration, 0, len(samples))
	for _, x := range samples {
		switch {
		case x.skipped:
			s.skipped++
			continue
		case x.err:
			s.errors++
		case x.done:
			s.ok++
			lat = append(lat, x.latency)
		}
		lags = append(lags, x.lag)
	}
	slices.Sort(lat)
	slices.Sort(lags)
	s.p50, s.p90, s.p99 = percentile(lat, 0.50), percentile(lat, 0.90), percentile(lat, 0.99)
	s.max = percentile(lat, 1)
	s.lagP99, s.lagMax = percentile(lags, 0.99), percentile(lags, 1)
	span := p.duration
	if d := lastEnd.Sub(windowStart); d > span {
		span = d
	}
	if span > 0 {
		s.achieved = float64(s.ok) / span.Seconds()
	}
	return s
}

// percentile is the nearest-rank percentile q (0 < q <= 1) of sorted:
// the least value that at least q of the values do not exceed; 0 for
// none.
func percentile(sorted []time.Duration, q float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(q*float64(n) - 1e-9))
	return sorted[min(n, max(1, rank))-1]
}

// sustained says whether the machine held the plan's rate, and if not,
// why: requests skipped or failed, the answers' rate under 98% of the
// target, or the generator itself late (its p99 lag over maxLagP99).
func (s summary) sustained() (bool, string) {
	var why []string
	if s.skipped > 0 {
		why = append(why, "skipped "+itoa(s.skipped)+" (in-flight bound)")
	}
	if s.errors > 0 {
		why = append(why, itoa(s.errors)+" errors")
	}
	if s.achieved < 0.98*s.target {
		why = append(why, "achieved under 98% of the target")
	}
	if s.lagP99 > maxLagP99 {
		why = append(why, "generator behind (p99 send lag "+fmtDur(s.lagP99)+")")
	}
	if len(why) == 0 {
		return true, ""
	}
	out := why[0]
	for _, w := range why[1:] {
		out += "; " + w
	}
	return false, out
}
