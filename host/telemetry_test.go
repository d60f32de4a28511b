package host_test

import (
	"encoding/json"
	"reflect"

	"context"
	"github.com/wasmadapt/wasmadapt/abi"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
)

func TestTelemetryGenAIConventions(t *testing.T) {
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)})
	defer srv.Close()
	c := host.NewClient(host.WithTracerProvider(tp), host.WithMeterProvider(mp))
	if _, err := collect(c.Stream(context.Background(), provider(toyModule(t), srv), streamReq("toy-1"))); err != nil {
		t.Fatal(err)
	}
	spans := sr.Ended()
	if len(spans) != 1 || spans[0].Name() != "chat toy-1" {
		t.Fatalf("spans = %v", spans)
	}
	attrs := map[attribute.Key]attribute.Value{}
	for _, kv := range spans[0].Attributes() {
		attrs[kv.Key] = kv.Value
	}
	for k, want := range map[string]string{
		host.AttrOperationName: "chat", host.AttrProviderName: "toy", host.AttrRequestModel: "toy-1",
		host.AttrResponseID: "r-1", host.AttrResponseModel: "toy-1", host.AttrConversationID: "s-1",
	} {
		if got := attrs[attribute.Key(k)].AsString(); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if got := attrs[host.AttrResponseFinishReason].AsStringSlice(); len(got) != 1 || got[0] != "tool-calls" {
		t.Errorf("finish reasons = %v", got)
	}
	if attrs[host.AttrUsageInputTokens].AsInt64() != 12 || attrs[host.AttrUsageOutputTokens].AsInt64() != 34 {
		t.Errorf("usage attributes = %v %v", attrs[host.AttrUsageInputTokens], attrs[host.AttrUsageOutputTokens])
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var tokenSum int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			seen[m.Name] = true
			if h, ok := m.Data.(metricdata.Histogram[int64]); ok && m.Name == host.MetricTokenUsage {
				for _, dp := range h.DataPoints {
					tokenSum += dp.Sum
				}
			}
		}
	}
	for _, name := range []string{host.MetricOperationDuration, host.MetricTokenUsage, host.MetricTimeToFirstChunk} {
		if !seen[name] {
			t.Errorf("metric %s not recorded (saw %v)", name, seen)
		}
	}
	if tokenSum != 46 {
		t.Errorf("token usage sum = %d, want 12+34", tokenSum)
	}
}

func TestTelemetryErrorType(t *testing.T) {
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)}, providertest.WithFailures(providertest.Unauthorized()))
	defer srv.Close()
	c := host.NewClient(host.WithTracerProvider(tp))
	if _, err := collect(c.Stream(context.Background(), provider(toyModule(t), srv), streamReq("toy-1"))); err == nil {
		t.Fatal("want an error")
	}
	span := sr.Ended()[0]
	found := false
	for _, kv := range span.Attributes() {
		if kv.Key == host.AttrErrorType && kv.Value.AsString() == "authentication" {
			found = true
		}
	}
	if !found || span.Status().Code.String() != "Error" {
		t.Errorf("span attributes %v status %v", span.Attributes(), span.Status())
	}
}

func TestToolSpans(t *testing.T) {
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	srv := providertest.NewServer([]providertest.Case{
		sseCase("1", providertest.SSE("start", `{"id":"r1","model":"toy-1"}`, "call", call("k1", "noop", `{}`), "done", "tool_calls")),
		sseCase("2", providertest.SSE("start", `{"id":"r2","model":"toy-1"}`, "text", "done", "done", "stop")),
	}, providertest.WithSequence())
	defer srv.Close()
	reg, _ := host.NewToolRegistry(host.Tool{Name: "noop", Handler: func(context.Context, json.RawMessage) (string, error) { return "ok", nil }})
	loop := &host.ToolLoop{Client: host.NewClient(host.WithTracerProvider(tp)), Provider: provider(toyModule(t), srv), Tools: reg}
	if _, err := loop.Run(context.Background(), host.NewSession("", ""), &abi.Request{Model: "toy-1", Stream: true}); err != nil {
		t.Fatal(err)
	}
	var names []string
	var tool sdktrace.ReadOnlySpan
	for _, s := range sr.Ended() {
		names = append(names, s.Name())
		if s.Name() == "execute_tool noop" {
			tool = s
		}
	}
	if len(names) != 4 || tool == nil {
		t.Fatalf("spans = %v", names)
	}
	got := map[attribute.Key]string{}
	for _, kv := range tool.Attributes() {
		got[kv.Key] = kv.Value.String()
	}
	if got[host.AttrToolCallID] != "k1" || got[host.AttrOperationName] != "execute_tool" || got[host.AttrToolName] != "noop" {
		t.Errorf("tool span attributes = %v", got)
	}
	// The chat and tool spans are children of the loop's span.
	var loopSpan sdktrace.ReadOnlySpan
	for _, s := range sr.Ended() {
		if s.Name() == "invoke_agent" {
			loopSpan = s
		}
	}
	if loopSpan == nil {
		t.Fatal("no invoke_agent span")
	}
	for _, s := range sr.Ended() {
		if s.Name() == "invoke_agent" {
			if s.Parent().IsValid() {
				t.Error("the loop span has a parent")
			}
			continue
		}
		if s.Parent().SpanID() != loopSpan.SpanContext().SpanID() {
			t.Errorf("span %s is not a child of the loop span", s.Name())
		}
	}
}

// countingTracer hands out spans that record or not (recording) and count
// the attribute and status calls they get.
type countingTracer struct {
	tracenoop.Tracer
	recording          bool
	attrCalls, endCall *int
}

type countingSpan struct {
	tracenoop.Span
	t *countingTracer
}

func (s countingSpan) IsRecording() bool { return s.t.recording }
func (s countingSpan) SetAttributes(...attribute.KeyValue) {
	*s.t.attrCalls++
}
func (s countingSpan) SetStatus(codes.Code, string) { *s.t.attrCalls++ }
func (s countingSpan) End(...trace.SpanEndOption)   { *s.t.endCall++ }

func (t countingTracer) Start(ctx context.Context, _ string, _ ...trace.SpanStartOption) (context.Context, trace.Span) {
	s := countingSpan{t: &t}
	return trace.ContextWithSpan(ctx, s), s
}

type countingTracerProvider struct {
	tracenoop.TracerProvider
	t countingTracer
}

func (p countingTracerProvider) Tracer(string, ...trace.TracerOption) trace.Tracer { return p.t }

// countingMeter hands out histograms that are enabled or not and count
// the measurements they get, by instrument name.
type countingMeter struct {
	metricnoop.Meter
	enabled bool
	records map[string]int
}

// countingInstrument is the name and meter of a counting histogram.
type countingInstrument struct {
	m    *countingMeter
	name string
}

func (c countingInstrument) note() { c.m.records[c.name]++ }

type countingFloat64 struct {
	metricnoop.Float64Histogram
	countingInstrument
}

func (h countingFloat64) Enabled(context.Context) bool                            { return h.m.enabled }
func (h countingFloat64) Record(context.Context, float64, ...metric.RecordOption) { h.note() }

type countingInt64 struct {
	metricnoop.Int64Histogram
	countingInstrument
}

func (h countingInt64) Enabled(context.Context) bool                          { return h.m.enabled }
func (h countingInt64) Record(context.Context, int64, ...metric.RecordOption) { h.note() }

func (m *countingMeter) Float64Histogram(name string, _ ...metric.Float64HistogramOption) (metric.Float64Histogram, error) {
	return countingFloat64{countingInstrument: countingInstrument{m, name}}, nil
}

func (m *countingMeter) Int64Histogram(name string, _ ...metric.Int64HistogramOption) (metric.Int64Histogram, error) {
	return countingInt64{countingInstrument: countingInstrument{m, name}}, nil
}

type countingMeterProvider struct {
	metricnoop.MeterProvider
	m *countingMeter
}

func (p countingMeterProvider) Meter(string, ...metric.MeterOption) metric.Meter { return p.m }

// TestTelemetrySkippedWhenDisabled checks that a call builds span
// attributes only for a span that records, and metric measurements only
// for instruments that are enabled: with the default (no-op) providers a
// call pays for neither. A recording span and enabled instruments get
// every attribute and measurement as before.
func TestTelemetrySkippedWhenDisabled(t *testing.T) {
	for _, tt := range []struct {
		name               string
		recording, enabled bool
		wantAttrCalls      bool
		wantRecords        map[string]int
	}{
		{"neither", false, false, false, map[string]int{}},
		{"span only", true, false, true, map[string]int{}},
		{"metrics only", false, true, false, map[string]int{
			host.MetricOperationDuration: 1, host.MetricTimeToFirstChunk: 1, host.MetricTokenUsage: 2,
		}},
		{"both", true, true, true, map[string]int{
			host.MetricOperationDuration: 1, host.MetricTimeToFirstChunk: 1, host.MetricTokenUsage: 2,
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var attrCalls, ends int
			tp := countingTracerProvider{t: countingTracer{recording: tt.recording, attrCalls: &attrCalls, endCall: &ends}}
			m := &countingMeter{enabled: tt.enabled, records: map[string]int{}}
			srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)})
			defer srv.Close()
			c := host.NewClient(host.WithTracerProvider(tp), host.WithMeterProvider(countingMeterProvider{m: m}))
			if _, err := collect(c.Stream(context.Background(), provider(toyModule(t), srv), streamReq("toy-1"))); err != nil {
				t.Fatal(err)
			}
			if ends != 1 {
				t.Errorf("span ended %d times, want once", ends)
			}
			if got := attrCalls > 0; got != tt.wantAttrCalls {
				t.Errorf("%d attribute or status calls on a span with recording %v", attrCalls, tt.recording)
			}
			if !reflect.DeepEqual(m.records, tt.wantRecords) {
				t.Errorf("measurements %v, want %v", m.records, tt.wantRecords)
			}
		})
	}
}

// TestObserverGetsWholeResponse checks that the KindResponse step event
// carries the whole response (text, reasoning, tool calls, usage, finish)
// for an observer set on the client or on the call alone: the call keeps
// every event for it only when someone observes.
func TestObserverGetsWholeResponse(t *testing.T) {
	srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)})
	defer srv.Close()
	p := provider(toyModule(t), srv)
	want, err := host.NewClient().Generate(context.Background(), p, streamReq("toy-1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		run  func(host.Observer) error
	}{
		{"client observer", func(o host.Observer) error {
			_, err := collect(host.NewClient(host.WithObserver(o)).Stream(context.Background(), p, streamReq("toy-1")))
			return err
		}},
		{"call observer", func(o host.Observer) error {
			_, err := collect(host.NewClient().Stream(context.Background(), p, streamReq("toy-1"), host.WithCallObserver(o)))
			return err
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []*host.Response
			err := tt.run(host.ObserverFunc(func(_ context.Context, e host.StepEvent) {
				if e.Kind == host.KindResponse {
					got = append(got, e.Response)
				}
			}))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Fatalf("%d response step events, want 1", len(got))
			}
			r := got[0]
			if r.ID != want.ID || r.Model != want.Model || r.Text != want.Text || r.Usage != want.Usage ||
				r.FinishReason != want.FinishReason || !reflect.DeepEqual(r.ToolCalls, want.ToolCalls) ||
				len(r.Reasoning) != len(want.Reasoning) || r.Text == "" || len(r.ToolCalls) != 2 {
				t.Errorf("observed response %+v, want %+v", r, want)
			}
		})
	}
}
