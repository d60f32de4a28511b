package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/gateway"
	"github.com/wasmadapt/wasmadapt/gateway/config"
	"github.com/wasmadapt/wasmadapt/gateway/demoprovider"
	"github.com/wasmadapt/wasmadapt/gateway/limits"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/internal/redistest"
	"github.com/wasmadapt/wasmadapt/internal/testclock"
	"github.com/wasmadapt/wasmadapt/internal/testenv"
)

// ledger is a limits.Store that keeps, beside the counters, the net sum
// added to each, and can be made to fail.
type ledger struct {
	limits.Store
	mu   sync.Mutex
	net  map[string]int64
	fail error
}

func (l *ledger) record(cs []limits.Counter) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range cs {
		l.net[c.Key] += c.N
	}
}

func (l *ledger) Take(ctx context.Context, cs []limits.Counter) (int, []int64, error) {
	if l.fail != nil {
		return 0, nil, l.fail
	}
	over, counts, err := l.Store.Take(ctx, cs)
	if over < 0 && err == nil {
		l.record(cs)
	}
	return over, counts, err
}

func (l *ledger) Add(ctx context.Context, cs []limits.Counter) error {
	l.record(cs)
	return l.Store.Add(ctx, cs)
}

// sum is the net of the counters whose key holds part.
func (l *ledger) sum(part string) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var n int64
	for k, v := range l.net {
		if strings.Contains(k, part) {
			n += v
		}
	}
	return n
}

// limitedGateway serves the demo model with testKey limited by lim, on
// the clock and store given.
// A request whose body holds "FAIL" is answered with a provider error.
// With store nil the counters are in the Redis at redisAddr.
func limitedGateway(t *testing.T, lim *config.Limits, clk *testclock.Clock, store *ledger, redisAddr ...string) *httptest.Server {
	t.Helper()
	h := demoHandler(t)
	psrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if strings.Contains(string(b), "FAIL") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			io.WriteString(w, `{"error":{"message":"bad request","type":"invalid_request_error","param":null,"code":null}}`)
			return
		}
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(psrv.Close)
	cfg := demoprovider.Config(demoprovider.Module, psrv.URL, config.HashKey(testKey))
	cfg.Keys[0].Limits = lim
	var ls limits.Store
	if store != nil {
		ls = store
	} else {
		cfg.Redis = &config.Redis{Addr: redisAddr[0], KeyPrefix: fmt.Sprintf("gwtest:%s:%p", t.Name(), clk)}
	}
	cfg.Keys = append(cfg.Keys, config.Key{Name: "unlimited", SHA256: config.HashKey(narrowKey), Models: []string{"*"}})
	gw, err := gateway.New(context.Background(), cfg, gateway.Options{
		Loader:     nativeLoader,
		Client:     host.NewClient(host.WithRetry(host.RetryPolicy{MaxRetries: -1})),
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Getenv:     demoprovider.Getenv(demoEnv),
		Now:        clk.Now,
		LimitStore: ls,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return srv
}

// weather is a request the demo provider answers with its tool calls
// (usage 96 input + 52 output tokens), in each dialect.
var weather = map[string]string{
	"/v1/chat/completions": `{"model":"demo-weather","messages":[{"role":"user","content":"Weather in Paris and Tokyo?"}],` + openAITools + `}`,
	"/v1/messages":         `{"model":"demo-weather","max_tokens":100,"messages":[{"role":"user","content":"Weather in Paris and Tokyo?"}]}`,
}

const weatherTokens = 96 + 52

func authHeader(path, key string) string {
	if path == "/v1/messages" {
		return "x-api-key: " + key
	}
	return "Authorization: Bearer " + key
}

// TestTenantLimits: over a limit, a key is answered 429 with Retry-After
// in its dialect's error shape, before the provider is called; other
// keys go on; the next window admits again.
func TestTenantLimits(t *testing.T) {
	start := time.Date(2026, 12, 7, 10, 0, 15, 0, time.UTC) // 45 s before the next minute
	type req struct {
		advance time.Duration
		path    string
		key     string
		status  int
		retry   string
	}
	const chat, msgs = "/v1/chat/completions", "/v1/messages"
	for _, tc := range []struct {
		name string
		lim  config.Limits
		reqs []req
	}{
		{"requests per minute", config.Limits{RequestsPerMinute: 2}, []req{
			{path: chat, key: testKey, status: 200},
			{path: chat, key: testKey, status: 200},
			{path: chat, key: testKey, status: 429, retry: "45"},
			{path: msgs, key: testKey, status: 429, retry: "45"},
			{path: chat, key: narrowKey, status: 200}, // another key is not limited
			{advance: 44 * time.Second, path: msgs, key: testKey, status: 429, retry: "1"},
			{advance: time.Second, path: chat, key: testKey, status: 200},
		}},
		{"token budget settles with the reported usage", config.Limits{TokenBudget: 3 * weatherTokens, BudgetPeriod: "1h"}, []req{
			// The estimate (the request's size and 1024 output tokens)
			// exceeds the budget, so the whole budget is reserved, then
			// settled to the usage.
			{path: chat, key: testKey, status: 200},
			{path: chat, key: testKey, status: 200},
			{path: chat, key: testKey, status: 200},
			{path: chat, key: testKey, status: 429, retry: "3585"}, // 59 min 45 s to the hour
			{path: msgs, key: testKey, status: 429, retry: "3585"},
			{advance: time.Hour, path: chat, key: testKey, status: 200},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := testclock.New(start)
			store := &ledger{Store: limits.NewMemoryStore(clk.Now), net: map[string]int64{}}
			srv := limitedGateway(t, &tc.lim, clk, store)
			for i, r := range tc.reqs {
				clk.Add(r.advance)
				resp, b := testenv.Do(t, "POST", srv.URL+r.path, strings.NewReader(weather[r.path]), "Content-Type: application/json", authHeader(r.path, r.key))
				if resp.StatusCode != r.status || resp.Header.Get("Retry-After") != r.retry {
					t.Fatalf("request %d: status %d, Retry-After %q; want %d, %q: %s", i, resp.StatusCode, resp.Header.Get("Retry-After"), r.status, r.retry, b)
				}
				if r.status == 429 {
					checkErrorShape(t, r.path, string(b), "rate_limit_error")
				}
			}
			if tc.lim.TokenBudget > 0 {
				// Three requests of the first hour and one of the next, each
				// settled to its usage.
				if got := store.sum(limits.LimitBudget); got != 4*weatherTokens {
					t.Fatalf("budget counters hold %d tokens, want %d", got, 4*weatherTokens)
				}
			}
		})
	}
}

// TestTenantSettle: a streamed answer's tokens are settled to its usage;
// an answer that failed before it began takes no tokens.
func TestTenantSettle(t *testing.T) {
	clk := testclock.New(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	store := &ledger{Store: limits.NewMemoryStore(clk.Now), net: map[string]int64{}}
	srv := limitedGateway(t, &config.Limits{TokensPerMinute: 100000}, clk, store)
	status, _, body := post(t, srv.URL+"/v1/chat/completions", strings.Replace(weather["/v1/chat/completions"], `"messages"`, `"stream":true,"messages"`, 1), "Authorization: Bearer "+testKey)
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	if got := store.sum(limits.LimitTokens); got != weatherTokens {
		t.Fatalf("after a streamed answer the token counter holds %d, want its usage %d", got, weatherTokens)
	}
	// A request the provider rejects.
	status, _, body = post(t, srv.URL+"/v1/chat/completions", `{"model":"demo-weather","messages":[{"role":"user","content":"FAIL"}]}`, "Authorization: Bearer "+testKey)
	if status != 400 {
		t.Fatalf("status %d: %s", status, body)
	}
	if got := store.sum(limits.LimitTokens); got != weatherTokens {
		t.Fatalf("after a failed request the token counter holds %d, want %d (refunded)", got, weatherTokens)
	}
}

// TestTenantStoreDown: limits fail closed: when the store cannot be
// reached a limited key gets 503 (an unlimited one is served).
func TestTenantStoreDown(t *testing.T) {
	clk := testclock.New(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	store := &ledger{Store: limits.NewMemoryStore(clk.Now), net: map[string]int64{}, fail: errors.New("connection refused")}
	srv := limitedGateway(t, &config.Limits{RequestsPerMinute: 5}, clk, store)
	for path := range weather {
		status, _, body := post(t, srv.URL+path, weather[path], authHeader(path, testKey))
		if status != 503 {
			t.Fatalf("%s: status %d, want 503: %s", path, status, body)
		}
		checkErrorShape(t, path, body, map[string]string{"/v1/messages": "overloaded_error", "/v1/chat/completions": "api_error"}[path])
		if status, _, body := post(t, srv.URL+path, weather[path], authHeader(path, narrowKey)); status != 200 {
			t.Fatalf("%s unlimited key: status %d: %s", path, status, body)
		}
	}
}

// TestTenantRedis: two gateways configured with the same redis: share
// their counters, so the key's requests across both stay within its
// limit.
func TestTenantRedis(t *testing.T) {
	addr := redistest.Start(t)
	clk := testclock.New(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	lim := &config.Limits{RequestsPerMinute: 3}
	a := limitedGateway(t, lim, clk, nil, addr)
	b := limitedGateway(t, lim, clk, nil, addr)
	var statuses []int
	for i := range 6 {
		srv := []*httptest.Server{a, b}[i%2]
		status, _, _ := post(t, srv.URL+"/v1/chat/completions", weather["/v1/chat/completions"], "Authorization: Bearer "+testKey)
		statuses = append(statuses, status)
	}
	if fmt.Sprint(statuses) != "[200 200 200 429 429 429]" {
		t.Fatalf("statuses %v, want three admitted across both gateways, then 429", statuses)
	}
}

// postHeader posts body to url with the key of path's dialect and
// returns the status and the response's headers.
func postHeader(t *testing.T, url, path, body, key string) (int, http.Header) {
	t.Helper()
	resp, _ := testenv.Do(t, "POST", url+path, strings.NewReader(body), "Content-Type: application/json", authHeader(path, key))
	return resp.StatusCode, resp.Header
}

// TestRateLimitHeaders: every answer to a limited key reports its limits
// in its dialect's headers (OpenAI's x-ratelimit-*, Anthropic's
// anthropic-ratelimit-*), admitted or refused, streamed or not, with the
// counters in memory or in Redis; an unlimited key gets none.
func TestRateLimitHeaders(t *testing.T) {
	start := time.Date(2026, 12, 7, 10, 0, 15, 0, time.UTC) // 45 s before the next minute
	const chat, msgs = "/v1/chat/completions", "/v1/messages"
	streamed := func(body string) string { return strings.Replace(body, `"messages"`, `"stream":true,"messages"`, 1) }
	tokensLeft := func(h http.Header, anthropic bool) int64 {
		name := "X-Ratelimit-Remaining-Tokens"
		if anthropic {
			name = "Anthropic-Ratelimit-Tokens-Remaining"
		}
		n, err := strconv.ParseInt(h.Get(name), 10, 64)
		if err != nil {
			t.Fatalf("%s: %v (headers %v)", name, err, h)
		}
		return n
	}
	for _, backend := range []string{"memory", "redis"} {
		t.Run(backend, func(t *testing.T) {
			clk := testclock.New(start)
			lim := &config.Limits{RequestsPerMinute: 4, TokensPerMinute: 100000, TokenBudget: 1000000, BudgetPeriod: "1h"}
			var srv *httptest.Server
			if backend == "memory" {
				srv = limitedGateway(t, lim, clk, &ledger{Store: limits.NewMemoryStore(clk.Now), net: map[string]int64{}})
			} else {
				srv = limitedGateway(t, lim, clk, nil, redistest.Start(t))
			}
			want := func(i int, h http.Header, kv ...string) {
				t.Helper()
				for j := 0; j < len(kv); j += 2 {
					if got := h.Get(kv[j]); got != kv[j+1] {
						t.Fatalf("request %d: %s = %q, want %q (headers %v)", i, kv[j], got, kv[j+1], h)
					}
				}
			}
			// 1: a whole Chat Completion.
			status, h1 := postHeader(t, srv.URL, chat, weather[chat], testKey)
			if status != 200 {
				t.Fatalf("request 1: status %d", status)
			}
			want(1, h1, "X-Ratelimit-Limit-Requests", "4", "X-Ratelimit-Remaining-Requests", "3", "X-Ratelimit-Reset-Requests", "45s",
				"X-Ratelimit-Limit-Tokens", "100000", "X-Ratelimit-Reset-Tokens", "45s", "Anthropic-Ratelimit-Requests-Limit", "")
			// 2: the same: the first request's estimate was settled to
			// its usage, the second's estimate is the same.
			status, h2 := postHeader(t, srv.URL, chat, weather[chat], testKey)
			if status != 200 {
				t.Fatalf("request 2: status %d", status)
			}
			want(2, h2, "X-Ratelimit-Remaining-Requests", "2")
			if d := tokensLeft(h1, false) - tokensLeft(h2, false); d != weatherTokens {
				t.Fatalf("tokens remaining went from %d to %d, want down by the first answer's usage %d", tokensLeft(h1, false), tokensLeft(h2, false), weatherTokens)
			}
			// 3: Anthropic Messages, streamed, 5 s later.
			clk.Add(5 * time.Second)
			status, h3 := postHeader(t, srv.URL, msgs, streamed(weather[msgs]), testKey)
			if status != 200 {
				t.Fatalf("request 3: status %d", status)
			}
			want(3, h3, "Anthropic-Ratelimit-Requests-Limit", "4", "Anthropic-Ratelimit-Requests-Remaining", "1",
				"Anthropic-Ratelimit-Requests-Reset", "2026-12-07T10:01:00Z", "Anthropic-Ratelimit-Tokens-Limit", "100000",
				"Anthropic-Ratelimit-Tokens-Reset", "2026-12-07T10:01:00Z", "X-Ratelimit-Limit-Requests", "")
			// Two answers settled to their usage, and this request's
			// estimate held: its size and its max_tokens of 100.
			if n, settled := tokensLeft(h3, true), int64(100000-2*weatherTokens); n > settled-100 || n < settled-100-int64(len(weather[msgs])) {
				t.Fatalf("anthropic tokens remaining %d, want %d less this request's estimate", n, settled)
			}
			want(3, h3, "Content-Type", "text/event-stream")
			// 4, a streamed Chat Completion, takes the last request; 5 is
			// refused and still reports.
			status, h4 := postHeader(t, srv.URL, chat, streamed(weather[chat]), testKey)
			if status != 200 {
				t.Fatalf("request 4: status %d", status)
			}
			want(4, h4, "Content-Type", "text/event-stream", "X-Ratelimit-Remaining-Requests", "0", "X-Ratelimit-Reset-Requests", "40s")
			clk.Add(500 * time.Millisecond)
			status, h5 := postHeader(t, srv.URL, chat, weather[chat], testKey)
			want(5, h5, "X-Ratelimit-Remaining-Requests", "0", "X-Ratelimit-Reset-Requests", "39.5s", "Retry-After", "40")
			if status != 429 {
				t.Fatalf("request 5: status %d, want 429", status)
			}
			status, h6 := postHeader(t, srv.URL, msgs, weather[msgs], testKey)
			want(6, h6, "Anthropic-Ratelimit-Requests-Remaining", "0", "Anthropic-Ratelimit-Requests-Reset", "2026-12-07T10:01:00Z")
			if status != 429 {
				t.Fatalf("request 6: status %d, want 429", status)
			}
			// A key without limits gets no rate-limit headers.
			_, h7 := postHeader(t, srv.URL, chat, weather[chat], narrowKey)
			want(7, h7, "X-Ratelimit-Limit-Requests", "", "X-Ratelimit-Limit-Tokens", "")
		})
	}
}

// TestRateLimitHeadersTightestTokens: the tokens trio reports whichever
// token limit has the least left: here the budget.
func TestRateLimitHeadersTightestTokens(t *testing.T) {
	clk := testclock.New(time.Date(2026, 12, 7, 10, 0, 15, 0, time.UTC))
	srv := limitedGateway(t, &config.Limits{TokensPerMinute: 1000000, TokenBudget: 50000, BudgetPeriod: "1h"}, clk,
		&ledger{Store: limits.NewMemoryStore(clk.Now), net: map[string]int64{}})
	status, h := postHeader(t, srv.URL, "/v1/chat/completions", weather["/v1/chat/completions"], testKey)
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	if h.Get("X-Ratelimit-Limit-Tokens") != "50000" || h.Get("X-Ratelimit-Reset-Tokens") != "59m45s" || h.Get("X-Ratelimit-Limit-Requests") != "" {
		t.Fatalf("headers %v: want the budget's limit 50000 resetting in 59m45s and no requests trio", h)
	}
}
