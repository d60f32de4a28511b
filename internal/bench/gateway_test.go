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
	cfg := &config.Config{
		Models: []config.Model{{Name: "bench", Targets: []config.Target{{Module: "openai", Model: s.req.Model, BaseURL: s.srv.URL, CredentialEnv: "BENCH_KEY"}}}},
		Keys: []config.Key{
			{Name: "bench", SHA256: config.HashKey(gwKey), Models: []string{"*"}},
			{Name: "limited", SHA256: config.HashKey(gwLimitedKey), Models: []string{"*"},
				Limits: &config.Limits{RequestsPerMinute: 1 << 40, TokensPerMinute: 1 << 50, TokenBudget: 1 << 50, BudgetPeriod: "720h"}},
		},
	}
	gw, err := gateway.New(context.Background(), cfg, gateway.Options{
		Client: host.NewClient(host.WithHTTPClient(s.hc), host.WithLogger(slog.New(slog.DiscardHandler))),
		Loader: func(context.Context, string) (engine.Module, error) { return m, nil },
		Logger: slog.New(slog.DiscardHandler),
		Getenv: func(string) string { return "sk-bench" },
	})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	b.Cleanup(srv.Close)
	t := host.NewTransport()
	t.MaxIdleConns = conns + 16
	t.MaxIdleConnsPerHost = conns + 16
	b.Cleanup(t.CloseIdleConnections)
	return &gatewaySetup{e2eSetup: s, url: srv.URL, gc: &http.Client{Transport: t}}
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
	for _, be := range append([]string{"native"}, wasmBackends...) {
		b.Run(be, func(b *testing.B) {
			m := e2eModule(b, be)
			g := newGatewayBench(b, 4, m)
			ctx := context.Background()
			for _, key := range []string{gwKey, gwLimitedKey} { // warm
				if _, err := g.viaGateway(ctx, key); err != nil {
					b.Fatal(err)
				}
			}
			d := timeSteps(b, func() error { _, err := g.stream(ctx, m); return err },
				func() error { _, err := g.viaGateway(ctx, gwKey); return err },
				func() error { _, err := g.viaGateway(ctx, gwLimitedKey); return err })
			added, limAdded := minus(d[1], d[0]), minus(d[2], d[0]) // before reportPercentiles sorts them
			reportPercentiles(b, "host", d[0])
			reportPercentiles(b, "gw", d[1])
			reportPercentiles(b, "limits", d[2])
			reportPercentiles(b, "added", added)
			reportPercentiles(b, "limits-added", limAdded)
		})
	}
}

// BenchmarkGatewayThroughput runs c*b.N streams, c at a time, through the
// direct host and through the gateway (the same module, provider and
// machine), for c = 1 and 64. Metrics: streams/s.
func BenchmarkGatewayThroughput(b *testing.B) {
	for _, be := range append([]string{"native"}, wasmBackends...) {
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
