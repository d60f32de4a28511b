package main

import (
	"bufio"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// overheadSeries is the load's series of the gateway's overhead
// histogram (its labels as the exposition sorts them).
const overheadSeries = `{endpoint="` + chatPath + `",model="` + publicName + `"`

// histogram is one reading of a Prometheus histogram: its cumulative
// bucket counts by upper bound (seconds, in order, +Inf last), sum and
// count.
type histogram struct {
	le     []float64
	cum    []float64
	sum    float64
	count  float64
	failed bool
}

// scrape reads the gateway's overhead histogram from its /metrics.
func scrape(url string) histogram {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return histogram{failed: true}
	}
	defer resp.Body.Close()
	return parseHistogram(resp.Body, "wasmadapt_gateway_overhead_seconds", overheadSeries)
}

// parseHistogram reads the histogram name's series whose labels begin
// with labels (without the closing brace) from the text exposition r.
func parseHistogram(r io.Reader, name, labels string) histogram {
	var h histogram
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	found := false
	for sc.Scan() {
		line := sc.Text()
		series, val, ok := strings.Cut(line, " ")
		if !ok || !strings.HasPrefix(series, name) {
			continue
		}
		v, err := strconv.ParseFloat(strings.Fields(val)[0], 64)
		if err != nil {
			continue
		}
		switch rest := series[len(name):]; {
		case strings.HasPrefix(rest, "_bucket"+labels+`,le="`):
			b := strings.TrimSuffix(strings.TrimPrefix(rest, "_bucket"+labels+`,le="`), `"}`)
			le, err := strconv.ParseFloat(b, 64)
			if err != nil {
				continue
			}
			h.le, h.cum = append(h.le, le), append(h.cum, v)
		case rest == "_sum"+labels+"}":
			h.sum, found = v, true
		case rest == "_count"+labels+"}":
			h.count = v
		}
	}
	h.failed = sc.Err() != nil || !found
	return h
}

// minus is h less an earlier reading of the same series: the
// observations between the two.
func (h histogram) minus(before histogram) histogram {
	if h.failed || before.failed && before.count != 0 {
		return histogram{failed: true}
	}
	d := histogram{le: h.le, cum: make([]float64, len(h.cum)), sum: h.sum - before.sum, count: h.count - before.count}
	for i := range h.cum {
		d.cum[i] = h.cum[i]
		if i < len(before.cum) {
			d.cum[i] -= before.cum[i]
		}
	}
	return d
}

// overheadStats are the gateway's own time per request: the mean (exact:
// the histogram's sum over its count) and the p50 and p99 read from the
// buckets (linear within the bucket, so within a factor √2: the buckets'
// width).
type overheadStats struct {
	n              int
	mean, p50, p99 time.Duration
}

// stats summarizes h; ok is false when it holds no observation.
func (h histogram) stats() (overheadStats, bool) {
	if h.failed || h.count <= 0 {
		return overheadStats{}, false
	}
	sec := func(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }
	return overheadStats{n: int(h.count), mean: sec(h.sum / h.count), p50: sec(h.quantile(0.50)), p99: sec(h.quantile(0.99))}, true
}

// quantile is q's value interpolated in its bucket (Prometheus's
// histogram_quantile); in the +Inf bucket, the last finite bound.
func (h histogram) quantile(q float64) float64 {
	rank := q * h.count
	lo, below := 0.0, 0.0
	for i, le := range h.le {
		if h.cum[i] >= rank {
			if math.IsInf(le, 1) {
				return lo
			}
			in := h.cum[i] - below
			if in <= 0 {
				return le
			}
			return lo + (le-lo)*(rank-below)/in
		}
		lo, below = le, h.cum[i]
	}
	return lo
}
