package host

import (
	"context"
	"net"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/wasmadapt/wasmadapt/abi"
)

// InstrumentationName is the OpenTelemetry instrumentation scope of the
// host's spans and metrics.
const InstrumentationName = "github.com/wasmadapt/wasmadapt/host"

// The OpenTelemetry names the host emits, from the GenAI semantic
// conventions. Each call is a span "chat {model}" (kind client) with the
// gen_ai.* attributes below; each tool execution a span
// "execute_tool {tool}"; a ToolLoop.Run a span "invoke_agent", parent of
// its chat and execute_tool spans. Time to first token is measured on the client,
// from the call's start to the first event handed to the caller, and
// recorded as gen_ai.client.operation.time_to_first_chunk.
const (
	MetricOperationDuration = "gen_ai.client.operation.duration"
	MetricTokenUsage        = "gen_ai.client.token.usage"
	MetricTimeToFirstChunk  = "gen_ai.client.operation.time_to_first_chunk"

	AttrOperationName        = "gen_ai.operation.name"
	AttrProviderName         = "gen_ai.provider.name"
	AttrRequestModel         = "gen_ai.request.model"
	AttrRequestMaxTokens     = "gen_ai.request.max_tokens"
	AttrRequestTemperature   = "gen_ai.request.temperature"
	AttrRequestTopP          = "gen_ai.request.top_p"
	AttrResponseID           = "gen_ai.response.id"
	AttrResponseModel        = "gen_ai.response.model"
	AttrResponseFinishReason = "gen_ai.response.finish_reasons"
	AttrUsageInputTokens     = "gen_ai.usage.input_tokens"
	AttrUsageOutputTokens    = "gen_ai.usage.output_tokens"
	AttrConversationID       = "gen_ai.conversation.id"
	AttrTokenType            = "gen_ai.token.type"
	AttrToolName             = "gen_ai.tool.name"
	AttrToolCallID           = "gen_ai.tool.call.id"
	AttrErrorType            = "error.type"
	// AttrTraceID carries the request's trace_id (the runtime's own trace
	// key, not the OpenTelemetry trace id).
	AttrTraceID = "wasmadapt.trace_id"
)

type telemetry struct {
	tracer   trace.Tracer
	duration metric.Float64Histogram
	tokens   metric.Int64Histogram
	ttfc     metric.Float64Histogram
	// servers caches serverAttrs by base URL (serverCount entries at
	// most maxServerAttrs).
	servers     sync.Map
	serverCount atomic.Int64
}

func newTelemetry(tp trace.TracerProvider, mp metric.MeterProvider) *telemetry {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	t := &telemetry{tracer: tp.Tracer(InstrumentationName)}
	m := mp.Meter(InstrumentationName)
	// Errors creating instruments only happen with invalid names; the
	// returned instruments are then no-ops, which is the right fallback.
	t.duration, _ = m.Float64Histogram(MetricOperationDuration, metric.WithUnit("s"),
		metric.WithDescription("GenAI operation duration."),
		metric.WithExplicitBucketBoundaries(0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92))
	t.tokens, _ = m.Int64Histogram(MetricTokenUsage, metric.WithUnit("{token}"),
		metric.WithDescription("Number of input and output tokens used."),
		metric.WithExplicitBucketBoundaries(1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864))
	t.ttfc, _ = m.Float64Histogram(MetricTimeToFirstChunk, metric.WithUnit("s"),
		metric.WithDescription("Time from the start of a call to the first event handed to the caller."),
		metric.WithExplicitBucketBoundaries(0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92))
	return t
}

// operation tracks one call for tracing, metrics and the observer.
type operation struct {
	ctx   context.Context
	span  trace.Span
	t     *telemetry
	now   func() time.Time
	start time.Time
	first bool
	attrs []attribute.KeyValue
	// acc accumulates the call's events: all of them when full (an
	// observer gets the whole response), otherwise only those the span
	// and the metrics read (response-start, usage, finish), so that a
	// call without an observer does not copy its text a second time.
	acc      Accumulator
	full     bool
	sawUsage bool
	retries  int
	lastHTTP int
	chunks   int
	// attrsBuf backs attrs, spanBuf the span's start attributes: one
	// allocation (the operation) instead of one per slice.
	attrsBuf [5]attribute.KeyValue
	spanBuf  [10]attribute.KeyValue
}

// serverAttrs returns the server.address and server.port attributes of a
// base URL (none for one without a host), cached per base URL: a client
// sends to a few endpoints, and parsing each call's URL again costs more
// than the rest of the span's start.
func (t *telemetry) serverAttrs(base string) []attribute.KeyValue {
	if v, ok := t.servers.Load(base); ok {
		return v.([]attribute.KeyValue)
	}
	var attrs []attribute.KeyValue
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		host, port, err := net.SplitHostPort(u.Host)
		if err != nil {
			host = u.Host
			port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
		}
		attrs = append(attrs, attribute.String("server.address", host))
		if n, err := strconv.Atoi(port); err == nil {
			attrs = append(attrs, attribute.Int("server.port", n))
		}
	}
	if t.serverCount.Add(1) <= maxServerAttrs {
		t.servers.Store(base, attrs)
	}
	return attrs
}

// maxServerAttrs bounds the base URLs whose server attributes are cached:
// past it (base URLs built per caller, say) they are parsed per call.
const maxServerAttrs = 256

func (t *telemetry) start(ctx context.Context, now func() time.Time, caps *abi.Capabilities, p Provider, req *abi.Request, full bool) (context.Context, *operation) {
	o := &operation{t: t, now: now, full: full}
	attrs := append(o.attrsBuf[:0],
		attribute.String(AttrOperationName, "chat"),
		attribute.String(AttrProviderName, caps.Provider),
		attribute.String(AttrRequestModel, req.Model),
	)
	base := p.BaseURL
	if base == "" {
		base = caps.DefaultBaseURL
	}
	attrs = append(attrs, t.serverAttrs(base)...)
	spanAttrs := append(o.spanBuf[:0], attrs...)
	if req.SessionID != "" {
		spanAttrs = append(spanAttrs, attribute.String(AttrConversationID, req.SessionID))
	}
	if req.TraceID != "" {
		spanAttrs = append(spanAttrs, attribute.String(AttrTraceID, req.TraceID))
	}
	if req.MaxOutputTokens != nil {
		spanAttrs = append(spanAttrs, attribute.Int(AttrRequestMaxTokens, *req.MaxOutputTokens))
	}
	if req.Temperature != nil {
		spanAttrs = append(spanAttrs, attribute.Float64(AttrRequestTemperature, *req.Temperature))
	}
	if req.TopP != nil {
		spanAttrs = append(spanAttrs, attribute.Float64(AttrRequestTopP, *req.TopP))
	}
	ctx, o.span = t.tracer.Start(ctx, "chat "+req.Model, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(spanAttrs...))
	o.ctx, o.start, o.attrs = ctx, now(), attrs
	return ctx, o
}

func (o *operation) status(code int) { o.lastHTTP = code }

// recording reports whether the call's span records attributes: a span
// of the default (no-op) tracer provider does not, and the attributes
// are then not built.
func (o *operation) recording() bool { return o.span.IsRecording() }

func (o *operation) event(ev *abi.Event) {
	if !o.first {
		o.first = true
		if o.t.ttfc.Enabled(o.ctx) {
			o.t.ttfc.Record(o.ctx, o.now().Sub(o.start).Seconds(), metric.WithAttributes(o.attrs...))
		}
	}
	switch ev.Type {
	case abi.EventUsage:
		o.sawUsage = true
		o.acc.Add(*ev)
	case abi.EventResponseStart, abi.EventFinish:
		o.acc.Add(*ev)
	default:
		if o.full {
			o.acc.Add(*ev)
		}
	}
}

// response returns the call's whole response, for the observer (full).
func (o *operation) response() *Response { return o.acc.Response() }

func (o *operation) end(err error, start time.Time) {
	r := &o.acc.r // read only: ID, Model, FinishReason and Usage
	failed := err != nil && err != errStopped
	errType := ""
	if failed {
		errType = string(abi.CodeOf(err))
		if errType == "" {
			errType = "_OTHER"
			if o.ctx.Err() != nil {
				errType = "cancelled"
			}
		}
	}
	if o.recording() {
		var spanAttrs []attribute.KeyValue
		if r.ID != "" {
			spanAttrs = append(spanAttrs, attribute.String(AttrResponseID, r.ID))
		}
		if r.Model != "" {
			spanAttrs = append(spanAttrs, attribute.String(AttrResponseModel, r.Model))
		}
		if r.FinishReason != "" {
			spanAttrs = append(spanAttrs, attribute.StringSlice(AttrResponseFinishReason, []string{string(r.FinishReason)}))
		}
		if o.sawUsage {
			spanAttrs = append(spanAttrs, attribute.Int(AttrUsageInputTokens, r.Usage.InputTokens),
				attribute.Int(AttrUsageOutputTokens, r.Usage.OutputTokens))
		}
		if o.retries > 0 {
			spanAttrs = append(spanAttrs, attribute.Int("wasmadapt.retries", o.retries))
		}
		if o.lastHTTP != 0 {
			spanAttrs = append(spanAttrs, attribute.Int("http.response.status_code", o.lastHTTP))
		}
		if failed {
			spanAttrs = append(spanAttrs, attribute.String(AttrErrorType, errType))
			o.span.SetStatus(codes.Error, err.Error())
		}
		o.span.SetAttributes(spanAttrs...)
	}
	tokens, duration := o.sawUsage && o.t.tokens.Enabled(o.ctx), o.t.duration.Enabled(o.ctx)
	if tokens || duration {
		attrs := o.attrs
		if r.Model != "" {
			attrs = append(attrs, attribute.String(AttrResponseModel, r.Model))
		}
		if tokens {
			o.t.tokens.Record(o.ctx, int64(r.Usage.InputTokens), metric.WithAttributes(append(attrs, attribute.String(AttrTokenType, "input"))...))
			o.t.tokens.Record(o.ctx, int64(r.Usage.OutputTokens), metric.WithAttributes(append(attrs, attribute.String(AttrTokenType, "output"))...))
		}
		if duration {
			if failed {
				attrs = append(attrs, attribute.String(AttrErrorType, errType))
			}
			o.t.duration.Record(o.ctx, o.now().Sub(start).Seconds(), metric.WithAttributes(attrs...))
		}
	}
	o.span.End()
}
