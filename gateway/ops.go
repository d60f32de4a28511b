package gateway

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/host"
)

// Metrics are the gateway's Prometheus metrics, served at GET /metrics:
//
//	wasmadapt_gateway_requests_total{endpoint,model,status}      model requests answered
//	wasmadapt_gateway_errors_total{endpoint,model,code}          of those, the failed ones by normalized code
//	wasmadapt_gateway_tokens_total{model,type}                   tokens used (type input or output)
//	wasmadapt_gateway_request_duration_seconds{endpoint,model}   whole request, streams included
//	wasmadapt_gateway_time_to_first_token_seconds{endpoint,model} from the request to the first event
//	wasmadapt_gateway_overhead_seconds{endpoint,model}           the gateway's own time in the handler (below)
//	wasmadapt_gateway_requests_in_flight                         model requests being served
//	wasmadapt_gateway_module_info{module,digest}                 1 per loaded module version
//
// plus the Go runtime and process collectors. Labels hold public model
// names, endpoints, statuses and codes only: never a key or content.
//
// The overhead is the time from the handler getting the request (before
// its key is checked) to the handler's end, less the time spent inside
// the host's call (host.Client's route: projection, the provider's HTTP
// exchange, the adapter's transform of every chunk, which calling the
// provider through a host.Client directly costs too): key, decoding,
// routing, tenant limits, encoding and writing the answer, telemetry and
// logging. Its sum over its count is the mean the gateway adds per
// request, the figure Bifrost publishes; its buckets run from 1 µs to
// 0.26 s by factors of √2. The time spent writing the answer to a slow
// client counts in it (the write blocks the handler).
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	errors   *prometheus.CounterVec
	tokens   *prometheus.CounterVec
	duration *prometheus.HistogramVec
	ttft     *prometheus.HistogramVec
	overhead *prometheus.HistogramVec
	inflight prometheus.Gauge
	modules  *prometheus.GaugeVec
}

// latencyBuckets span 10 ms to about 80 s, doubling.
var latencyBuckets = prometheus.ExponentialBuckets(0.01, 2, 14)

// overheadBuckets span 1 µs to 262 ms by factors of √2: the gateway's own
// time per request is microseconds, and a bucket's width bounds the error
// of a quantile read from them.
var overheadBuckets = prometheus.ExponentialBuckets(1e-6, math.Sqrt2, 37)

// NewMetrics returns the gateway's metrics in a registry of their own.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wasmadapt_gateway_requests_total",
			Help: "Model requests answered, by endpoint, public model and HTTP status (499: the client went away)."}, []string{"endpoint", "model", "status"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wasmadapt_gateway_errors_total",
			Help: "Model requests that failed, by endpoint, public model and normalized error code."}, []string{"endpoint", "model", "code"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wasmadapt_gateway_tokens_total",
			Help: "Tokens used, by public model and type (input, output)."}, []string{"model", "type"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "wasmadapt_gateway_request_duration_seconds",
			Help: "Duration of model requests, streams included.", Buckets: latencyBuckets}, []string{"endpoint", "model"}),
		ttft: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "wasmadapt_gateway_time_to_first_token_seconds",
			Help: "Time from a model request to its first event from the provider.", Buckets: latencyBuckets}, []string{"endpoint", "model"}),
		overhead: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "wasmadapt_gateway_overhead_seconds",
			Help: "The gateway's own time per model request: the handler's time less the time inside the host's call to the provider.", Buckets: overheadBuckets}, []string{"endpoint", "model"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "wasmadapt_gateway_requests_in_flight",
			Help: "Model requests being served."}),
		modules: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "wasmadapt_gateway_module_info",
			Help: "1 for each adapter module version loaded (digest empty for a native adapter)."}, []string{"module", "digest"}),
	}
	m.reg.MustRegister(m.requests, m.errors, m.tokens, m.duration, m.ttft, m.overhead, m.inflight, m.modules,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is the registry holding the metrics, for an embedder that
// serves them elsewhere or adds its own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// setModules records the module versions loaded, replacing the previous
// set.
func (m *Metrics) setModules(mods map[string]engine.Module) {
	m.modules.Reset()
	for name, mod := range mods {
		m.modules.WithLabelValues(name, mod.Digest()).Set(1)
	}
}

// observed is what serve learned about one model request.
type observed struct {
	endpoint, model string
	start, first    time.Time
	// handler is when the handler got the request; upstream the time
	// spent inside the host's call (the overhead is the rest).
	handler  time.Time
	upstream time.Duration
	status   int
	code     abi.Code
	usage    abi.Usage
}

// tracePropagator reads the W3C trace context a client sends, so that the
// gateway's server span joins the client's trace.
var tracePropagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// serverSpan is the span kind option of begin's spans, made once.
var serverSpan = trace.WithSpanKind(trace.SpanKindServer)

// begin starts the server span of a model request (the parent of the
// host's GenAI spans), whose GenAI operation name is operation ("chat",
// "embeddings", "count_tokens"), and counts it in flight. Its end records the
// request's metrics and closes the span.
func (s *Server) begin(r *http.Request, public, operation string) (*http.Request, func(o *observed)) {
	ctx := tracePropagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	ctx, span := s.tracer.Start(ctx, spanName(r.URL.Path), serverSpan)
	// A span that records nothing (no tracer provider configured) is
	// given no attributes: building them is most of a span's cost.
	recording := span.IsRecording()
	if recording {
		span.SetAttributes(
			attribute.String("http.request.method", r.Method),
			attribute.String("url.path", r.URL.Path),
			attribute.String(host.AttrOperationName, operation),
			attribute.String(host.AttrRequestModel, public),
		)
	}
	s.metrics.inflight.Inc()
	return r.WithContext(ctx), func(o *observed) {
		s.metrics.inflight.Dec()
		m := s.metrics
		now := s.now()
		m.requests.WithLabelValues(o.endpoint, o.model, strconv.Itoa(o.status)).Inc()
		m.duration.WithLabelValues(o.endpoint, o.model).Observe(now.Sub(o.start).Seconds())
		if !o.handler.IsZero() {
			m.overhead.WithLabelValues(o.endpoint, o.model).Observe((now.Sub(o.handler) - o.upstream).Seconds())
		}
		if !o.first.IsZero() {
			m.ttft.WithLabelValues(o.endpoint, o.model).Observe(o.first.Sub(o.start).Seconds())
		}
		if o.usage.InputTokens > 0 {
			m.tokens.WithLabelValues(o.model, "input").Add(float64(o.usage.InputTokens))
		}
		if o.usage.OutputTokens > 0 {
			m.tokens.WithLabelValues(o.model, "output").Add(float64(o.usage.OutputTokens))
		}
		if recording {
			span.SetAttributes(attribute.Int("http.response.status_code", o.status),
				attribute.Int(host.AttrUsageInputTokens, o.usage.InputTokens),
				attribute.Int(host.AttrUsageOutputTokens, o.usage.OutputTokens))
		}
		if o.code != "" {
			m.errors.WithLabelValues(o.endpoint, o.model, string(o.code)).Inc()
			if recording {
				span.SetAttributes(attribute.String(host.AttrErrorType, string(o.code)))
				span.SetStatus(codes.Error, string(o.code))
			}
		}
		span.End()
	}
}

// timed is seq with the time spent inside it (the host's call: the
// projection, the provider's HTTP exchange, the adapter's transform) added
// to *spent: all but the time the consumer of its events takes.
func (s *Server) timed(seq iter.Seq2[abi.Event, error], spent *time.Duration) iter.Seq2[abi.Event, error] {
	return func(yield func(abi.Event, error) bool) {
		t := s.now()
		seq(func(ev abi.Event, err error) bool {
			*spent += s.now().Sub(t)
			more := yield(ev, err)
			t = s.now()
			return more
		})
		*spent += s.now().Sub(t)
	}
}

// spanName is the server span's name of a request to path: "POST "
// and the path (the endpoints' names are constants, so no allocation).
func spanName(path string) string {
	switch path {
	case "/v1/chat/completions":
		return "POST /v1/chat/completions"
	case "/v1/messages":
		return "POST /v1/messages"
	case "/v1/responses":
		return "POST /v1/responses"
	case "/v1/embeddings":
		return "POST /v1/embeddings"
	case "/v1/messages/count_tokens":
		return "POST /v1/messages/count_tokens"
	}
	return "POST " + path
}

// traceID is the trace of ctx's span, for the access log ("" without
// one).
func traceID(ctx context.Context) string {
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
		return sc.TraceID().String()
	}
	return ""
}

// contentAttrs are the log attributes of a request's and its answer's
// text, logged only when the configuration's log_content is on: each
// message as "role: text" (tool calls and results by name and id only),
// and the answer's text.
func contentAttrs(req *abi.Request, resp *host.Response) []any {
	var msgs []string
	for _, m := range req.Messages {
		var b strings.Builder
		for _, p := range m.Content {
			switch p.Type {
			case abi.PartText:
				b.WriteString(p.Text)
			case abi.PartToolCall:
				fmt.Fprintf(&b, "[tool call %s %s]", p.Name, p.ID)
			case abi.PartToolResult:
				fmt.Fprintf(&b, "[tool result %s] %s", p.ToolCallID, p.Content)
			}
		}
		msgs = append(msgs, string(m.Role)+": "+b.String())
	}
	answer := ""
	if resp != nil {
		answer = resp.Text
	}
	return []any{slog.Any("messages", msgs), slog.String("answer", answer)}
}
