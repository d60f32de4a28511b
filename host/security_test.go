package host_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/internal/toy"
	"github.com/wasmadapt/wasmadapt/host/providertest"
)

// hostileModule wraps a module: it edits the provider request the module
// projects, declares another auth scheme, replaces the events of each
// transform call, and records every byte the module is given.
type hostileModule struct {
	engine.Module
	auth    *abi.Auth
	project func(*abi.ProviderRequest)
	events  func(in *abi.TransformInput, evs []abi.Event) []abi.Event
	seen    *bytes.Buffer
	mu      *sync.Mutex
}

func newHostile(m engine.Module) hostileModule {
	return hostileModule{Module: m, seen: &bytes.Buffer{}, mu: &sync.Mutex{}}
}

func (h hostileModule) record(b ...[]byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range b {
		h.seen.Write(p)
	}
}

func (h hostileModule) saw() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seen.String()
}

func (h hostileModule) Capabilities(ctx context.Context, model string) (*abi.Capabilities, error) {
	c, err := h.Module.Capabilities(ctx, model)
	if err != nil || h.auth == nil {
		return c, err
	}
	cc := *c
	cc.Auth = *h.auth
	return &cc, nil
}

func (h hostileModule) Project(ctx context.Context, req *abi.Request) (*abi.ProviderRequest, error) {
	pr, err := h.Module.Project(ctx, req)
	if err != nil || h.project == nil {
		return pr, err
	}
	cp := *pr
	h.project(&cp)
	return &cp, nil
}

func (h hostileModule) Transform(ctx context.Context, in *abi.TransformInput) ([]byte, []abi.Event, error) {
	for _, c := range in.Chunks {
		h.record(c.Event, c.Data)
	}
	st, evs, err := h.Module.Transform(ctx, in)
	if err == nil && h.events != nil {
		evs = h.events(in, evs)
	}
	return st, evs, err
}

func (h hostileModule) ParseResponse(ctx context.Context, in *abi.ResponseInput) ([]abi.Event, error) {
	h.recordResponse(in)
	return h.Module.ParseResponse(ctx, in)
}

func (h hostileModule) MapError(ctx context.Context, in *abi.ResponseInput) (abi.Event, error) {
	h.recordResponse(in)
	return h.Module.MapError(ctx, in)
}

func (h hostileModule) recordResponse(in *abi.ResponseInput) {
	for _, kv := range in.Headers {
		h.record(kv[0], kv[1])
	}
	h.record(in.Body)
}

// countingServer answers every request with toyStream and counts them.
func countingServer(t *testing.T) *providertest.Server {
	srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)})
	t.Cleanup(srv.Close)
	return srv
}

// TestRedirectNotFollowed: a provider answering a redirect to another host
// (or the same one) gets an invalid_request error caused by ErrRedirect;
// nothing, credentials least of all, is sent to the Location, whichever
// HTTP client the host was given.
func TestRedirectNotFollowed(t *testing.T) {
	var leaked atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Add(1)
		w.WriteHeader(200)
	}))
	defer evil.Close()
	for _, status := range []int{301, 302, 303, 307, 308} {
		redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, evil.URL+"/steal?x=1", status)
		}))
		for i, c := range []*host.Client{newClient(&sleeps{}), newClient(&sleeps{}, host.WithHTTPClient(&http.Client{}))} {
			m := newHostile(toyModule(t))
			m.auth = &abi.Auth{Scheme: abi.AuthHeader, Name: "x-api-key"}
			p := host.Provider{Module: m, BaseURL: redirector.URL, Credentials: host.StaticKey(testKey), Header: http.Header{"X-Org": {"acme"}}}
			_, err := collect(c.Stream(context.Background(), p, streamReq("toy-1")))
			ae := requireCode(t, err, abi.CodeInvalidRequest)
			if !errors.Is(err, host.ErrRedirect) || ae.Status != status || ae.Retryable || !strings.Contains(ae.Message, evil.URL+"/steal") {
				t.Errorf("%d (client %d): err = %+v", status, i, ae)
			}
			if strings.Contains(ae.Message, "x=1") {
				t.Errorf("%d: the Location's query is in the message: %s", status, ae.Message)
			}
		}
		redirector.Close()
	}
	if n := leaked.Load(); n != 0 {
		t.Fatalf("%d requests followed the redirect to another host", n)
	}
}

// TestProjectedMethods: only GET, POST and DELETE leave the host; any
// other method (TRACE would echo the credential back) is
// adapter_bad_output and nothing is sent.
func TestProjectedMethods(t *testing.T) {
	for _, tt := range []struct {
		method string
		sent   bool
	}{
		{"POST", true}, {"GET", true}, {"DELETE", true},
		{"TRACE", false}, {"CONNECT", false}, {"PUT", false}, {"PATCH", false}, {"OPTIONS", false}, {"HEAD", false}, {"PROPFIND", false},
	} {
		srv := countingServer(t)
		m := newHostile(toyModule(t))
		m.project = func(pr *abi.ProviderRequest) { pr.Method = tt.method }
		_, err := collect(newClient(&sleeps{}).Stream(context.Background(), provider(m, srv), streamReq("toy-1")))
		reqs := srv.Requests()
		if tt.sent {
			if len(reqs) == 0 || reqs[0].Method != tt.method {
				t.Errorf("%s: not sent (%v)", tt.method, err)
			}
			continue
		}
		requireCode(t, err, abi.CodeAdapterBadOutput)
		if len(reqs) != 0 {
			t.Errorf("%s: %d requests sent", tt.method, len(reqs))
		}
	}
}

// TestEchoedCredentialNeverReachesModule: a provider (or anything a module
// can make it do) that echoes the credential in a response header, an
// error body, a whole body or a stream event fails the call, and the
// module never receives the bytes.
func TestEchoedCredentialNeverReachesModule(t *testing.T) {
	for _, tt := range []struct {
		name  string
		model string
		serve func(w http.ResponseWriter, auth string)
	}{
		{"stream event", "toy-1", func(w http.ResponseWriter, auth string) {
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprintf(w, "event: text\ndata: you sent %s\n\nevent: done\ndata: stop\n\n", auth)
		}},
		{"whole body", "toy-nostream", func(w http.ResponseWriter, auth string) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"id":"r","model":"m","text":%q,"finish":"stop"}`, auth)
		}},
		{"error body", "toy-1", func(w http.ResponseWriter, auth string) {
			w.WriteHeader(401)
			fmt.Fprintf(w, `{"error":"bad key %s"}`, auth)
		}},
		{"header", "toy-1", func(w http.ResponseWriter, auth string) {
			w.Header().Set("X-Echo", auth)
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "event: done\ndata: stop\n\n")
		}},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tt.serve(w, r.Header.Get("Authorization"))
		}))
		m := newHostile(toyModule(t))
		req := streamReq(tt.model)
		req.Stream = tt.model != "toy-nostream"
		p := host.Provider{Module: m, BaseURL: srv.URL, Credentials: host.StaticKey(testKey)}
		_, err := collect(newClient(&sleeps{}).Stream(context.Background(), p, req))
		srv.Close()
		if !errors.Is(err, host.ErrCredentialEchoed) {
			t.Errorf("%s: err = %v, want ErrCredentialEchoed", tt.name, err)
		}
		if strings.Contains(m.saw(), testKey) {
			t.Errorf("%s: the module received the key", tt.name)
		}
	}
}

// TestProjectedPathContainment: a projected path that could leave the base
// URL (dot segments, also encoded, a second authority, a backslash, an
// "@", a fragment) is adapter_bad_output and nothing is sent; ordinary
// paths, escaped slashes and "@" inside a segment pass, under the base
// URL's own path.
func TestProjectedPathContainment(t *testing.T) {
	for _, tt := range []struct {
		path string
		want string // the path the provider receives; "" for refused
	}{
		{"/v1/toy/chat", "/base/v1/toy/chat"},
		{"/model/arn%3Aaws%3Abedrock%2Fx/converse", "/base/model/arn:aws:bedrock/x/converse"},
		{"/publishers/anthropic/models/claude@20240620:rawPredict", "/base/publishers/anthropic/models/claude@20240620:rawPredict"},
		{"/v1/models/", "/base/v1/models/"},
		{"/../../admin/keys", ""},
		{"/v1/../../admin", ""},
		{"/v1/%2e%2e/%2E%2E/admin", ""},
		{"/v1/.%2e/admin", ""},
		{"/v1/..%2fadmin", ""},
		{"/v1/./chat", ""},
		{"//evil.example/steal", ""},
		{"/v1//chat", ""},
		{"/@evil.example/steal", ""},
		{"/v1\\..\\admin", ""},
		{"/v1/%5c..%5cadmin", ""},
		{"/v1/chat#frag", ""},
		{"/v1/%zz", ""},
		{"/v1/%00", ""},
		{"v1/chat", ""},
	} {
		srv := countingServer(t)
		m := newHostile(toyModule(t))
		m.project = func(pr *abi.ProviderRequest) { pr.Path = tt.path }
		p := provider(m, srv)
		p.BaseURL = srv.URL + "/base"
		_, err := collect(newClient(&sleeps{}).Stream(context.Background(), p, streamReq("toy-1")))
		reqs := srv.Requests()
		if tt.want == "" {
			if abi.CodeOf(err) != abi.CodeAdapterBadOutput || len(reqs) != 0 {
				t.Errorf("%q: err %v, %d requests; want adapter_bad_output and none", tt.path, err, len(reqs))
			}
			continue
		}
		if len(reqs) != 1 || reqs[0].Path != tt.want {
			t.Errorf("%q: err %v, requests %+v; want one to %s", tt.path, err, reqs, tt.want)
		}
	}
}

// TestProjectedQueryCredential: under the query auth scheme, a module
// that projects the credential's parameter (in query or in the path) is
// refused.
func TestProjectedQueryCredential(t *testing.T) {
	for _, edit := range []func(*abi.ProviderRequest){
		func(pr *abi.ProviderRequest) { pr.Query = map[string]string{"key": "mine"} },
		func(pr *abi.ProviderRequest) { pr.Path += "?alt=sse&key=mine" },
	} {
		srv := countingServer(t)
		m := newHostile(toyModule(t))
		m.auth = &abi.Auth{Scheme: abi.AuthQuery, Name: "key"}
		m.project = edit
		_, err := collect(newClient(&sleeps{}).Stream(context.Background(), provider(m, srv), streamReq("toy-1")))
		requireCode(t, err, abi.CodeAdapterBadOutput)
		if len(srv.Requests()) != 0 {
			t.Error("sent")
		}
	}
}

// TestProjectedHeaderPolicy: hop-by-hop, proxy, cookie, forwarding, Host
// and credential headers from a module are adapter_bad_output; provider
// headers adapters use pass; the operator's headers win over projected
// ones.
func TestProjectedHeaderPolicy(t *testing.T) {
	for _, h := range []string{
		"Host", "Content-Length", "Transfer-Encoding", "Connection", "Upgrade", "TE", "Accept-Encoding",
		"Cookie", "Proxy-Authorization", "Proxy-Foo", "Forwarded", "X-Forwarded-Host", "X-Forwarded-For", "Via", "X-Real-IP",
		"Authorization", "x-api-key", "api-key", "X-Goog-Api-Key", "X-Amz-Security-Token", "X-Amz-Date", "x-amz-content-sha256",
		"Ocp-Apim-Subscription-Key", "X-Auth-Token", "X-My-Secret", "bad header", "",
	} {
		srv := countingServer(t)
		m := newHostile(toyModule(t))
		m.project = func(pr *abi.ProviderRequest) { pr.Headers = map[string]string{h: "v"} }
		_, err := collect(newClient(&sleeps{}).Stream(context.Background(), provider(m, srv), streamReq("toy-1")))
		if abi.CodeOf(err) != abi.CodeAdapterBadOutput || len(srv.Requests()) != 0 {
			t.Errorf("%q: err %v, %d requests; want adapter_bad_output and none", h, err, len(srv.Requests()))
		}
	}
	// The module's own credential header, under the header scheme.
	srv := countingServer(t)
	m := newHostile(toyModule(t))
	m.auth = &abi.Auth{Scheme: abi.AuthHeader, Name: "X-Provider-Pass"}
	m.project = func(pr *abi.ProviderRequest) { pr.Headers = map[string]string{"x-provider-pass": "mine"} }
	_, err := collect(newClient(&sleeps{}).Stream(context.Background(), provider(m, srv), streamReq("toy-1")))
	requireCode(t, err, abi.CodeAdapterBadOutput)
	// A value with a line break.
	m.auth = nil
	m.project = func(pr *abi.ProviderRequest) { pr.Headers = map[string]string{"X-Title": "a\r\nCookie: b"} }
	_, err = collect(newClient(&sleeps{}).Stream(context.Background(), provider(m, srv), streamReq("toy-1")))
	requireCode(t, err, abi.CodeAdapterBadOutput)
	if len(srv.Requests()) != 0 {
		t.Fatal("sent")
	}

	// Allowed headers pass; the operator's X-Org wins.
	m.project = func(pr *abi.ProviderRequest) {
		pr.Headers = map[string]string{"anthropic-version": "2023-06-01", "anthropic-beta": "b", "X-Title": "t", "HTTP-Referer": "r", "X-Org": "module", "content-type": "application/json"}
	}
	p := provider(m, srv)
	p.Header = http.Header{"X-Org": {"operator"}}
	if _, err := collect(newClient(&sleeps{}).Stream(context.Background(), p, streamReq("toy-1"))); err != nil {
		t.Fatal(err)
	}
	got := srv.Requests()[0].Header
	if got.Get("X-Org") != "operator" || got.Get("Anthropic-Version") != "2023-06-01" || got.Get("X-Title") != "t" || got.Get("Authorization") != "Bearer "+testKey {
		t.Errorf("headers = %v", got)
	}
	if !host.HeaderAllowed("anthropic-beta", "") || host.HeaderAllowed("x-api-key", "") || host.HeaderAllowed("X-Pass", "x-pass") {
		t.Error("HeaderAllowed disagrees with the policy")
	}
}

// TestEventOrderThroughHost: a module whose events break the ABI's order
// across calls (a delta without its start, text after finish, two
// finishes) fails the call with adapter_bad_output; the offending event
// never reaches the caller.
func TestEventOrderThroughHost(t *testing.T) {
	for _, tt := range []struct {
		name   string
		inject func(in *abi.TransformInput, evs []abi.Event) []abi.Event
	}{
		{"delta without start", func(in *abi.TransformInput, evs []abi.Event) []abi.Event {
			if len(in.Chunks) > 0 && string(in.Chunks[0].Event) == "text" {
				return append(evs, abi.Event{Type: abi.EventToolCallDelta, Index: 7, Arguments: "{"})
			}
			return evs
		}},
		{"text after finish", func(in *abi.TransformInput, evs []abi.Event) []abi.Event {
			if in.Flags&abi.FlagEnd != 0 {
				return append(evs, abi.Event{Type: abi.EventTextDelta, Text: "more"})
			}
			return evs
		}},
		{"two finishes", func(in *abi.TransformInput, evs []abi.Event) []abi.Event {
			for _, e := range evs {
				if e.Type == abi.EventFinish {
					return append(evs, e)
				}
			}
			return evs
		}},
	} {
		srv := countingServer(t)
		m := newHostile(toyModule(t))
		m.events = tt.inject
		var got []abi.Event
		var last error
		for ev, err := range newClient(&sleeps{}, host.WithMaxBatch(1)).Stream(context.Background(), provider(m, srv), streamReq("toy-1")) {
			if err != nil {
				last = err
				break
			}
			got = append(got, ev)
		}
		if abi.CodeOf(last) != abi.CodeAdapterBadOutput || !strings.Contains(last.Error(), "out of order") {
			t.Errorf("%s: err = %v", tt.name, last)
		}
		finishes := 0
		for _, e := range got {
			if e.Type == abi.EventFinish {
				finishes++
			}
			if e.Type == abi.EventToolCallDelta && e.Index == 7 || e.Text == "more" {
				t.Errorf("%s: the offending event reached the caller", tt.name)
			}
		}
		if finishes > 1 {
			t.Errorf("%s: %d finishes reached the caller", tt.name, finishes)
		}
	}
}

// TestUnreadable2xxNotRetried: a 2xx answer the module cannot read (an
// HTML page, a body from which it emits nothing, or its end-of-body
// verdict) is returned at once: retrying would be billed again for the
// same answer.
func TestUnreadable2xxNotRetried(t *testing.T) {
	html := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<html><body>Sign in to the gateway</body></html>")
	}
	silent := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, ": keep-alive\n\nevent: ping\ndata: {}\n\n")
	}
	for _, tt := range []struct {
		name   string
		serve  func(http.ResponseWriter)
		model  string
		events func(in *abi.TransformInput, evs []abi.Event) []abi.Event
		cause  error
	}{
		{"html stream", html, "toy-1", nil, host.ErrNotAPIResponse},
		{"html whole", html, "toy-nostream", nil, host.ErrNotAPIResponse},
		{"nothing emitted", silent, "toy-1", func(*abi.TransformInput, []abi.Event) []abi.Event { return nil }, nil},
		{"retryable verdict at the end", silent, "toy-1", func(in *abi.TransformInput, evs []abi.Event) []abi.Event {
			if in.Flags&abi.FlagEnd != 0 {
				return []abi.Event{{Type: abi.EventError, Code: abi.CodeStreamTruncated, Message: "no end marker", Retryable: true}}
			}
			return nil
		}, nil},
	} {
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			tt.serve(w)
		}))
		m := newHostile(toyModule(t))
		m.events = tt.events
		req := streamReq(tt.model)
		req.Stream = tt.model != "toy-nostream"
		p := host.Provider{Module: m, BaseURL: srv.URL, Credentials: host.StaticKey(testKey)}
		sl := &sleeps{}
		_, err := collect(newClient(sl).Stream(context.Background(), p, req))
		srv.Close()
		var ae *abi.Error
		if !errors.As(err, &ae) || ae.Retryable || n.Load() != 1 || len(sl.get()) != 0 {
			t.Errorf("%s: err %v, %d requests, waits %v; want one request and a non-retryable error", tt.name, err, n.Load(), sl.get())
		}
		if tt.cause != nil && !errors.Is(err, tt.cause) {
			t.Errorf("%s: err %v, want cause %v", tt.name, err, tt.cause)
		}
	}
}

// TestLastChunksErrorStaysRetryable: a retryable error the module reports
// for a chunk of the body's last batch stays retryable, with nothing
// delivered before it, whether or not the host gave that batch the end
// flag too (only an error of the end call alone is the module's verdict on
// the whole body): the request is retried.
func TestLastChunksErrorStaysRetryable(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "event: ping\ndata: {}\n\nevent: overloaded\ndata: {}\n\n")
	}))
	defer srv.Close()
	m := newHostile(toyModule(t))
	m.events = func(in *abi.TransformInput, _ []abi.Event) []abi.Event {
		for _, c := range in.Chunks {
			if string(c.Event) == "overloaded" {
				return []abi.Event{{Type: abi.EventError, Code: abi.CodeOverloaded, Message: "overloaded", Retryable: true}}
			}
		}
		return nil
	}
	p := host.Provider{Module: m, BaseURL: srv.URL, Credentials: host.StaticKey(testKey)}
	sl := &sleeps{}
	_, err := collect(newClient(sl).Stream(context.Background(), p, streamReq("toy-1")))
	var ae *abi.Error
	if !errors.As(err, &ae) || ae.Code != abi.CodeOverloaded || !ae.Retryable || n.Load() < 2 || len(sl.get()) == 0 {
		t.Fatalf("err %v, %d requests, waits %v; want the overloaded error retried", err, n.Load(), sl.get())
	}
}

// TestOversizedEventNeverSuspends: a provider event larger than the
// module's input limit is refused before the module, naming the limit,
// and never counts towards suspension: the next request is served.
func TestOversizedEventNeverSuspends(t *testing.T) {
	m := engine.NewNativeWithConfig("toy", toy.Adapter{}, engine.NativeConfig{PoolSize: 1, MaxInputBytes: 64 << 10,
		Crashes: engine.CrashPolicy{Limit: 1}})
	defer m.Close(context.Background())
	huge := providertest.SSE("start", `{"id":"r","model":"m"}`, "text", strings.Repeat("x", 100<<10), "done", "stop")
	big := providertest.NewServer([]providertest.Case{sseCase("huge", huge)})
	defer big.Close()
	c := newClient(&sleeps{})
	for range 5 {
		_, err := collect(c.Stream(context.Background(), provider(m, big), streamReq("toy-1")))
		requireCode(t, err, abi.CodeStreamTruncated)
		if !errors.Is(err, engine.ErrInputTooLarge) {
			t.Fatalf("err = %v, want ErrInputTooLarge", err)
		}
	}
	if _, ok := engine.Suspended(m); ok || engine.Faults(m) != 0 {
		t.Fatalf("oversized events counted as faults (%d) or suspended the module", engine.Faults(m))
	}
	srv := countingServer(t)
	if evs, err := collect(c.Stream(context.Background(), provider(m, srv), streamReq("toy-1"))); err != nil || !hasFinish(evs) {
		t.Fatalf("next request: %v %v", evs, err)
	}
}

// TestCancelledStreamsNeverSuspend: many streams whose callers stop or
// cancel at random points never suspend the module.
func TestCancelledStreamsNeverSuspend(t *testing.T) {
	m := engine.NewNativeWithConfig("toy", toy.Adapter{}, engine.NativeConfig{PoolSize: 2, Crashes: engine.CrashPolicy{Limit: 1}})
	defer m.Close(context.Background())
	srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)}, providertest.WithCuts(1, 8))
	defer srv.Close()
	c := newClient(&sleeps{}, host.WithMaxBatch(1))
	for i := range 40 {
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		for _, err := range c.Stream(ctx, provider(m, srv), streamReq("toy-1")) {
			if err != nil {
				break
			}
			if n++; n == 1+i%6 {
				cancel()
			}
		}
		cancel()
	}
	if _, ok := engine.Suspended(m); ok {
		t.Fatal("cancelled callers suspended the module")
	}
	if evs, err := collect(c.Stream(context.Background(), provider(m, srv), streamReq("toy-1"))); err != nil || !hasFinish(evs) {
		t.Fatalf("next request: %v %v", evs, err)
	}
}
