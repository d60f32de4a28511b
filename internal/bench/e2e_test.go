package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/openai"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
)

// e2eCase is the recorded stream the end-to-end benchmarks replay.
const e2eCase = "stream-text-usage"

// e2eSetup is a loopback provider replaying testdata/openai/<e2eCase>, a
// client whose transport keeps enough idle connections for the
// concurrency, and the normalized request.
type e2eSetup struct {
	srv    *providertest.Server
	hc     *http.Client
	client *host.Client
	req    *abi.Request
	proj   *abi.ProviderRequest
}

// loadE2ECase reads testdata/openai/<e2eCase>: the recorded exchange, its
// normalized request and its projection.
func loadE2ECase(b *testing.B) (providertest.Case, *abi.Request, *abi.ProviderRequest) {
	b.Helper()
	c, err := providertest.LoadCase(filepath.Join(root, "testdata", "openai", e2eCase))
	if err != nil {
		b.Fatal(err)
	}
	var req abi.Request
	if err := json.Unmarshal(c.Request, &req); err != nil {
		b.Fatal(err)
	}
	var proj abi.ProviderRequest
	if err := json.Unmarshal(c.Projection, &proj); err != nil {
		b.Fatal(err)
	}
	return c, &req, &proj
}

func newE2E(b *testing.B, conns int) *e2eSetup {
	b.Helper()
	c, req, proj := loadE2ECase(b)
	srv := providertest.NewServer([]providertest.Case{c})
	b.Cleanup(srv.Close)
	t := host.NewTransport()
	t.MaxIdleConns = conns + 16
	t.MaxIdleConnsPerHost = conns + 16
	b.Cleanup(t.CloseIdleConnections)
	hc := &http.Client{Transport: t}
	client := host.NewClient(host.WithHTTPClient(hc), host.WithLogger(slog.New(slog.DiscardHandler)))
	return &e2eSetup{srv: srv, hc: hc, client: client, req: req, proj: proj}
}

// direct sends the projected request and reads the whole response body:
// the floor the host's added latency is measured against.
func (s *e2eSetup) direct(ctx context.Context) error {
	r, err := http.NewRequestWithContext(ctx, s.proj.Method, s.srv.URL+s.proj.Path, bytes.NewReader(s.proj.Body))
	if err != nil {
		return err
	}
	r.Header.Set("Content-Type", "application/json")
	resp, err := s.hc.Do(r)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return err
}

// stream runs the request through the host (projection, HTTP, framing,
// transform, validation) and returns the number of events.
func (s *e2eSetup) stream(ctx context.Context, m engine.Module) (int, error) {
	p := host.Provider{Module: m, BaseURL: s.srv.URL, Credentials: host.StaticKey("sk-bench")}
	n := 0
	for _, err := range s.client.Stream(ctx, p, s.req) {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// e2eModule is the openai adapter natively or on a backend, with the
// default pool (GOMAXPROCS instances).
func e2eModule(b *testing.B, backend string) engine.Module {
	if backend == "native" {
		m := engine.NewNative("openai", openai.New())
		b.Cleanup(func() { m.Close(context.Background()) })
		return m
	}
	return loadOn(b, backend, "openai", 0)
}

// reportPercentiles sorts d and reports its p50 and p99 as
// NAME-p50-ns and NAME-p99-ns.
func reportPercentiles(b *testing.B, name string, d []time.Duration) {
	slices.Sort(d)
	b.ReportMetric(percentile(d, 0.50), name+"-p50-ns")
	b.ReportMetric(percentile(d, 0.99), name+"-p99-ns")
}

// timeSteps runs steps one after another in every iteration of b's loop,
// reporting allocations, and returns each step's durations (d[i][j]: step
// i in iteration j).
func timeSteps(b *testing.B, steps ...func() error) [][]time.Duration {
	d := make([][]time.Duration, len(steps))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		for i, step := range steps {
			if err := step(); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			d[i] = append(d[i], t1.Sub(t0))
			t0 = t1
		}
	}
	b.StopTimer()
	return d
}

// minus returns a[j]-b[j] for every j: a step's time over another's, per
// iteration.
func minus(a, b []time.Duration) []time.Duration {
	out := make([]time.Duration, len(a))
	for j := range a {
		out[j] = a[j] - b[j]
	}
	return out
}

func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return float64(sorted[min(len(sorted)-1, int(p*float64(len(sorted))))].Nanoseconds())
}

// BenchmarkE2ELatency is one stream at a time through the host against a
// loopback provider, paired with a direct read of the same stream over
// the same transport: each iteration does both, and the added latency is
// the host's time minus the direct read's, per pair. Metrics: p50 and p99
// of the direct read, of the host, and of the per-pair difference.
func BenchmarkE2ELatency(b *testing.B) {
	for _, be := range executors() {
		b.Run(be, func(b *testing.B) {
			s := newE2E(b, 4)
			m := e2eModule(b, be)
			ctx := context.Background()
			if _, err := s.stream(ctx, m); err != nil { // warm: capabilities, connection, instance
				b.Fatal(err)
			}
			d := timeSteps(b, func() error { return s.direct(ctx) },
				func() error { _, err := s.stream(ctx, m); return err })
			added := minus(d[1], d[0]) // before reportPercentiles sorts them
			reportPercentiles(b, "direct", d[0])
			reportPercentiles(b, "host", d[1])
			reportPercentiles(b, "added", added)
		})
	}
}

// BenchmarkE2EThroughput runs b.N rounds of c streams each through the
// host, c at a time (c workers share the c*b.N streams), for c = 1, 64
// and 1024 concurrent streams. Metrics: streams/s and events/s.
func BenchmarkE2EThroughput(b *testing.B) {
	for _, be := range executors() {
		b.Run(be, func(b *testing.B) {
			for _, c := range []int{1, 64, 1024} {
				b.Run("streams-"+itoa(c), func(b *testing.B) {
					s := newE2E(b, c)
					m := e2eModule(b, be)
					ctx := context.Background()
					perStream, err := s.stream(ctx, m)
					if err != nil {
						b.Fatal(err)
					}
					var events atomic.Int64
					total := runConcurrent(b, c, func() error {
						n, err := s.stream(ctx, m)
						events.Add(int64(n))
						return err
					})
					if events.Load() != total*int64(perStream) {
						b.Fatalf("%d events, want %d", events.Load(), total*int64(perStream))
					}
					sec := b.Elapsed().Seconds()
					b.ReportMetric(float64(total)/sec, "streams/s")
					b.ReportMetric(float64(events.Load())/sec, "events/s")
				})
			}
		})
	}
}

// runConcurrent runs c*b.N calls of one, c at a time (c workers share
// them), timed, with allocations reported; it fails b on the first error
// and returns the number of calls.
func runConcurrent(b *testing.B, c int, one func() error) int64 {
	b.ReportAllocs()
	b.ResetTimer()
	total := int64(c * b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	for range c {
		wg.Go(func() {
			for next.Add(1) <= total {
				if err := one(); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if err, ok := failed.Load().(error); ok {
		b.Fatal(err)
	}
	return total
}

func itoa(n int) string {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(buf[i:])
		}
	}
}
