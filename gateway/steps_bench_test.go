package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/gateway/config"
	"github.com/wasmadapt/wasmadapt/gateway/demoprovider"
	"github.com/wasmadapt/wasmadapt/internal/adapterset"
	"github.com/wasmadapt/wasmadapt/internal/bench"
)

// BenchmarkGatewayInProcessSteps times the gateway's own per-request
// steps of a chat request, each the function serve calls, on a server
// whose configuration is internal/bench's (one public model, two keys):
//
//	key        auth: the key from the Authorization header, its SHA-256, the constant-time lookup, the key into the context
//	route      open: the draining check, the configuration version, the public model's route, the key's permission
//	limits     admit and settle with a key that has all three tenant limits (memory store), rate-limit headers included
//	telemetry  begin and its end (server span, no tracer configured; Prometheus metrics) and the request's logger
//
// key + route + limits is the figure closest to Bifrost's published
// overhead (key selection, routing, request setup). Decoding the request
// and encoding the answer are internal/bench's
// BenchmarkGatewayInProcessParts; the whole request is its
// BenchmarkGatewayInProcess. Metrics: ns/op, cpu-ns/op (process CPU
// time), allocs and bytes.
func BenchmarkGatewayInProcessSteps(b *testing.B) {
	const key, limitedKey, public = "wag-bench", "wag-bench-limited", "bench"
	cfg := demoprovider.Config(demoprovider.Module, "http://provider.invalid", config.HashKey(key))
	cfg.Models[0].Name = public
	cfg.Keys = append(cfg.Keys, config.Key{Name: "limited", SHA256: config.HashKey(limitedKey), Models: []string{"*"},
		Limits: &config.Limits{RequestsPerMinute: 1 << 40, TokensPerMinute: 1 << 50, TokenBudget: 1 << 50, BudgetPeriod: "720h"}})
	s, err := New(context.Background(), cfg, Options{
		Loader: func(_ context.Context, ref string) (engine.Module, error) {
			return engine.NewNative(ref, adapterset.New(ref)), nil
		},
		Logger: slog.New(slog.DiscardHandler),
		Getenv: func(string) string { return "sk-bench" },
	})
	if err != nil {
		b.Fatal(err)
	}
	body := `{"model":"bench","stream":true,"messages":[{"role":"user","content":"Say hello in French."}]}`
	r, err := http.NewRequest("POST", "http://gateway.invalid/v1/chat/completions", strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+key)
	req := &abi.Request{Model: public, Stream: true, Messages: []abi.Message{{Role: abi.RoleUser, Content: []abi.Part{{Type: abi.PartText, Text: "Say hello in French."}}}}}
	w := &headerWriter{h: http.Header{}}
	log := slog.New(slog.DiscardHandler)
	var k, limited *config.Key
	s.auth(openAI, func(_ http.ResponseWriter, r *http.Request) { k = keyOf(r) })(w, r)
	for i := range cfg.Keys {
		if cfg.Keys[i].Name == "limited" {
			limited = &cfg.Keys[i]
		}
	}
	if k == nil || limited == nil {
		b.Fatal("the bench keys are not configured")
	}
	// authed is auth's handler as New registers it: made once.
	var got *config.Key
	authed := s.auth(openAI, func(_ http.ResponseWriter, r *http.Request) { got = keyOf(r) })
	steps := []struct {
		name string
		one  func() bool
	}{
		{"key", func() bool {
			got = nil
			authed(w, r)
			return got == k
		}},
		{"route", func() bool {
			o := observed{endpoint: r.URL.Path, model: public, status: http.StatusOK}
			_, rt, release, ok := s.open(w, k, public, openAI, &o, log)
			release()
			return ok && rt != nil
		}},
		{"limits", func() bool {
			clear(w.h)
			settle, e := s.admit(w, r, limited, false, func() int64 { return estimate(len(body), req) }, log)
			if e != nil {
				return false
			}
			settle(abi.Usage{InputTokens: 14, OutputTokens: 9}, false)
			return w.h.Get("X-Ratelimit-Limit-Requests") != ""
		}},
		{"telemetry", func() bool {
			start := s.now()
			r2, end := s.begin(r, public, "chat")
			l := s.requestLog(r2.Context(), k, public, req.Stream)
			o := observed{endpoint: r2.URL.Path, model: public, start: start, first: start, status: http.StatusOK,
				usage: abi.Usage{InputTokens: 14, OutputTokens: 9}}
			end(&o)
			return l != nil
		}},
	}
	for _, st := range steps {
		b.Run(st.name, func(b *testing.B) {
			if !st.one() {
				b.Fatalf("%s: the step refused the request", st.name)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := bench.CPUNanos()
			for b.Loop() {
				if !st.one() {
					b.Fatalf("%s: the step refused the request", st.name)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(bench.CPUNanos()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// headerWriter is an http.ResponseWriter that keeps only its header: the
// steps write no body.
type headerWriter struct{ h http.Header }

func (w *headerWriter) Header() http.Header         { return w.h }
func (w *headerWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *headerWriter) WriteHeader(int)             {}
