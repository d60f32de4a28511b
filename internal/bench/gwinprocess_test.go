package bench

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/gateway"
	"github.com/wasmadapt/wasmadapt/gateway/openaiwire"
	"github.com/wasmadapt/wasmadapt/host"
)

// memProviderURL is the base URL of the in-memory provider: memTransport
// answers whatever host it is sent to.
const memProviderURL = "http://provider.invalid"

// memTransport is the recorded provider answered from memory: every
// request's body is read and closed, and the answer is the recorded body
// (status 200, SSE), with no network, no goroutine and no copy.
type memTransport struct{ body []byte }

// RoundTrip answers r with the recorded body.
func (t memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"text/event-stream"}}, ContentLength: int64(len(t.body)),
		Body: io.NopCloser(bytes.NewReader(t.body)), Request: r}, nil
}

// memWriter is a minimal http.ResponseWriter (and http.Flusher) that keeps
// the answer in a buffer reused across requests: what a server's response
// writer does, without its connection.
type memWriter struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

// Header is the response's header map.
func (w *memWriter) Header() http.Header { return w.header }

// WriteHeader records the status.
func (w *memWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

// Write appends p to the buffer (status 200 unless written before).
func (w *memWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.buf.Write(p)
}

// Flush does nothing: the answer is already in the buffer.
func (w *memWriter) Flush() {}

func (w *memWriter) reset() {
	if w.header == nil {
		w.header = http.Header{}
	}
	clear(w.header)
	w.status = 0
	w.buf.Reset()
}

// inProcess is a gateway served in process, without a listener, and a
// direct host.Client, both over memTransport.
type inProcess struct {
	client *host.Client
	gw     *gateway.Server
	m      engine.Module
	req    *abi.Request // the case's request (stream: true)
	proj   *abi.ProviderRequest
	raw    *http.Client
	events []abi.Event // the case's events, as the direct host yields them
}

func newInProcess(b *testing.B, m engine.Module) *inProcess {
	b.Helper()
	c, req, proj := loadE2ECase(b)
	x := &inProcess{m: m, req: req, proj: proj}
	x.raw = &http.Client{Transport: memTransport{body: c.Body}}
	x.client = host.NewClient(host.WithHTTPClient(x.raw), host.WithLogger(slog.New(slog.DiscardHandler)))
	x.gw = newGatewayServer(b, gatewayConfig(x.req.Model, memProviderURL), x.client, m)
	for ev, err := range x.client.Stream(context.Background(), x.provider(), x.req) {
		if err != nil {
			b.Fatal(err)
		}
		x.events = append(x.events, ev)
	}
	return x
}

func (x *inProcess) provider() host.Provider {
	return host.Provider{Module: x.m, BaseURL: memProviderURL, Credentials: host.StaticKey("sk-bench")}
}

// gatewayRequest is a POST /v1/chat/completions with key and body, whose
// body can be rewound: one request reused for every iteration, as the
// server would hand a fresh one (its making is the server's cost, not the
// gateway's).
type gatewayRequest struct {
	r    *http.Request
	body *bytes.Reader
	src  []byte
}

func newGatewayRequest(b *testing.B, key, body string) *gatewayRequest {
	g := &gatewayRequest{body: bytes.NewReader(nil), src: []byte(body)}
	r, err := http.NewRequest("POST", "http://gateway.invalid/v1/chat/completions", io.NopCloser(g.body))
	if err != nil {
		b.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+key)
	g.r = r
	return g
}

// serve sends the request to gw and checks the answer: 200, and an SSE
// stream ending with [DONE] or a chat.completion object.
func (g *gatewayRequest) serve(b *testing.B, gw http.Handler, w *memWriter, stream bool) {
	g.body.Reset(g.src)
	w.reset()
	gw.ServeHTTP(w, g.r)
	out := w.buf.Bytes()
	if w.status != http.StatusOK {
		b.Fatalf("gateway: status %d: %s", w.status, out)
	}
	if stream && !bytes.HasSuffix(out, []byte("data: [DONE]\n\n")) || !stream && !bytes.Contains(out, []byte(`"chat.completion"`)) {
		b.Fatalf("gateway: unexpected answer: %s", out)
	}
}

// measure runs one b.N times after a warm-up call, reporting allocations
// and cpu-ns/op (process CPU time per call).
func measure(b *testing.B, one func()) {
	one()
	b.ReportAllocs()
	b.ResetTimer()
	cpu := CPUNanos()
	for b.Loop() {
		one()
	}
	b.StopTimer()
	reportCPUPerOp(b, cpu)
}

// reportCPUPerOp adds cpu-ns/op: the process's CPU time since cpu0 (a
// CPUNanos reading at the start of the loop) per iteration.
func reportCPUPerOp(b *testing.B, cpu0 int64) {
	b.ReportMetric(float64(CPUNanos()-cpu0)/float64(b.N), "cpu-ns/op")
}

// BenchmarkGatewayInProcess is the gateway's own overhead in process, the
// shape closest to Bifrost's published figure: one request at a time
// served by gateway.Server.ServeHTTP (no listener, no client hop: a
// reused request and a minimal response writer), the provider answered
// from memory by an http.RoundTripper (testdata/openai/<e2eCase>'s
// recorded body, no network), against the same request through the
// direct host.Client over the same transport. Per executor and per answer
// shape (whole: the client asks stream false, the gateway streams
// upstream and answers one chat.completion object, the direct host is
// Generate over the same upstream stream; stream: SSE chunks to [DONE],
// the direct host is Stream), the sub-benchmarks are
//
//	raw             a bare http.Client POST of the projected body, read whole (the floor)
//	direct          host.Client (projection, transform, validation)
//	gateway         ServeHTTP with a key without limits
//	gateway-limits  ServeHTTP with a key with all three tenant limits (memory store)
//	paired          each iteration runs direct, gateway and gateway-limits back to back
//
// Metrics: ns/op, cpu-ns/op (process CPU time), allocs and bytes; paired
// reports the p50 and p99 of each call's wall time and of the per
// iteration differences (added: gateway minus direct; limits-added:
// gateway-limits minus direct), the statistic that least minds other
// processes' load.
func BenchmarkGatewayInProcess(b *testing.B) {
	for _, be := range executors() {
		b.Run(be, func(b *testing.B) {
			x := newInProcess(b, e2eModule(b, be))
			ctx := context.Background()
			for _, shape := range []string{"whole", "stream"} {
				stream := shape == "stream"
				body := gatewayBody
				if !stream {
					body = strings.Replace(gatewayBody, `"stream":true`, `"stream":false`, 1)
				}
				direct := func() { x.direct(b, ctx, stream) }
				w := &memWriter{}
				g, gl := newGatewayRequest(b, gwKey, body), newGatewayRequest(b, gwLimitedKey, body)
				gw := func() { g.serve(b, x.gw, w, stream) }
				lim := func() { gl.serve(b, x.gw, w, stream) }
				b.Run(shape+"/raw", func(b *testing.B) { measure(b, func() { x.rawCall(b, ctx) }) })
				b.Run(shape+"/direct", func(b *testing.B) { measure(b, direct) })
				b.Run(shape+"/gateway", func(b *testing.B) { measure(b, gw) })
				b.Run(shape+"/gateway-limits", func(b *testing.B) { measure(b, lim) })
				b.Run(shape+"/paired", func(b *testing.B) {
					var t triple
					measure(b, func() { t.run(direct, gw, lim) })
					t.report(b)
				})
			}
		})
	}
}

// rawCall posts the projected body with the bare http.Client over the
// same transport and reads the answer whole.
func (x *inProcess) rawCall(b *testing.B, ctx context.Context) {
	r, err := http.NewRequestWithContext(ctx, x.proj.Method, memProviderURL+x.proj.Path, bytes.NewReader(x.proj.Body))
	if err != nil {
		b.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	resp, err := x.raw.Do(r)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// direct sends the case's request through the host.Client: Stream to the
// end (stream), or Generate (whole; the request streams upstream, as the
// gateway's does).
func (x *inProcess) direct(b *testing.B, ctx context.Context, stream bool) {
	if !stream {
		if _, err := x.client.Generate(ctx, x.provider(), x.req); err != nil {
			b.Fatal(err)
		}
		return
	}
	n := 0
	for _, err := range x.client.Stream(ctx, x.provider(), x.req) {
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
	if n != len(x.events) {
		b.Fatalf("%d events, want %d", n, len(x.events))
	}
}

// BenchmarkGatewayInProcessParts is the OpenAI dialect's share of the
// gateway's added time, the same functions the gateway calls: decoding
// the client's request (openaiwire.DecodeRequest), and encoding the
// answer, whole (openaiwire.Completion of the accumulated response) or
// streamed (openaiwire.Stream: the case's events as SSE chunks, then
// [DONE]), into a reused buffer. The gateway's own steps (key, route,
// limits, telemetry) are gateway's BenchmarkGatewayInProcessSteps.
// Metrics: ns/op, cpu-ns/op, allocs and bytes.
func BenchmarkGatewayInProcessParts(b *testing.B) {
	x := newInProcess(b, e2eModule(b, "native"))
	body := []byte(gatewayBody)
	_, opt, err := openaiwire.DecodeRequest(body)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("decode", func(b *testing.B) {
		measure(b, func() {
			if _, _, err := openaiwire.DecodeRequest(body); err != nil {
				b.Fatal(err)
			}
		})
	})
	var acc host.Accumulator
	for _, ev := range x.events {
		acc.Add(ev)
	}
	resp := acc.Response()
	now := time.Unix(1764000000, 0)
	b.Run("encode-whole", func(b *testing.B) {
		measure(b, func() {
			if len(openaiwire.Completion(resp, "bench", now)) == 0 {
				b.Fatal("empty completion")
			}
		})
	})
	var buf bytes.Buffer
	b.Run("encode-stream", func(b *testing.B) {
		measure(b, func() {
			buf.Reset()
			s := openaiwire.NewStream(&buf, func() {}, "bench", opt, now)
			for i := range x.events {
				cur := x.events[i]
				if err := s.Event(&cur); err != nil {
					b.Fatal(err)
				}
			}
			if err := s.End(); err != nil {
				b.Fatal(err)
			}
		})
	})
}
