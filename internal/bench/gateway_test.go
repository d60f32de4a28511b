package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/gateway"
	"github.com/wasmadapt/wasmadapt/gateway/config"
	"github.com/wasmadapt/wasmadapt/host"
)

// gatewayBody is the recorded case's request (testdata/openai/<e2eCase>)
// as an OpenAI Chat Completions client sends it to the gateway, whose
// public model "bench" routes to the case's provider model.
const gatewayBody = `{"model":"bench","stream":true,"messages":[{"role":"user","content":"Say hello in French."}]}`

// Gateway keys of the benchmarks: one without limits, one with tenant
// limits (memory store) set high enough never to refuse.
const (
	gwKey        = "wag-bench"
	gwLimitedKey = "wag-bench-limited"
)

// gatewaySetup is newE2E's provider and client, plus a gateway on
// loopback serving the same module against the same provider.
type gatewaySetup struct {
	*e2eSetup
	url string
	gc  *http.Client
}

func newGatewayBench(b *testing.B, conns int, m engine.Module) *gatewaySetup {
	b.Helper()
	s := newE2E(b, conns)
	gw := newGatewayServer(b, gatewayConfig(s.req.Model, s.srv.URL), host.NewClient(host.WithHTTPClient(s.hc), host.WithLogger(slog.New(slog.DiscardHandler))), m)
	srv := httptest.NewServer(gw)
	b.Cleanup(srv.Close)
	t := host.NewTransport()
	t.MaxIdleConns = conns + 16
	t.MaxIdleConnsPerHost = conns + 16
	b.Cleanup(t.CloseIdleConnections)
	return &gatewaySetup{e2eSetup: s, url: srv.URL, gc: &http.Client{Transport: t}}
}

// gatewayConfig is the benchmarks' gateway configuration: the public
// model "bench" routed to the provider model at baseURL, and the keys
// gwKey (no limits) and gwLimitedKey (all three tenant limits, set high
// enough never to refuse).
func gatewayConfig(model, baseURL string) *config.Config {
	return &config.Config{
		Models: []config.Model{{Name: "bench", Targets: []config.Target{{Module: "openai", Model: model, BaseURL: baseURL, CredentialEnv: "BENCH_KEY"}}}},
		Keys: []config.Key{
			{Name: "bench", SHA256: config.HashKey(gwKey), Models: []string{"*"}},
			{Name: "limited", SHA256: config.HashKey(gwLimitedKey), Models: []string{"*"},
				Limits: &config.Limits{RequestsPerMinute: 1 << 40, TokensPerMinute: 1 << 50, TokenBudget: 1 << 50, BudgetPeriod: "720h"}},
		},
	}
}

// newGatewayServer is a gateway serving cfg's targets with module m
// through client, logging nowhere.
func newGatewayServer(b *testing.B, cfg *config.Config, client *host.Client, m engine.Module) *gateway.Server {
	b.Helper()
	gw, err := gateway.New(context.Background(), cfg, gateway.Options{
		Client: client,
		Loader: func(context.Context, string) (engine.Module, error) { return m, nil },
		Logger: slog.New(slog.DiscardHandler),
		Getenv: func(string) string { return "sk-bench" },
	})
	if err != nil {
		b.Fatal(err)
	}
	return gw
}

// viaGateway sends the request through the gateway with key and reads the
// SSE answer to its end, returning its chunks (data lines before [DONE]).
func (g *gatewaySetup) viaGateway(ctx context.Context, key string) (int, error) {
	r, err := http.NewRequestWithContext(ctx, "POST", g.url+"/v1/chat/completions", bytes.NewReader([]byte(gatewayBody)))
	if err != nil {
		return 0, err
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+key)
	resp, err := g.gc.Do(r)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return 0, fmt.Errorf("gateway: status %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	n, done := 0, false
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case bytes.Equal(line, []byte("data: [DONE]")):
			done = true
		case bytes.HasPrefix(line, []byte("data: ")):
			n++
		}
	}
	if err := sc.Err(); err != nil {
		return n, err
	}
	if !done {
		return n, fmt.Errorf("gateway: stream ended without [DONE]")
	}
	return n, nil
}

// BenchmarkGatewayLatency is one stream at a time against the recorded
// provider, three ways per iteration: host.Client.Stream in process (the
// direct host), the same request through the gateway over loopback HTTP
// (an OpenAI client's request, SSE answer read to [DONE]), and through
// the gateway with a key that has tenant limits (in-memory counters).
// Metrics: p50 and p99 of each, and of the gateway's added time over the
// direct host, per iteration.
func BenchmarkGatewayLatency(b *testing.B) {
	for _, be := range executors() {
		b.Run(be, func(b *testing.B) {
			m := e2eModule(b, be)
			g := newGatewayBench(b, 4, m)
			ctx := context.Background()
			for _, key := range []string{gwKey, gwLimitedKey} { // warm
				if _, err := g.viaGateway(ctx, key); err != nil {
					b.Fatal(err)
				}
			}
			via := func(key string) func() {
				return func() {
					if _, err := g.viaGateway(ctx, key); err != nil {
						b.Fatal(err)
					}
				}
			}
			direct := func() {
				if _, err := g.stream(ctx, m); err != nil {
					b.Fatal(err)
				}
			}
			gw, lim := via(gwKey), via(gwLimitedKey)
			var t triple
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				t.run(direct, gw, lim)
			}
			b.StopTimer()
			t.report(b)
		})
	}
}

// BenchmarkGatewayThroughput runs c*b.N streams, c at a time, through the
// direct host and through the gateway (the same module, provider and
// machine), for c = 1 and 64. Metrics: streams/s.
func BenchmarkGatewayThroughput(b *testing.B) {
	for _, be := range executors() {
		b.Run(be, func(b *testing.B) {
			for _, via := range []string{"host", "gateway"} {
				for _, c := range []int{1, 64} {
					b.Run(via+"/streams-"+itoa(c), func(b *testing.B) {
						m := e2eModule(b, be)
						g := newGatewayBench(b, c, m)
						ctx := context.Background()
						one := func() error {
							if via == "host" {
								_, err := g.stream(ctx, m)
								return err
							}
							_, err := g.viaGateway(ctx, gwKey)
							return err
						}
						if err := one(); err != nil {
							b.Fatal(err)
						}
						total := runConcurrent(b, c, one)
						b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "streams/s")
					})
				}
			}
		})
	}
}

// triple is the wall times of iterations that each run the direct host,
// the gateway and the gateway with limits back to back, and their
// per-iteration differences.
type triple struct {
	hosted, gw, lim, added, limAdded []time.Duration
}

// run times one iteration.
func (t *triple) run(direct, gw, lim func()) {
	t0 := time.Now()
	direct()
	t1 := time.Now()
	gw()
	t2 := time.Now()
	lim()
	t3 := time.Now()
	t.hosted = append(t.hosted, t1.Sub(t0))
	t.gw = append(t.gw, t2.Sub(t1))
	t.lim = append(t.lim, t3.Sub(t2))
	t.added = append(t.added, t2.Sub(t1)-t1.Sub(t0))
	t.limAdded = append(t.limAdded, t3.Sub(t2)-t1.Sub(t0))
}

// report reports the p50 and p99 of each (host, gw, limits, added: gateway
// minus direct, limits-added: gateway with limits minus direct).
func (t *triple) report(b *testing.B) {
	reportPercentiles(b, "host", t.hosted)
	reportPercentiles(b, "gw", t.gw)
	reportPercentiles(b, "limits", t.lim)
	reportPercentiles(b, "added", t.added)
	reportPercentiles(b, "limits-added", t.limAdded)
}
