package host_test

import (
	"encoding/json"

	"context"
	"github.com/wasmadapt/wasmadapt/abi"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

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
