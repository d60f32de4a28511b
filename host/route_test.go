package host_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
)

func unavailable503() providertest.Failure {
	return providertest.Failure{Status: 503, Body: []byte(`{"error":{"type":"overloaded_error","message":"try later"}}`)}
}

func TestRouteFallsBackOnRetryableFailure(t *testing.T) {
	down := providertest.NewServer(nil, providertest.WithFailures(unavailable503(), unavailable503(), unavailable503()))
	defer down.Close()
	up := providertest.NewServer([]providertest.Case{sseCase("ok", providertest.SSE("start", `{"id":"r","model":"toy-2"}`, "text", "from b", "done", "stop"))})
	defer up.Close()
	mod := toyModule(t)
	rt := &host.Route{Targets: []host.Target{
		{Name: "a", Provider: provider(mod, down)},
		{Provider: provider(mod, up), Model: "toy-2"},
	}}
	sl := &sleeps{}
	r, err := newClient(sl).GenerateRoute(context.Background(), rt, streamReq("toy-1"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Text != "from b" || r.Served != "toy/toy-2" || len(r.Route) != 2 || r.Route[0].Target != "a" || r.Route[0].Err == nil || r.Route[1].Err != nil {
		t.Errorf("response %+v", r)
	}
	if n := len(down.Requests()); n != 3 {
		t.Errorf("first target got %d requests, want 3 (its retries, then the fallback)", n)
	}
	if !strings.Contains(string(up.Requests()[0].Body), `"model":"toy-2"`) {
		t.Errorf("the second target was not asked for its model: %s", up.Requests()[0].Body)
	}
}

func TestRouteSkipsTargetsThatCannotServe(t *testing.T) {
	never := providertest.NewServer(nil)
	defer never.Close()
	up := providertest.NewServer([]providertest.Case{sseCase("ok", providertest.SSE("text", "ok", "done", "stop"))})
	defer up.Close()
	mod := toyModule(t)
	req := streamReq("toy-1")
	req.Tools = []abi.ToolDefinition{{Name: "t", Parameters: []byte(`{"type":"object"}`)}}
	rt := &host.Route{Targets: []host.Target{{Provider: provider(mod, never), Model: "toy-notools"}, {Provider: provider(mod, up)}}}
	r, err := newClient(nil).GenerateRoute(context.Background(), rt, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(never.Requests()) != 0 || !r.Route[0].Skipped || !errors.Is(r.Route[0].Err, abi.ErrCapabilityUnsupported) || r.Served != "toy/toy-1" {
		t.Errorf("route %+v, requests to the skipped target %d", r.Route, len(never.Requests()))
	}
	// Every target skipped: capability_unsupported naming each reason.
	rt = &host.Route{Targets: []host.Target{{Name: "x", Provider: provider(mod, never), Model: "toy-notools"}}}
	_, err = newClient(nil).GenerateRoute(context.Background(), rt, req)
	if ae := requireCode(t, err, abi.CodeCapabilityUnsupported); !strings.Contains(ae.Message, "x: ") {
		t.Errorf("error %v", err)
	}
}

func TestRouteStopsOnNonRetryableFailure(t *testing.T) {
	bad := providertest.NewServer(nil, providertest.WithFailures(providertest.Unauthorized()))
	defer bad.Close()
	up := providertest.NewServer([]providertest.Case{sseCase("ok", providertest.SSE("text", "ok", "done", "stop"))})
	defer up.Close()
	mod := toyModule(t)
	var served string
	var attempts []host.RouteAttempt
	rt := &host.Route{Targets: []host.Target{{Provider: provider(mod, bad)}, {Provider: provider(mod, up)}}}
	_, err := collect(newClient(nil).StreamRoute(context.Background(), rt, streamReq("toy-1"), func(s string, a []host.RouteAttempt) { served, attempts = s, a }))
	requireCode(t, err, abi.CodeAuthentication)
	if len(up.Requests()) != 0 || served != "" || len(attempts) != 1 {
		t.Errorf("a 401 fell back: served %q, attempts %+v", served, attempts)
	}
}

func TestKeyPoolRotatesAndCoolsDownOn429(t *testing.T) {
	srv := providertest.NewServer([]providertest.Case{sseCase("ok", providertest.SSE("text", "ok", "done", "stop"))},
		providertest.WithFailures(providertest.RateLimited("120")))
	defer srv.Close()
	now := time.Unix(1000, 0)
	pool := host.NewKeyPool("sk-key-a", "sk-key-b").WithClock(func() time.Time { return now })
	var logs bytes.Buffer
	sl := &sleeps{}
	c := newClient(sl, host.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	p := host.Provider{Module: toyModule(t), BaseURL: srv.URL, Credentials: pool}
	for range 2 {
		if _, err := c.Generate(context.Background(), p, streamReq("toy-1")); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(121 * time.Second)
	if _, err := c.Generate(context.Background(), p, streamReq("toy-1")); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range srv.Requests() {
		keys = append(keys, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer sk-key-"))
	}
	// a: 429 (cools 120s); b at once, not after 120s; b again (a cools);
	// the cool-down over, a again.
	if strings.Join(keys, ",") != "a,b,b,a" {
		t.Errorf("keys used %v", keys)
	}
	if w := sl.get(); len(w) != 1 || w[0] >= 120*time.Second {
		t.Errorf("waits %v: another key was ready, the Retry-After should not be waited", w)
	}
	all := logs.String() + pool.String() + slog.AnyValue(pool).String()
	if strings.Contains(all, "sk-key") {
		t.Errorf("a key was logged: %s", all)
	}
}

func TestKeyPoolAllCoolingIsRateLimited(t *testing.T) {
	now := time.Unix(1000, 0)
	pool := host.NewKeyPool("k1").WithClock(func() time.Time { return now })
	pool.Report(host.Credential{Key: "k1"}, 429, 5*time.Second)
	_, err := pool.Credential(context.Background())
	if ae := requireCode(t, err, abi.CodeRateLimited); !ae.Retryable || strings.Contains(ae.Message, "k1") || !strings.Contains(ae.Message, "5s") {
		t.Errorf("error %+v", ae)
	}
	pool.Report(host.Credential{Key: "k1"}, 401, 0)
	now = now.Add(time.Minute)
	_, err = pool.Credential(context.Background())
	requireCode(t, err, abi.CodeAuthentication)
}

func TestRouteWithCallRetryFallsOverAtOnce(t *testing.T) {
	// The options are applied by the route's capability check and by each
	// call: WithCallRetry must mean the same every time.
	down := providertest.NewServer(nil, providertest.WithFailures(unavailable503(), unavailable503()))
	defer down.Close()
	up := providertest.NewServer([]providertest.Case{sseCase("ok", providertest.SSE("text", "ok", "done", "stop"))})
	defer up.Close()
	mod := toyModule(t)
	rt := &host.Route{Targets: []host.Target{{Provider: provider(mod, down)}, {Provider: provider(mod, up)}}}
	sl := &sleeps{}
	if _, err := newClient(sl).GenerateRoute(context.Background(), rt, streamReq("toy-1"), host.WithCallRetry(host.RetryPolicy{MaxRetries: -1})); err != nil {
		t.Fatal(err)
	}
	if n := len(down.Requests()); n != 1 || len(sl.get()) != 0 {
		t.Errorf("first target got %d requests, waits %v; want 1 and none", n, sl.get())
	}
}

func TestToolLoopOverARouteRecordsTheTargetOnTheSpan(t *testing.T) {
	down := providertest.NewServer(nil, providertest.WithFailures(unavailable503(), unavailable503()))
	defer down.Close()
	srv := twoStepServer()
	defer srv.Close()
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	mod := toyModule(t)
	var seen []host.ToolCall
	loop := &host.ToolLoop{
		Client: newClient(&sleeps{}, host.WithTracerProvider(tp)),
		Route: &host.Route{Targets: []host.Target{
			{Name: "down", Provider: provider(mod, down)},
			{Name: "up", Provider: provider(mod, srv)},
		}},
		Tools:       callTools(t, &seen),
		MaxParallel: 1,
		Options:     []host.CallOption{host.WithCallRetry(host.RetryPolicy{MaxRetries: -1})},
	}
	s := host.NewSession("s", "t")
	s.AddUser("go")
	resp, err := loop.Run(context.Background(), s, &abi.Request{Model: "toy-1", Stream: true})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Served != "up" || resp.Text != "done" || len(seen) != 2 {
		t.Errorf("response %+v, calls %d", resp, len(seen))
	}
	var targets []string
	for _, sp := range sr.Ended() {
		if sp.Name() != "route" {
			continue
		}
		for _, a := range sp.Attributes() {
			if string(a.Key) == host.AttrRouteTarget {
				targets = append(targets, a.Value.AsString())
			}
		}
	}
	// Each step falls over from down to up.
	if strings.Join(targets, ",") != "up,up" || len(down.Requests()) != 2 {
		t.Errorf("route spans' targets %v", targets)
	}
}

// TestTargetModelFor: a target's Model replaces the requested model; an
// empty one keeps it.
func TestTargetModelFor(t *testing.T) {
	for _, tt := range []struct{ target, requested, want string }{
		{"", "gpt-4o", "gpt-4o"},
		{"llama-3", "gpt-4o", "llama-3"},
		{"llama-3", "", "llama-3"},
		{"", "", ""},
	} {
		if got := (host.Target{Model: tt.target}).ModelFor(tt.requested); got != tt.want {
			t.Errorf("Target{Model: %q}.ModelFor(%q) = %q, want %q", tt.target, tt.requested, got, tt.want)
		}
	}
}
