package host_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
)

func TestStreamRandomCutsGiveIdenticalEvents(t *testing.T) {
	m := toyModule(t)
	c := newClient(nil)
	ref := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)}, providertest.WithAuth(bearerOK))
	defer ref.Close()
	want, err := collect(c.Stream(context.Background(), provider(m, ref), streamReq("toy-1")))
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 14 || !hasFinish(want) {
		t.Fatalf("reference run gave %d events:\n%s", len(want), strings.Join(want, "\n"))
	}
	for seed := uint64(1); seed <= 25; seed++ {
		opts := []providertest.Option{providertest.WithCuts(seed, int(seed%9)+1)}
		if seed%2 == 0 {
			opts = append(opts, providertest.WithGzip())
		}
		srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)}, opts...)
		got, err := collect(c.Stream(context.Background(), provider(m, srv), streamReq("toy-1")))
		srv.Close()
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("seed %d: events differ\n got %s\nwant %s", seed, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

func TestGenerateWholeResponse(t *testing.T) {
	body := `{"id":"r-9","model":"toy-1","text":"It is sunny.","reasoning":[{"text":"weather?","sig":"s1"}],"calls":[{"id":"c1","name":"f","args":"{\"a\":1}"}],"usage":{"in":5,"out":7},"finish":"tool_calls"}`
	srv := providertest.NewServer([]providertest.Case{{Name: "whole", Framing: "none", Body: []byte(body)}}, providertest.WithGzip())
	defer srv.Close()
	req := streamReq("toy-1")
	req.Stream = false
	r, err := newClient(nil).Generate(context.Background(), provider(toyModule(t), srv), req)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "r-9" || r.Text != "It is sunny." || r.FinishReason != abi.FinishToolCalls || r.Usage.OutputTokens != 7 || r.Provider != "toy" {
		t.Errorf("response = %+v", r)
	}
	if len(r.Reasoning) != 1 || r.Reasoning[0].Signature != "s1" || r.Reasoning[0].Provider != "toy" {
		t.Errorf("reasoning = %+v", r.Reasoning)
	}
	if len(r.ToolCalls) != 1 || r.ToolCalls[0].Arguments != `{"a":1}` {
		t.Errorf("tool calls = %+v", r.ToolCalls)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || strings.Contains(string(reqs[0].Body), `"stream":true`) {
		t.Errorf("requests = %+v", reqs)
	}
	if got := reqs[0].Header.Get("Accept-Encoding"); got != "gzip, zstd" {
		t.Errorf("Accept-Encoding = %q", got)
	}
}

func TestGenerateStreamAccumulates(t *testing.T) {
	srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)})
	defer srv.Close()
	r, err := newClient(nil).Generate(context.Background(), provider(toyModule(t), srv), streamReq("toy-1"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Text != "Hello, world\nsecond line" || len(r.ToolCalls) != 2 || r.ToolCalls[1].ID != "c2" {
		t.Errorf("response = %+v", r)
	}
	if len(r.Reasoning) != 1 || r.Reasoning[0].Text != "Let me think. Twice." || r.Reasoning[0].Signature != "sig-abc" {
		t.Errorf("reasoning = %+v", r.Reasoning)
	}
	msg := r.Message()
	if msg.Role != abi.RoleAssistant || len(msg.Content) != 4 || msg.Content[0].Provider != "toy" {
		t.Errorf("message = %+v", msg)
	}
}

func TestUnauthorizedIsAuthenticationError(t *testing.T) {
	srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)}, providertest.WithAuth(bearerOK))
	defer srv.Close()
	sl := &sleeps{}
	p := provider(toyModule(t), srv)
	p.Credentials = host.StaticKey("wrong")
	_, err := collect(newClient(sl).Stream(context.Background(), p, streamReq("toy-1")))
	ae := requireCode(t, err, abi.CodeAuthentication)
	if ae.Status != 401 || !errors.Is(err, abi.ErrAuthentication) {
		t.Errorf("error = %+v", ae)
	}
	if n := len(srv.Requests()); n != 1 || len(sl.get()) != 0 {
		t.Errorf("requests = %d, sleeps = %v: a 401 must not be retried", n, sl.get())
	}
}

func TestRateLimitedHonoursRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tt := range []struct {
		name, retryAfter string
		want             time.Duration
	}{
		{"seconds", "3", 3 * time.Second},
		{"http-date", now.Add(7 * time.Second).Format(http.TimeFormat), 7 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)},
				providertest.WithFailures(providertest.RateLimited(tt.retryAfter)))
			defer srv.Close()
			sl := &sleeps{}
			c := newClient(sl, host.WithClock(func() time.Time { return now }))
			evs, err := collect(c.Stream(context.Background(), provider(toyModule(t), srv), streamReq("toy-1")))
			if err != nil {
				t.Fatal(err)
			}
			if !hasFinish(evs) {
				t.Error("no finish after the retry")
			}
			reqs := srv.Requests()
			if len(reqs) != 2 || reqs[0].Status != 429 || reqs[1].Status != 200 {
				t.Errorf("requests = %+v", reqs)
			}
			if got := sl.get(); len(got) != 1 || got[0] != tt.want {
				t.Errorf("waits = %v, want [%v]", got, tt.want)
			}
		})
	}
}

func TestRetryAfterBeyondPolicyIsNotWaited(t *testing.T) {
	srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)},
		providertest.WithFailures(providertest.RateLimited("3600")))
	defer srv.Close()
	sl := &sleeps{}
	_, err := collect(newClient(sl).Stream(context.Background(), provider(toyModule(t), srv), streamReq("toy-1")))
	requireCode(t, err, abi.CodeRateLimited)
	if len(sl.get()) != 0 || len(srv.Requests()) != 1 {
		t.Errorf("waits %v, requests %d", sl.get(), len(srv.Requests()))
	}
}

func TestServerErrorRetriedWithBackoffThenFails(t *testing.T) {
	srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)},
		providertest.WithFailures(providertest.ServerError(), providertest.ServerError(), providertest.ServerError()))
	defer srv.Close()
	sl := &sleeps{}
	c := newClient(sl, host.WithRetry(host.RetryPolicy{MaxRetries: 2, BaseDelay: 100 * time.Millisecond}))
	_, err := collect(c.Stream(context.Background(), provider(toyModule(t), srv), streamReq("toy-1")))
	ae := requireCode(t, err, abi.CodeServerError)
	if ae.Status != 500 || !ae.Retryable {
		t.Errorf("error = %+v", ae)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("requests = %d, want 3 (1 + 2 retries)", n)
	}
	// Jitter 0 gives the lower bound of each window: delay/2, doubling.
	if got := sl.get(); !slices.Equal(got, []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}) {
		t.Errorf("waits = %v", got)
	}
}

func TestServerErrorThenSuccess(t *testing.T) {
	srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)},
		providertest.WithFailures(providertest.ServerError()))
	defer srv.Close()
	evs, err := collect(newClient(&sleeps{}).Stream(context.Background(), provider(toyModule(t), srv), streamReq("toy-1")))
	if err != nil || !hasFinish(evs) {
		t.Fatalf("err = %v, events %v", err, evs)
	}
}

func TestDroppedConnectionMidStreamIsTruncated(t *testing.T) {
	srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)},
		providertest.WithDropAfter(len(toyStream)/2), providertest.WithCuts(3, 16))
	defer srv.Close()
	sl := &sleeps{}
	evs, err := collect(newClient(sl).Stream(context.Background(), provider(toyModule(t), srv), streamReq("toy-1")))
	requireCode(t, err, abi.CodeStreamTruncated)
	if len(evs) == 0 || hasFinish(evs) {
		t.Errorf("events before the drop = %v; want some and no finish", evs)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("requests = %d: a stream that delivered events must not be retried", n)
	}
}

func TestStreamWithoutEndMarkerIsTruncated(t *testing.T) {
	cut := providertest.SSE("start", `{"id":"r","model":"m"}`, "text", "partial")
	srv := providertest.NewServer([]providertest.Case{sseCase("cut", cut)})
	defer srv.Close()
	evs, err := collect(newClient(nil).Stream(context.Background(), provider(toyModule(t), srv), streamReq("toy-1")))
	requireCode(t, err, abi.CodeStreamTruncated)
	if len(evs) != 2 || hasFinish(evs) {
		t.Errorf("events = %v", evs)
	}
}

func TestDropBeforeFirstEventIsRetried(t *testing.T) {
	srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)}, providertest.WithDropAfter(5))
	defer srv.Close()
	sl := &sleeps{}
	_, err := collect(newClient(sl).Stream(context.Background(), provider(toyModule(t), srv), streamReq("toy-1")))
	requireCode(t, err, abi.CodeStreamTruncated)
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("requests = %d, want 3: nothing reached the caller, so the drop is retried", n)
	}
}

func TestErrorEventInStream(t *testing.T) {
	body := providertest.SSE("error", `{"code":"overloaded","message":"busy","retryable":true}`)
	srv := providertest.NewServer([]providertest.Case{sseCase("a", body), sseCase("b", toyStream)}, providertest.WithSequence())
	defer srv.Close()
	evs, err := collect(newClient(&sleeps{}).Stream(context.Background(), provider(toyModule(t), srv), streamReq("toy-1")))
	if err != nil || !hasFinish(evs) {
		t.Fatalf("an overloaded error before any event must be retried: err %v", err)
	}
	srv2 := providertest.NewServer([]providertest.Case{sseCase("a", providertest.SSE("start", `{"id":"r","model":"m"}`, "error", `{"code":"content_filter","message":"blocked"}`))})
	defer srv2.Close()
	_, err = collect(newClient(&sleeps{}).Stream(context.Background(), provider(toyModule(t), srv2), streamReq("toy-1")))
	if !errors.Is(err, abi.ErrContentFilter) {
		t.Fatalf("err = %v, want content_filter", err)
	}
}

func TestCancelSlowStreamClosesConnection(t *testing.T) {
	before := runtime.NumGoroutine()
	srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)},
		providertest.WithCuts(1, 4), providertest.WithDelay(20*time.Millisecond))
	m := toyModule(t)
	c := newClient(nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	var last error
	for _, err := range c.Stream(ctx, provider(m, srv), streamReq("toy-1")) {
		if err != nil {
			last = err
			break
		}
		n++
		if n == 1 {
			cancel()
		}
	}
	if !errors.Is(last, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", last)
	}
	waitFor(t, func() bool { return srv.Disconnects() == 1 }, "the server to see the client go away")
	srv.Close()
	sharedTransportIdle()
	waitFor(t, func() bool { return runtime.NumGoroutine() <= before+1 }, "goroutines to return to the baseline")
}

func TestBreakingOutOfTheLoopClosesConnection(t *testing.T) {
	srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)}, providertest.WithStall(60))
	defer srv.Close()
	for range newClient(nil).Stream(context.Background(), provider(toyModule(t), srv), streamReq("toy-1")) {
		break
	}
	waitFor(t, func() bool { return srv.Disconnects() == 1 }, "the server to see the client go away")
}

func TestIdleTimeout(t *testing.T) {
	srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)}, providertest.WithStall(60))
	defer srv.Close()
	c := newClient(&sleeps{}, host.WithIdleTimeout(50*time.Millisecond), host.WithRetry(host.RetryPolicy{MaxRetries: -1}))
	evs, err := collect(c.Stream(context.Background(), provider(toyModule(t), srv), streamReq("toy-1")))
	requireCode(t, err, abi.CodeStreamTruncated)
	if !errors.Is(err, host.ErrIdleTimeout) || len(evs) == 0 {
		t.Errorf("err = %v, events %v", err, evs)
	}
}

func TestMissingCredentials(t *testing.T) {
	srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)})
	defer srv.Close()
	p := provider(toyModule(t), srv)
	p.Credentials = host.EnvKey("WASMADAPT_TEST_SURELY_UNSET")
	_, err := collect(newClient(nil).Stream(context.Background(), p, streamReq("toy-1")))
	ae := requireCode(t, err, abi.CodeAuthentication)
	if !strings.Contains(ae.Message, "WASMADAPT_TEST_SURELY_UNSET") || len(srv.Requests()) != 0 {
		t.Errorf("err = %v, requests %d", err, len(srv.Requests()))
	}
}

func TestProviderHeadersAndProjection(t *testing.T) {
	srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)})
	defer srv.Close()
	p := provider(toyModule(t), srv)
	p.Header = http.Header{"X-Org": {"acme"}}
	if _, err := collect(newClient(nil).Stream(context.Background(), p, streamReq("toy-1"))); err != nil {
		t.Fatal(err)
	}
	r := srv.Requests()[0]
	if r.Method != "POST" || r.Path != "/v1/toy/chat" || r.Header.Get("X-Org") != "acme" || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request = %+v", r)
	}
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil || body["model"] != "toy-1" || body["stream"] != true {
		t.Errorf("body = %s", r.Body)
	}
	if strings.Contains(string(r.Body), testKey) {
		t.Error("the key leaked into the body")
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for i := 0; i < 400; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func sharedTransportIdle() {
	http.DefaultClient.CloseIdleConnections()
	host.CloseIdleConnections()
}

func TestConnectionErrorDoesNotLeakQueryKey(t *testing.T) {
	srv := providertest.NewServer(nil)
	url := srv.URL
	srv.Close() // nothing listens there any more
	p := host.Provider{Module: authModule{toyModule(t), abi.Auth{Scheme: abi.AuthQuery, Name: "key"}}, BaseURL: url, Credentials: host.StaticKey(testKey)}
	sl := &sleeps{}
	_, err := collect(newClient(sl).Stream(context.Background(), p, streamReq("toy-1")))
	ae := requireCode(t, err, abi.CodeUnavailable)
	if !ae.Retryable || len(sl.get()) != 2 {
		t.Errorf("a connection failure should be retried: %+v, waits %v", ae, sl.get())
	}
	for e := error(ae); e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), testKey) {
			t.Fatalf("the key leaked: %v", e)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		h    http.Header
		want time.Duration
		ok   bool
	}{
		{http.Header{"Retry-After": {"2"}}, 2 * time.Second, true},
		{http.Header{"Retry-After": {"1.5"}}, 1500 * time.Millisecond, true},
		{http.Header{"Retry-After": {now.Add(time.Minute).Format(http.TimeFormat)}}, time.Minute, true},
		{http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}}, 0, true},
		{http.Header{"Retry-After-Ms": {"250"}, "Retry-After": {"9"}}, 250 * time.Millisecond, true},
		{http.Header{"Retry-After": {"soon"}}, 0, false},
		{http.Header{"Retry-After": {"-3"}}, 0, false},
		{http.Header{}, 0, false},
	} {
		got, ok := host.ParseRetryAfter(tt.h, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseRetryAfter(%v) = %v %v, want %v %v", tt.h, got, ok, tt.want, tt.ok)
		}
	}
}

func TestRecorderSeesEveryAttempt(t *testing.T) {
	srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)},
		providertest.WithFailures(providertest.ServerError()), providertest.WithGzip(), providertest.WithCuts(9, 10))
	defer srv.Close()
	var recs []*host.Recording
	c := newClient(&sleeps{}, host.WithRecorder(func(ctx context.Context, r *host.Recording) { recs = append(recs, r) }))
	if _, err := collect(c.Stream(context.Background(), provider(toyModule(t), srv), streamReq("toy-1"))); err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Status != 500 || recs[1].Status != 200 || recs[1].Attempt != 2 {
		t.Fatalf("recordings = %+v", recs)
	}
	if string(recs[1].Body) != string(toyStream) || recs[1].ProviderRequest.Path != "/v1/toy/chat" || recs[1].Request.Model != "toy-1" {
		t.Errorf("recording = %+v", recs[1])
	}
	if !strings.Contains(string(recs[0].Body), "internal error") {
		t.Errorf("error body = %q", recs[0].Body)
	}
}

func TestHeaderStallIdleTimeout(t *testing.T) {
	srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)}, providertest.WithHeaderStall())
	defer srv.Close()
	sl := &sleeps{}
	c := newClient(sl, host.WithIdleTimeout(50*time.Millisecond), host.WithRetry(host.RetryPolicy{MaxRetries: 1}))
	_, err := collect(c.Stream(context.Background(), provider(toyModule(t), srv), streamReq("toy-1")))
	ae := requireCode(t, err, abi.CodeTimeout)
	if !errors.Is(err, host.ErrIdleTimeout) || !ae.Retryable || len(srv.Requests()) != 2 || len(sl.get()) != 1 {
		t.Errorf("err %v, requests %d, waits %v", err, len(srv.Requests()), sl.get())
	}
}

func TestConnectionReuseAndHTTP2(t *testing.T) {
	for _, tls := range []bool{false, true} {
		opts := []providertest.Option{}
		if tls {
			opts = append(opts, providertest.WithTLS())
		}
		srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)}, opts...)
		tr := host.NewTransport()
		tr.TLSClientConfig = srv.TLSConfig()
		c := host.NewClient(host.WithTransport(tr))
		p := provider(toyModule(t), srv)
		for range 3 {
			if _, err := collect(c.Stream(context.Background(), p, streamReq("toy-1"))); err != nil {
				t.Fatal(err)
			}
		}
		reqs := srv.Requests()
		if reqs[0].RemoteAddr != reqs[1].RemoteAddr || reqs[1].RemoteAddr != reqs[2].RemoteAddr {
			t.Errorf("tls=%v: connections not reused: %s %s %s", tls, reqs[0].RemoteAddr, reqs[1].RemoteAddr, reqs[2].RemoteAddr)
		}
		if want := map[bool]string{false: "HTTP/1.1", true: "HTTP/2.0"}[tls]; reqs[0].Proto != want {
			t.Errorf("tls=%v: proto %s, want %s", tls, reqs[0].Proto, want)
		}
		srv.Close()
		tr.CloseIdleConnections()
	}
}
