package gateway_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/wasmadapt/wasmadapt/gateway"
	"github.com/wasmadapt/wasmadapt/gateway/config"
	"github.com/wasmadapt/wasmadapt/gateway/demoprovider"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/internal/testclock"
	"github.com/wasmadapt/wasmadapt/internal/testenv"
)

// observedGateway is the demo gateway (logging contents when
// logContent) with its logs (debug level, host
// included) in logs and its spans in sr.
func observedGateway(t *testing.T, logContent bool) (srv *httptest.Server, logs *testenv.SyncBuffer, sr *tracetest.SpanRecorder) {
	t.Helper()
	h := demoHandler(t)
	psrv := httptest.NewServer(h)
	t.Cleanup(psrv.Close)
	logs = &testenv.SyncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sr = tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	cfg := demoprovider.Config(demoprovider.Module, psrv.URL, config.HashKey(testKey))
	cfg.LogContent = logContent
	gw, err := gateway.New(context.Background(), cfg, gateway.Options{
		Loader:         nativeLoader,
		Client:         host.NewClient(host.WithLogger(log), host.WithTracerProvider(tp), host.WithRetry(host.RetryPolicy{MaxRetries: -1})),
		Logger:         log,
		Getenv:         demoprovider.Getenv(demoEnv),
		TracerProvider: tp,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv = httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return srv, logs, sr
}

const secretPrompt = "my-secret-prompt-text-7f3a"

// TestMetrics: /metrics counts requests by endpoint, model and status,
// errors by code, tokens by type, and has the latency, time to first token
// and module series.
func TestMetrics(t *testing.T) {
	srv, _, _ := observedGateway(t, false)
	auth := "Authorization: Bearer " + testKey
	body := `{"model":"demo-weather","stream":true,"messages":[{"role":"user","content":"hi"}]}`
	for range 2 {
		if status, _, b := post(t, srv.URL+"/v1/chat/completions", body, auth); status != 200 {
			t.Fatalf("%d %s", status, b)
		}
	}
	if status, _, _ := post(t, srv.URL+"/v1/chat/completions", strings.Replace(body, "demo-weather", "nope", 1), auth); status != 404 {
		t.Fatalf("unknown model: %d", status)
	}
	status, text := get(t, srv.URL+"/metrics")
	if status != 200 {
		t.Fatalf("/metrics %d", status)
	}
	for _, want := range []string{
		`wasmadapt_gateway_requests_total{endpoint="/v1/chat/completions",model="demo-weather",status="200"} 2`,
		`wasmadapt_gateway_requests_total{endpoint="/v1/chat/completions",model="nope",status="404"} 1`,
		`wasmadapt_gateway_errors_total{code="not_found",endpoint="/v1/chat/completions",model="nope"} 1`,
		`wasmadapt_gateway_tokens_total{model="demo-weather",type="input"} 192`,
		`wasmadapt_gateway_tokens_total{model="demo-weather",type="output"} 104`,
		`wasmadapt_gateway_request_duration_seconds_count{endpoint="/v1/chat/completions",model="demo-weather"} 2`,
		`wasmadapt_gateway_time_to_first_token_seconds_count{endpoint="/v1/chat/completions",model="demo-weather"} 2`,
		`wasmadapt_gateway_requests_in_flight 0`,
		`wasmadapt_gateway_module_info{digest="",module="openai"} 1`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(text, testKey) {
		t.Error("/metrics holds the gateway key")
	}
}

// TestTraces: each model request has a server span that joins the
// client's trace (traceparent) and is the parent of the host's route span,
// itself the parent of the GenAI chat span.
func TestTraces(t *testing.T) {
	srv, _, sr := observedGateway(t, false)
	const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	body := `{"model":"demo-weather","messages":[{"role":"user","content":"hi"}]}`
	if status, _, b := post(t, srv.URL+"/v1/chat/completions", body, "Authorization: Bearer "+testKey, "Traceparent: "+traceparent); status != 200 {
		t.Fatalf("%d %s", status, b)
	}
	var server, route, chat sdktrace.ReadOnlySpan
	for _, s := range sr.Ended() {
		switch {
		case s.SpanKind() == trace.SpanKindServer:
			server = s
		case s.Name() == "route":
			route = s
		case strings.HasPrefix(s.Name(), "chat "):
			chat = s
		}
	}
	if server == nil || route == nil || chat == nil {
		t.Fatalf("spans %v: want a server, a route and a chat span", sr.Ended())
	}
	if server.Name() != "POST /v1/chat/completions" || server.SpanContext().TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" ||
		server.Parent().SpanID().String() != "00f067aa0ba902b7" {
		t.Fatalf("server span %s trace %s parent %s", server.Name(), server.SpanContext().TraceID(), server.Parent().SpanID())
	}
	if route.Parent().SpanID() != server.SpanContext().SpanID() || chat.Parent().SpanID() != route.SpanContext().SpanID() ||
		chat.SpanContext().TraceID() != server.SpanContext().TraceID() {
		t.Fatalf("route span's parent %s, want the server span %s; chat span's parent %s, want the route span %s",
			route.Parent().SpanID(), server.SpanContext().SpanID(), chat.Parent().SpanID(), route.SpanContext().SpanID())
	}
	attrs := map[string]string{}
	for _, kv := range server.Attributes() {
		attrs[string(kv.Key)] = kv.Value.String()
	}
	if attrs[host.AttrRequestModel] != "demo-weather" || attrs["http.response.status_code"] != "200" || attrs[host.AttrUsageOutputTokens] != "52" {
		t.Fatalf("server span attributes %v", attrs)
	}
}

// TestLogsHoldNoSecrets: the access logs (and the host's, at debug level)
// of successful, failed and refused requests in every dialect hold no
// gateway key, provider key or prompt text; each holds the trace id.
func TestLogsHoldNoSecrets(t *testing.T) {
	srv, logs, _ := observedGateway(t, false)
	auth := "Authorization: Bearer " + testKey
	for _, tc := range []struct{ path, body, header string }{
		{"/v1/chat/completions", `{"model":"demo-weather","stream":true,"messages":[{"role":"user","content":"` + secretPrompt + `"}]}`, auth},
		{"/v1/chat/completions", `{"model":"demo-weather","messages":[{"role":"user","content":"` + secretPrompt + `"},{"role":"tool","tool_call_id":"c1","content":"` + secretPrompt + `"}]}`, auth},
		{"/v1/messages", `{"model":"demo-weather","max_tokens":9,"messages":[{"role":"user","content":"` + secretPrompt + `"}]}`, "x-api-key: " + testKey},
		{"/v1/responses", `{"model":"demo-weather","stream":true,"input":"` + secretPrompt + `"}`, auth},
		{"/v1/embeddings", `{"model":"demo-weather","input":["` + secretPrompt + `"]}`, auth},
		{"/v1/messages/count_tokens", `{"model":"demo-weather","messages":[{"role":"user","content":"` + secretPrompt + `"}]}`, "x-api-key: " + testKey},
		{"/v1/chat/completions", `{"model":"nope","messages":[{"role":"user","content":"` + secretPrompt + `"}]}`, auth},
		{"/v1/chat/completions", `{"model":"demo-weather","messages":[{"role":"user","content":"` + secretPrompt + `"}]}`, "Authorization: Bearer wrong-" + testKey},
	} {
		post(t, srv.URL+tc.path, tc.body, tc.header)
	}
	out := logs.String()
	if strings.Count(out, `"msg":"gateway request"`) != 7 || !strings.Contains(out, `"trace_id":"`) {
		t.Fatalf("want 7 access lines with trace ids:\n%s", out)
	}
	for _, secret := range []string{testKey, secretPrompt, "demo-key-not-a-secret"} {
		if strings.Contains(out, secret) {
			t.Errorf("the logs hold %q:\n%s", secret, out)
		}
	}
}

// TestLogContent: with log_content on, the access log holds the messages
// and the answer, and still no key.
func TestLogContent(t *testing.T) {
	srv, logs, _ := observedGateway(t, true)
	body := `{"model":"demo-weather","messages":[{"role":"user","content":"` + secretPrompt + `"},{"role":"tool","tool_call_id":"c1","content":"14C"}]}`
	if status, _, b := post(t, srv.URL+"/v1/chat/completions", body, "Authorization: Bearer "+testKey); status != 200 {
		t.Fatalf("%d %s", status, b)
	}
	out := logs.String()
	for _, want := range []string{`"user: ` + secretPrompt + `"`, `"tool: [tool result c1] 14C"`, `"answer":"It's 14 °C and cloudy in Paris, and 19 °C with clear skies in Tokyo."`} {
		if !strings.Contains(out, want) {
			t.Errorf("the logs lack %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, testKey) {
		t.Errorf("the logs hold the key:\n%s", out)
	}
}

// clockLog is a log handler that moves the clock by d at each record: the
// gateway's own time in a test, where the clock moves only by hand.
type clockLog struct {
	clock *testclock.Clock
	d     time.Duration
}

func (h clockLog) Enabled(context.Context, slog.Level) bool  { return true }
func (h clockLog) WithAttrs([]slog.Attr) slog.Handler        { return h }
func (h clockLog) WithGroup(string) slog.Handler             { return h }
func (h clockLog) Handle(context.Context, slog.Record) error { h.clock.Add(h.d); return nil }

// TestOverheadMetric: wasmadapt_gateway_overhead_seconds is the handler's
// time less the time inside the host's call to the provider. The clock
// moves only by hand: the provider moves it by a second before it
// answers (upstream time, left out), each log record of the gateway by
// 5 ms (the gateway's own time, counted), so that the sum is exact.
func TestOverheadMetric(t *testing.T) {
	const upstream, logged = time.Second, 5 * time.Millisecond
	for _, tc := range []struct {
		name, path, body, model string
		header                  []string
		status                  int
		// records is the gateway's log records in the handler; calls
		// is the provider's.
		records, calls int
	}{
		{"chat streamed", "/v1/chat/completions", `{"model":"demo-weather","stream":true,"messages":[{"role":"user","content":"hi"}]}`,
			"demo-weather", []string{"Authorization: Bearer " + testKey}, 200, 1, 1},
		{"chat whole", "/v1/chat/completions", `{"model":"demo-weather","messages":[{"role":"user","content":"hi"}]}`,
			"demo-weather", []string{"Authorization: Bearer " + testKey}, 200, 1, 1},
		{"anthropic whole", "/v1/messages", `{"model":"demo-weather","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}`,
			"demo-weather", []string{"x-api-key: " + testKey, "anthropic-version: 2023-06-01"}, 200, 1, 1},
		{"unknown model", "/v1/chat/completions", `{"model":"nope","messages":[{"role":"user","content":"hi"}]}`,
			"nope", []string{"Authorization: Bearer " + testKey}, 404, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := testclock.New(time.Unix(1764000000, 0))
			h := demoHandler(t)
			psrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				clock.Add(upstream)
				h.ServeHTTP(w, r)
			}))
			t.Cleanup(psrv.Close)
			gw, err := gateway.New(context.Background(), demoprovider.Config(demoprovider.Module, psrv.URL, config.HashKey(testKey)), gateway.Options{
				Loader: nativeLoader,
				Client: host.NewClient(host.WithLogger(slog.New(slog.DiscardHandler)), host.WithRetry(host.RetryPolicy{MaxRetries: -1})),
				Logger: slog.New(clockLog{clock, logged}),
				Getenv: demoprovider.Getenv(demoEnv),
				Now:    clock.Now,
			})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(gw)
			t.Cleanup(srv.Close)
			if status, _, b := post(t, srv.URL+tc.path, tc.body, tc.header...); status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, b)
			}
			_, text := get(t, srv.URL+"/metrics")
			series := fmt.Sprintf(`{endpoint=%q,model=%q}`, tc.path, tc.model)
			for _, want := range []string{
				"wasmadapt_gateway_overhead_seconds_count" + series + " 1",
				"wasmadapt_gateway_overhead_seconds_sum" + series + " " + strconv.FormatFloat((time.Duration(tc.records)*logged).Seconds(), 'g', -1, 64),
				"wasmadapt_gateway_request_duration_seconds_sum" + series + " " +
					strconv.FormatFloat((time.Duration(tc.records)*logged+time.Duration(tc.calls)*upstream).Seconds(), 'g', -1, 64),
			} {
				if !strings.Contains(text, want+"\n") {
					t.Errorf("/metrics lacks %s; it has:\n%s", want, grepLines(text, "wasmadapt_gateway_overhead_seconds_sum", "wasmadapt_gateway_request_duration_seconds_sum"))
				}
			}
		})
	}
}

// grepLines is the lines of text that start with one of prefixes.
func grepLines(text string, prefixes ...string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				out = append(out, l)
			}
		}
	}
	return strings.Join(out, "\n")
}
