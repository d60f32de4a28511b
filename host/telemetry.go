package host

import (
	"context"
	"net"
	"net/url"
	"strconv"
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
	ctx      context.Context
	span     trace.Span
	t        *telemetry
	now      func() time.Time
	start    time.Time
	first    bool
	attrs    []attribute.KeyValue
	acc      Accumulator
	sawUsage bool
	retries  int
	lastHTTP int
	chunks   int
}

func (t *telemetry) start(ctx context.Context, now func() time.Time, caps *abi.Capabilities, p Provider, req *abi.Request) (context.Context, *operation) {
	attrs := []attribute.KeyValue{
		attribute.String(AttrOperationName, "chat"),
		attribute.String(AttrProviderName, caps.Provider),
		attribute.String(AttrRequestModel, req.Model),
	}
	base := p.BaseURL
	if base == "" {
		base = caps.DefaultBaseURL
	}
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
	spanAttrs := append([]attribute.KeyValue(nil), attrs...)
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
	ctx, span := t.tracer.Start(ctx, "chat "+req.Model, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(spanAttrs...))
	return ctx, &operation{ctx: ctx, span: span, t: t, now: now, start: now(), attrs: attrs}
}

func (o *operation) status(code int) { o.lastHTTP = code }

func (o *operation) event(ev *abi.Event) {
	if !o.first {
		o.first = true
		o.t.ttfc.Record(o.ctx, o.now().Sub(o.start).Seconds(), metric.WithAttributes(o.attrs...))
	}
	if ev.Type == abi.EventUsage {
		o.sawUsage = true
	}
	o.acc.Add(*ev)
}

func (o *operation) end(err error, start time.Time) {
	r := o.acc.Response()
	attrs := o.attrs
	if r.Model != "" {
		attrs = append(attrs, attribute.String(AttrResponseModel, r.Model))
	}
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
		o.t.tokens.Record(o.ctx, int64(r.Usage.InputTokens), metric.WithAttributes(append(attrs, attribute.String(AttrTokenType, "input"))...))
		o.t.tokens.Record(o.ctx, int64(r.Usage.OutputTokens), metric.WithAttributes(append(attrs, attribute.String(AttrTokenType, "output"))...))
	}
	if o.retries > 0 {
		spanAttrs = append(spanAttrs, attribute.Int("wasmadapt.retries", o.retries))
	}
	if o.lastHTTP != 0 {
		spanAttrs = append(spanAttrs, attribute.Int("http.response.status_code", o.lastHTTP))
	}
	if err != nil && err != errStopped {
		et := string(abi.CodeOf(err))
		if et == "" {
			et = "_OTHER"
			if o.ctx.Err() != nil {
				et = "cancelled"
			}
		}
		attrs = append(attrs, attribute.String(AttrErrorType, et))
		spanAttrs = append(spanAttrs, attribute.String(AttrErrorType, et))
		o.span.SetStatus(codes.Error, err.Error())
	}
	o.span.SetAttributes(spanAttrs...)
	o.t.duration.Record(o.ctx, o.now().Sub(start).Seconds(), metric.WithAttributes(attrs...))
	o.span.End()
}
