package main

import (
	"errors"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeClock moves only when the generator sleeps (by what it asked, plus
// the next of over: a late wake-up) or when a request advances it.
type fakeClock struct {
	t     time.Time
	over  []time.Duration
	slept int
}

func (c *fakeClock) Now() time.Time { return c.t }

func (c *fakeClock) Sleep(d time.Duration) {
	c.t = c.t.Add(d)
	if c.slept < len(c.over) {
		c.t = c.t.Add(c.over[c.slept])
	}
	c.slept++
}

const ms = time.Millisecond

// TestRun: the generator's timeline, with a clock that moves by hand and
// requests run synchronously (or held, for the in-flight bound): every
// request due in the window is recorded once, with its latency from its
// due time and how late it was sent, whatever the requests before it
// took.
func TestRun(t *testing.T) {
	type want struct {
		lat, lag []time.Duration
		skipped  int
		// marks are the clock's times (from the start) at the window's
		// start and end.
		marks []time.Duration
	}
	for _, tc := range []struct {
		name    string
		p       plan
		over    []time.Duration
		service time.Duration // each request moves the clock by it
		fail    func(i int) bool
		hold    bool // spawn holds the requests until the end
		want    want
	}{
		{name: "on time", p: plan{rate: 1000, warmup: 2 * ms, duration: 5 * ms, maxInflight: 10},
			want: want{lat: []time.Duration{0, 0, 0, 0, 0}, lag: []time.Duration{0, 0, 0, 0, 0}, marks: []time.Duration{2 * ms, 7 * ms}}},
		{name: "service time", p: plan{rate: 1000, warmup: ms, duration: 3 * ms, maxInflight: 10}, service: 300 * time.Microsecond,
			want: want{lat: []time.Duration{300 * time.Microsecond, 300 * time.Microsecond, 300 * time.Microsecond},
				lag: []time.Duration{0, 0, 0}, marks: []time.Duration{ms, 4 * ms}}},
		// The third sleep (before request 3, due at 3 ms) wakes 2.5 ms
		// late: requests 3, 4 and 5 go at 5.5 ms, each recorded from
		// its own due time.
		{name: "late wake-up", p: plan{rate: 1000, duration: 7 * ms, maxInflight: 10}, over: []time.Duration{0, 0, 2500 * time.Microsecond},
			want: want{lat: []time.Duration{0, 0, 0, 2500 * time.Microsecond, 1500 * time.Microsecond, 500 * time.Microsecond, 0},
				lag: []time.Duration{0, 0, 0, 2500 * time.Microsecond, 1500 * time.Microsecond, 500 * time.Microsecond, 0}, marks: []time.Duration{0, 7 * ms}}},
		// A server that takes 3 ms a request, due every 1 ms, driven
		// by a generator that waits for each (the worst case): request
		// i goes at 3i ms and its latency is 3 ms plus the 2i ms it
		// waited, not the 3 ms a closed loop would report.
		{name: "stall counted from the due time", p: plan{rate: 1000, duration: 4 * ms, maxInflight: 10}, service: 3 * ms,
			want: want{lat: []time.Duration{3 * ms, 5 * ms, 7 * ms, 9 * ms}, lag: []time.Duration{0, 2 * ms, 4 * ms, 6 * ms}, marks: []time.Duration{0, 12 * ms}}},
		{name: "errors", p: plan{rate: 500, duration: 8 * ms, maxInflight: 10}, fail: func(i int) bool { return i%2 == 1 },
			want: want{lat: []time.Duration{0, 0}, lag: []time.Duration{0, 0}, marks: []time.Duration{0, 8 * ms}}},
		{name: "in-flight bound", p: plan{rate: 1000, duration: 5 * ms, maxInflight: 2}, hold: true,
			want: want{lat: []time.Duration{5 * ms, 4 * ms}, lag: []time.Duration{0, 0}, skipped: 3, marks: []time.Duration{0, 5 * ms}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t0 := time.Unix(1764000000, 0)
			clk := &fakeClock{t: t0, over: tc.over}
			calls := 0
			do := func() error {
				i := calls
				calls++
				clk.t = clk.t.Add(tc.service)
				if tc.fail != nil && tc.fail(i) {
					return errors.New("failed")
				}
				return nil
			}
			var held []func()
			spawn := func(f func()) {
				if tc.hold {
					held = append(held, f)
					return
				}
				f()
			}
			var marks []time.Duration
			mark := func(start bool) {
				marks = append(marks, clk.t.Sub(t0))
				if !start {
					for _, f := range held {
						f()
					}
				}
			}
			samples, ws, last := run(clk, tc.p, do, spawn, mark)
			if ws != t0.Add(tc.p.warmup) {
				t.Errorf("window start %v, want %v", ws.Sub(t0), tc.p.warmup)
			}
			if !slices.Equal(marks, tc.want.marks) {
				t.Errorf("marks at %v, want %v", marks, tc.want.marks)
			}
			wantN := int(math.Round(tc.p.rate * tc.p.duration.Seconds()))
			if len(samples) != wantN {
				t.Fatalf("%d samples, want %d", len(samples), wantN)
			}
			var lat, lag []time.Duration
			skipped, errs := 0, 0
			for _, s := range samples {
				if s.skipped {
					skipped++
					continue
				}
				if s.err {
					errs++
					continue
				}
				if !s.done {
					t.Fatalf("a sample neither skipped nor done: %+v", s)
				}
				lat, lag = append(lat, s.latency), append(lag, s.lag)
			}
			if !slices.Equal(lat, tc.want.lat) || !slices.Equal(lag, tc.want.lag) || skipped != tc.want.skipped {
				t.Errorf("latencies %v lags %v skipped %d; want %v %v %d", lat, lag, skipped, tc.want.lat, tc.want.lag, tc.want.skipped)
			}
			if wantErrs := wantN - skipped - len(tc.want.lat); errs != wantErrs {
				t.Errorf("%d errors, want %d", errs, wantErrs)
			}
			if calls != int(math.Round(tc.p.rate*(tc.p.warmup+tc.p.duration).Seconds()))-skipped {
				t.Errorf("%d requests sent", calls)
			}
			if last.Before(ws) {
				t.Errorf("last answer at %v, before the window", last.Sub(t0))
			}
		})
	}
}

// TestPlanCount: the requests due in a window are those whose due time
// falls in it, for rates that do and do not divide a second.
func TestPlanCount(t *testing.T) {
	for _, tc := range []struct {
		rate       float64
		from, to   time.Duration
		first, end int
	}{
		{5000, 2 * time.Second, 12 * time.Second, 10000, 60000},
		{1000, 0, 5 * ms, 0, 5},
		{3, time.Second, 2 * time.Second, 3, 6},
		{7, 0, time.Second, 0, 7},
	} {
		p := plan{rate: tc.rate}
		first, end := p.count(tc.from, tc.to)
		if first != tc.first || end != tc.end {
			t.Errorf("rate %v [%v, %v): requests %d to %d, want %d to %d", tc.rate, tc.from, tc.to, first, end, tc.first, tc.end)
		}
		if first > 0 && p.due(first-1) >= tc.from || p.due(first) < tc.from || p.due(end-1) >= tc.to || p.due(end) < tc.to {
			t.Errorf("rate %v: due times around the window are off", tc.rate)
		}
	}
}

// TestPercentile: nearest rank.
func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * ms
	}
	for _, tc := range []struct {
		name string
		d    []time.Duration
		q    float64
		want time.Duration
	}{
		{"none", nil, 0.5, 0},
		{"one", []time.Duration{7}, 0.99, 7},
		{"p50 of 100", hundred, 0.50, 50 * ms},
		{"p90 of 100", hundred, 0.90, 90 * ms},
		{"p99 of 100", hundred, 0.99, 99 * ms},
		{"max of 100", hundred, 1, 100 * ms},
		{"p99 of 10", hundred[:10], 0.99, 10 * ms},
		{"p50 of 3", hundred[:3], 0.50, 2 * ms},
	} {
		if got := percentile(tc.d, tc.q); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestSummarize: counts, percentiles over the ok requests, the achieved
// rate over the window or past it when answers trail, and the verdict.
func TestSummarize(t *testing.T) {
	ws := time.Unix(1764000000, 0)
	ok := func(lat, lag time.Duration) sample { return sample{latency: lat, lag: lag, done: true} }
	for _, tc := range []struct {
		name     string
		p        plan
		samples  []sample
		last     time.Duration
		achieved float64
		p50, max time.Duration
		verdict  string
	}{
		{"held", plan{rate: 4, duration: time.Second}, []sample{ok(ms, 0), ok(2*ms, 0), ok(3*ms, 0), ok(4*ms, 0)}, 800 * ms,
			4, 2 * ms, 4 * ms, ""},
		{"answers trail the window", plan{rate: 4, duration: time.Second}, []sample{ok(ms, 0), ok(2*ms, 0), ok(3*ms, 0), ok(1000*ms, 0)}, 2 * time.Second,
			2, 2 * ms, 1000 * ms, "achieved under 98% of the target"},
		{"failed and skipped", plan{rate: 4, duration: time.Second}, []sample{ok(ms, 0), {err: true, done: true}, {skipped: true}, ok(2*ms, 0)}, 900 * ms,
			2, ms, 2 * ms, "skipped 1 (in-flight bound); 1 errors; achieved under 98% of the target"},
		{"generator late within the bound", plan{rate: 2, duration: time.Second}, []sample{ok(ms, 0), ok(5*ms, 5*ms)}, 900 * ms,
			2, ms, 5 * ms, ""},
		{"generator behind", plan{rate: 2, duration: time.Second}, []sample{ok(ms, 0), ok(15*ms, 15*ms)}, 900 * ms,
			2, ms, 15 * ms, "generator behind (p99 send lag 15.00 ms)"},
	} {
		s := summarize(tc.p, tc.samples, ws, ws.Add(tc.last))
		if s.achieved != tc.achieved || s.p50 != tc.p50 || s.max != tc.max {
			t.Errorf("%s: achieved %v p50 %v max %v; want %v %v %v", tc.name, s.achieved, s.p50, s.max, tc.achieved, tc.p50, tc.max)
		}
		if s.ok+s.errors+s.skipped != s.scheduled || s.scheduled != len(tc.samples) {
			t.Errorf("%s: ok %d errors %d skipped %d of %d", tc.name, s.ok, s.errors, s.skipped, s.scheduled)
		}
		held, why := s.sustained()
		if held != (tc.verdict == "") || why != tc.verdict {
			t.Errorf("%s: sustained %v %q, want %q", tc.name, held, why, tc.verdict)
		}
	}
}

// TestHistogram: the overhead histogram read from the exposition, the
// difference of two readings, its mean and interpolated quantiles.
func TestHistogram(t *testing.T) {
	text := func(b1, b2, b3, inf, sum float64) string {
		s := `# TYPE wasmadapt_gateway_overhead_seconds histogram
wasmadapt_gateway_overhead_seconds_bucket{endpoint="/v1/messages",model="bench",le="1e-06"} 99
wasmadapt_gateway_overhead_seconds_bucket{endpoint="/v1/chat/completions",model="bench",le="1e-06"} B1
wasmadapt_gateway_overhead_seconds_bucket{endpoint="/v1/chat/completions",model="bench",le="2e-06"} B2
wasmadapt_gateway_overhead_seconds_bucket{endpoint="/v1/chat/completions",model="bench",le="4e-06"} B3
wasmadapt_gateway_overhead_seconds_bucket{endpoint="/v1/chat/completions",model="bench",le="+Inf"} INF
wasmadapt_gateway_overhead_seconds_sum{endpoint="/v1/chat/completions",model="bench"} SUM
wasmadapt_gateway_overhead_seconds_count{endpoint="/v1/chat/completions",model="bench"} INF
wasmadapt_gateway_overhead_seconds_count{endpoint="/v1/messages",model="bench"} 99
`
		r := strings.NewReplacer("B1", ftoa(b1), "B2", ftoa(b2), "B3", ftoa(b3), "INF", ftoa(inf), "SUM", ftoa(sum))
		return r.Replace(s)
	}
	before := parseHistogram(strings.NewReader(text(10, 10, 10, 10, 10e-6)), "wasmadapt_gateway_overhead_seconds", overheadSeries)
	after := parseHistogram(strings.NewReader(text(10, 60, 110, 110, 310e-6)), "wasmadapt_gateway_overhead_seconds", overheadSeries)
	if before.failed || after.failed || len(after.le) != 4 || after.count != 110 {
		t.Fatalf("parsed %+v", after)
	}
	st, ok := after.minus(before).stats()
	if !ok || st.n != 100 {
		t.Fatalf("stats %+v %v", st, ok)
	}
	// 100 observations summing to 300 µs; 50 in (1, 2] µs, 50 in (2, 4] µs.
	if st.mean != 3*time.Microsecond || st.p50 != 2*time.Microsecond || st.p99 != 3960*time.Nanosecond {
		t.Errorf("mean %v p50 %v p99 %v, want 3µs 2µs 3.96µs", st.mean, st.p50, st.p99)
	}
	if _, ok := parseHistogram(strings.NewReader("other_metric 1\n"), "wasmadapt_gateway_overhead_seconds", overheadSeries).stats(); ok {
		t.Error("stats of an absent histogram")
	}
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// TestAppendRaw: the results replace an earlier run's in the raw file and
// keep every other line; the benchmark line carries the window's counts.
func TestAppendRaw(t *testing.T) {
	raw := t.TempDir() + "/raw.txt"
	earlier := "machine-cores: 2\nrun-step: gateway-open-loop (old) load 1 1 1\ngwload-phase: native/whole/rate-10/direct load 1 1 1 sustained\n" +
		"BenchmarkGatewayOpenLoop/native/whole/rate-10/direct 100 10.0 req/s\nBenchmarkChunk/openai/native-2 10 5 ns/op\n"
	if err := os.WriteFile(raw, []byte(earlier), 0o644); err != nil {
		t.Fatal(err)
	}
	o := &options{raw: raw, rates: []float64{50}, duration: time.Second, warmup: time.Second, maxInflight: 8}
	ph := phase{executor: "native", shape: "stream", rate: 50, via: "gateway", load: "0.5 0.4 0.3",
		sum: summary{target: 50, scheduled: 50, ok: 50, achieved: 50, p50: 2 * ms}, cpu: 90 * time.Microsecond,
		overhead: overheadStats{n: 50, mean: 7 * time.Microsecond}, overheadOK: true}
	if err := appendRaw(o, []phase{ph}, time.Unix(1764000000, 0)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	for _, want := range []string{"machine-cores: 2\n", "BenchmarkChunk/openai/native-2 10 5 ns/op\n",
		"run-step: gateway-open-loop (internal/cmd/gwload, rates 50/s, 1s after a 1s warm-up, 2025-11-24T16:00:00Z) load 0.5 0.4 0.3\n",
		"gwload-phase: native/stream/rate-50/gateway load 0.5 0.4 0.3 sustained\n",
		"BenchmarkGatewayOpenLoop/native/stream/rate-50/gateway 50 50.0 req/s 50 ok 0 errors 0 skipped 2000000 p50-ns ",
		" 90000 cpu-ns/req 0 client-cpu-ns/req 7000 overhead-mean-ns 0 overhead-p50-ns 0 overhead-p99-ns\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("raw file lacks %q:\n%s", want, out)
		}
	}
	for _, gone := range []string{"(old)", "rate-10"} {
		if strings.Contains(out, gone) {
			t.Errorf("raw file still has the earlier run's %q:\n%s", gone, out)
		}
	}
}
