package gateway_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/gateway"
	"github.com/wasmadapt/wasmadapt/gateway/config"
	"github.com/wasmadapt/wasmadapt/gateway/demoprovider"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/internal/testenv"
)

// closeTracked is a module that records its Close.
type closeTracked struct {
	engine.Module
	closed atomic.Bool
}

func (m *closeTracked) Close(ctx context.Context) error {
	m.closed.Store(true)
	return m.Module.Close(ctx)
}

// gatedWriter holds a provider's answer after its first flush until gate
// closes.
type gatedWriter struct {
	http.ResponseWriter
	gate    <-chan struct{}
	flushed bool
}

func (g *gatedWriter) Flush() {
	g.ResponseWriter.(http.Flusher).Flush()
	if !g.flushed {
		g.flushed = true
		<-g.gate
	}
}

// TestReloadUnderLoad: configuration and modules reload while streams are
// in flight and more keep starting. Streams started before the reload
// finish on the old modules (closed only after the last of them ends),
// new requests get the new configuration, no stream is lost, and a
// configuration whose module does not load is refused with its line while
// the current one keeps serving.
func TestReloadUnderLoad(t *testing.T) {
	h := demoHandler(t)
	const held = 3
	gate := make(chan struct{})
	var started atomic.Int32
	psrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if started.Add(1) <= held {
			w = &gatedWriter{ResponseWriter: w, gate: gate}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(psrv.Close)

	var mu sync.Mutex
	var loaded []*closeTracked
	loader := func(ctx context.Context, ref string) (engine.Module, error) {
		m, err := nativeLoader(ctx, ref)
		if err != nil {
			return nil, err
		}
		ct := &closeTracked{Module: m}
		mu.Lock()
		loaded = append(loaded, ct)
		mu.Unlock()
		return ct, nil
	}
	cfg := func(extra ...string) *config.Config {
		c := demoprovider.Config(demoprovider.Module, psrv.URL, config.HashKey(testKey))
		for _, name := range extra {
			c.Models = append(c.Models, config.Model{Name: name, Line: 7, Targets: c.Models[0].Targets})
		}
		return c
	}
	gw, err := gateway.New(context.Background(), cfg(), gateway.Options{
		Loader: loader,
		Client: host.NewClient(host.WithRetry(host.RetryPolicy{MaxRetries: -1})),
		Logger: discardLogger(),
		Getenv: demoprovider.Getenv(demoEnv),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	// Registered after both servers' Close, so it runs before them: a test
	// that fails while the held streams wait fails instead of leaving the
	// servers waiting for their handlers.
	var openGate sync.Once
	release := func() { openGate.Do(func() { close(gate) }) }
	t.Cleanup(release)
	first := loaded[0]

	auth := "Authorization: Bearer " + testKey
	stream := func(model string) error {
		status, _, body := post(t, srv.URL+"/v1/chat/completions", `{"model":"`+model+`","stream":true,"messages":[{"role":"user","content":"Weather in Paris and Tokyo?"}]}`, auth)
		if status != 200 || !strings.Contains(body, `"name":"get_weather"`) || !strings.HasSuffix(body, "data: [DONE]\n\n") {
			return errors.New("stream lost: " + body)
		}
		return nil
	}
	errs := make(chan error, 100)
	var wg sync.WaitGroup
	for range held {
		wg.Go(func() { errs <- stream(demoprovider.Model) })
	}
	// The held streams are in flight once the gateway counts them.
	testenv.Poll(t, "the held streams", func() bool {
		_, m := get(t, srv.URL+"/metrics")
		return strings.Contains(m, "wasmadapt_gateway_requests_in_flight 3\n")
	})
	// Load: streams that keep starting, through every reload.
	stop := make(chan struct{})
	var loadDone atomic.Int32
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := stream(demoprovider.Model); err != nil {
					errs <- err
					return
				}
				loadDone.Add(1)
			}
		})
	}

	if err := gw.Reload(context.Background(), cfg("reloaded")); err != nil {
		t.Fatal(err)
	}
	testenv.Poll(t, "the reloaded model", func() bool {
		_, b := get(t, srv.URL+"/v1/models", auth)
		return strings.Contains(b, `"id":"reloaded"`)
	})
	if err := stream("reloaded"); err != nil {
		t.Fatal(err)
	}

	bad := cfg("reloaded")
	bad.Models = append(bad.Models, config.Model{Name: "broken", Line: 9, Targets: []config.Target{{Module: "no-such-module", Model: "m", Line: 11}}})
	var ce *gateway.ConfigError
	if err := gw.Reload(context.Background(), bad); !errors.As(err, &ce) || ce.Line != 11 {
		t.Fatalf("reload of a module that does not load: %v, want a ConfigError at line 11", err)
	}
	if err := stream("reloaded"); err != nil {
		t.Fatalf("after a refused reload: %v", err)
	}
	if err := gw.Reload(context.Background(), cfg("reloaded", "again")); err != nil {
		t.Fatal(err)
	}
	testenv.Poll(t, "some load through the reloads", func() bool { return loadDone.Load() >= 2 })

	if first.closed.Load() {
		t.Fatal("the first modules were closed while streams held them")
	}
	release()
	close(stop)
	wg.Wait()
	testenv.ReportErrs(t, errs)
	testenv.Poll(t, "the first modules to close after their streams", first.closed.Load)
	mu.Lock()
	last := loaded[len(loaded)-1]
	mu.Unlock()
	if last.closed.Load() {
		t.Fatal("the current modules were closed")
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
