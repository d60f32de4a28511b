package host_test

import (
	"context"
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
