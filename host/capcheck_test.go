package host_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/anthropic"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/openai"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
)

// TestUnknownModelPlainTextOnly: a model whose module does not know it
// (source "unknown") gets plain text only; anything more is refused before
// a byte is sent, unless the caller assumes capabilities.
func TestUnknownModelPlainTextOnly(t *testing.T) {
	tests := []struct {
		name string
		edit func(r *abi.Request)
		want string // substring of the refusal; "" = allowed
	}{
		{"plain text", func(r *abi.Request) {}, ""},
		{"tools", withTool, "tool calling (1 tools)"},
		{"json schema", func(r *abi.Request) {
			r.ResponseFormat = &abi.ResponseFormat{Type: "json_schema", Name: "x", Schema: json.RawMessage(`{}`)}
		}, "json_schema response format"},
		{"json object", func(r *abi.Request) { r.ResponseFormat = &abi.ResponseFormat{Type: "json_object"} }, "json_object response format"},
		{"reasoning", func(r *abi.Request) { r.Reasoning = &abi.Reasoning{Effort: "high"} }, "reasoning configuration"},
		{"image", func(r *abi.Request) {
			r.Messages = []abi.Message{{Role: abi.RoleUser, Content: []abi.Part{{Type: abi.PartImage, URL: "https://x/y.png"}}}}
		}, "image part"},
	}
	m := toyModule(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.NewServer([]providertest.Case{sseCase("s", toyStream)})
			defer srv.Close()
			req := streamReq("toy-unknown")
			tt.edit(req)
			_, err := collect(newClient(nil).Stream(context.Background(), provider(m, srv), req))
			if tt.want == "" {
				if err != nil || len(srv.Requests()) != 1 {
					t.Fatalf("err = %v, requests = %d: want plain text sent", err, len(srv.Requests()))
				}
				return
			}
			ae := requireCode(t, err, abi.CodeCapabilityUnsupported)
			for _, s := range []string{tt.want, "toy-unknown", "not known to the module", "host.AssumeCapabilities"} {
				if !strings.Contains(ae.Message, s) {
					t.Errorf("message %q does not say %q", ae.Message, s)
				}
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("%d requests sent: the refusal must come before any byte is sent", n)
			}
		})
	}
}

// TestAssumeCapabilities: the per-call option and the client default let
// an unknown model's request through, checked against the assumed
// capabilities; the assumption is logged and on the span.
func TestAssumeCapabilities(t *testing.T) {
	withTools := abi.Features{Streaming: true, ToolCalling: abi.SupportNative, MultiTurn: true}
	m := toyModule(t)
	run := func(t *testing.T, clientOpts []host.Option, callOpts []host.CallOption, edit func(*abi.Request)) (int, string, []sdktrace.ReadOnlySpan, error) {
		t.Helper()
		srv := providertest.NewServer([]providertest.Case{sseCase("s", toyStream)})
		defer srv.Close()
		var logs bytes.Buffer
		exp := tracetest.NewInMemoryExporter()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
		opts := append([]host.Option{host.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))), host.WithTracerProvider(tp)}, clientOpts...)
		req := streamReq("toy-unknown")
		withTool(req)
		if edit != nil {
			edit(req)
		}
		_, err := collect(host.NewClient(opts...).Stream(context.Background(), provider(m, srv), req, callOpts...))
		return len(srv.Requests()), logs.String(), exp.GetSpans().Snapshots(), err
	}
	check := func(t *testing.T, err error, sent int, logs string, spans []sdktrace.ReadOnlySpan) {
		t.Helper()
		if err != nil || sent != 1 {
			t.Fatalf("err = %v, requests = %d: want the request sent", err, sent)
		}
		if !strings.Contains(logs, "assuming capabilities") || !strings.Contains(logs, "model=toy-unknown") {
			t.Errorf("the assumption is not logged: %s", logs)
		}
		if len(spans) != 1 || !slices.Contains(spans[0].Attributes(), attribute.Bool(host.AttrCapabilitiesAssumed, true)) ||
			!slices.Contains(spans[0].Attributes(), attribute.String(host.AttrCapabilitiesSource, abi.SourceUnknown)) {
			t.Errorf("the span does not record the assumption: %v", spans)
		}
	}
	t.Run("per call", func(t *testing.T) {
		sent, logs, spans, err := run(t, nil, []host.CallOption{host.AssumeCapabilities(withTools)}, nil)
		check(t, err, sent, logs, spans)
	})
	t.Run("client default", func(t *testing.T) {
		sent, logs, spans, err := run(t, []host.Option{host.WithAssumedCapabilities(withTools)}, nil, nil)
		check(t, err, sent, logs, spans)
	})
	t.Run("checked against the assumption", func(t *testing.T) {
		sent, _, _, err := run(t, nil, []host.CallOption{host.AssumeCapabilities(withTools)}, func(r *abi.Request) {
			r.Reasoning = &abi.Reasoning{Effort: "low"}
		})
		requireCode(t, err, abi.CodeCapabilityUnsupported)
		if sent != 0 {
			t.Errorf("%d requests sent", sent)
		}
	})
	t.Run("call overrides the client default", func(t *testing.T) {
		sent, _, _, err := run(t, []host.Option{host.WithAssumedCapabilities(withTools)},
			[]host.CallOption{host.AssumeCapabilities(abi.Features{Streaming: true})}, nil)
		ae := requireCode(t, err, abi.CodeCapabilityUnsupported)
		if !strings.Contains(ae.Message, "no tool calling") || sent != 0 {
			t.Errorf("err = %v, requests = %d", ae, sent)
		}
	})
}

// TestDropRefusedSampling: Claude Opus 4.7 refuses a non-default
// temperature; opted in, the host drops it, projects again and reports the
// downgrade on the response and the span.
func TestDropRefusedSampling(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("..", "testdata", "anthropic", "stream-text-cache-usage", "body"))
	if err != nil {
		t.Skip("no recorded anthropic stream")
	}
	// The module's details list the accepted sampling parameters, so the
	// capability check drops them; without details the module's projection refuses
	// them and the host drops the one its pointer names and projects
	// again.
	for name, a := range map[string]guest.Adapter{"capcheck": anthropic.New(), "projection": noDetails{anthropic.New()}} {
		t.Run(name, func(t *testing.T) {
			m := engine.NewNative("anthropic", a)
			t.Cleanup(func() { m.Close(context.Background()) })
			dropRefusedSampling(t, m, body)
		})
	}
}

// noDetails is an adapter whose capabilities give no details.
type noDetails struct{ guest.Adapter }

func (a noDetails) Capabilities(model string) abi.Capabilities {
	c := a.Adapter.Capabilities(model)
	c.Details = nil
	return c
}

func dropRefusedSampling(t *testing.T, m engine.Module, body []byte) {
	temp, topP := 0.2, 0.9
	newReq := func() *abi.Request {
		return &abi.Request{Model: "claude-opus-4-7", Stream: true, Temperature: &temp, TopP: &topP,
			ProviderOptions: map[string]json.RawMessage{"top_k": json.RawMessage("40")},
			Messages:        []abi.Message{{Role: abi.RoleUser, Content: abi.Text("hi")}}}
	}
	t.Run("refused without the opt-in", func(t *testing.T) {
		srv := providertest.NewServer([]providertest.Case{sseCase("s", body)})
		defer srv.Close()
		_, err := host.NewClient().Generate(context.Background(), provider(m, srv), newReq())
		ae := requireCode(t, err, abi.CodeCapabilityUnsupported)
		if ae.Pointer != "/temperature" {
			t.Errorf("pointer = %q, want /temperature", ae.Pointer)
		}
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("%d requests sent", n)
		}
	})
	t.Run("dropped with the opt-in", func(t *testing.T) {
		srv := providertest.NewServer([]providertest.Case{sseCase("s", body)})
		defer srv.Close()
		exp := tracetest.NewInMemoryExporter()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
		req := newReq()
		r, err := host.NewClient(host.WithTracerProvider(tp)).Generate(context.Background(), provider(m, srv), req,
			host.AllowDowngrade(host.DropRefusedSampling))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Downgrades, []host.Downgrade{host.DropRefusedSampling}) {
			t.Errorf("Response.Downgrades = %v", r.Downgrades)
		}
		reqs := srv.Requests()
		if len(reqs) != 1 {
			t.Fatalf("%d requests sent", len(reqs))
		}
		for _, k := range []string{`"temperature"`, `"top_p"`, `"top_k"`} {
			if bytes.Contains(reqs[0].Body, []byte(k)) {
				t.Errorf("%s sent: %s", k, reqs[0].Body)
			}
		}
		if req.Temperature == nil || req.TopP == nil || req.ProviderOptions["top_k"] == nil {
			t.Error("the caller's request was modified")
		}
		spans := exp.GetSpans().Snapshots()
		if len(spans) != 1 || !slices.Contains(spans[0].Attributes(), attribute.StringSlice(host.AttrDowngrades, []string{"DropRefusedSampling"})) {
			t.Errorf("the span does not record the downgrade: %v", spans)
		}
	})
}

// TestUnknownModelWithARealModule: the openai module does not know
// no-such-model-1; a request with tools to it is refused before sending,
// and sent with the opt-in.
func TestUnknownModelWithARealModule(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("..", "testdata", "openai", "stream-parallel-tools", "body"))
	if err != nil {
		t.Skip("no recorded openai stream")
	}
	m := engine.NewNative("openai", openai.New())
	t.Cleanup(func() { m.Close(context.Background()) })
	caps, err := host.NewClient().Capabilities(context.Background(), m, "no-such-model-1")
	if err != nil || caps.Features.Source != abi.SourceUnknown {
		t.Fatalf("capabilities = %+v, %v; want source unknown", caps, err)
	}
	newReq := func() *abi.Request {
		r := streamReq("no-such-model-1")
		r.Tools = []abi.ToolDefinition{{Name: "get_weather", Parameters: json.RawMessage(`{"type":"object"}`)}}
		return r
	}
	srv := providertest.NewServer([]providertest.Case{sseCase("s", body)})
	defer srv.Close()
	_, err = host.NewClient().Generate(context.Background(), provider(m, srv), newReq())
	ae := requireCode(t, err, abi.CodeCapabilityUnsupported)
	if !strings.Contains(ae.Message, "no-such-model-1") || len(srv.Requests()) != 0 {
		t.Fatalf("err = %v, requests = %d: want a refusal naming the model, nothing sent", ae, len(srv.Requests()))
	}
	assumed := abi.Features{Streaming: true, ToolCalling: abi.SupportNative, ParallelToolCalls: true, MultiTurn: true}
	r, err := host.NewClient().Generate(context.Background(), provider(m, srv), newReq(), host.AssumeCapabilities(assumed))
	if err != nil || len(srv.Requests()) != 1 || len(r.ToolCalls) == 0 {
		t.Fatalf("err = %v, requests = %d, tool calls = %d: want the request sent with the opt-in", err, len(srv.Requests()), len(r.ToolCalls))
	}
	if !bytes.Contains(srv.Requests()[0].Body, []byte(`"tools"`)) {
		t.Errorf("the tools were not sent: %s", srv.Requests()[0].Body)
	}
}

// TestModelDetailsChecked: the capability check checks the module's model details
// before sending: max_output_tokens above the model's limit, a reasoning
// budget the model does not take, an effort it does not know.
func TestModelDetailsChecked(t *testing.T) {
	m := engine.NewNative("anthropic", anthropic.New())
	t.Cleanup(func() { m.Close(context.Background()) })
	tests := []struct {
		name, model string
		edit        func(r *abi.Request)
		want        string
	}{
		{"max output tokens above the limit", "claude-3-haiku-20240307", func(r *abi.Request) { r.MaxOutputTokens = intp(5000) }, "at most 4096 output tokens"},
		{"budget on an adaptive-only model", "claude-opus-4-7", func(r *abi.Request) { r.Reasoning = &abi.Reasoning{BudgetTokens: intp(2048)} }, "takes no reasoning budget"},
		{"budget below the minimum", "claude-sonnet-4-5", func(r *abi.Request) { r.Reasoning = &abi.Reasoning{BudgetTokens: intp(100)} }, "budget of 1024 to 63999"},
		{"unknown effort", "claude-sonnet-4-5", func(r *abi.Request) { r.Reasoning = &abi.Reasoning{Effort: "max"} }, "reasoning effort max"},
		{"stop on a known model", "claude-sonnet-4-5", func(r *abi.Request) { r.Stop = []string{"\n"} }, ""},
		{"audio to a model without audio input", "claude-sonnet-4-5", func(r *abi.Request) {
			r.Messages[0].Content = append(r.Messages[0].Content, abi.Part{Type: abi.PartAudio, MediaType: "audio/wav", Data: "AAAA"})
		}, "reads no audio"},
		{"a PDF to a model with PDF input", "claude-sonnet-4-5", func(r *abi.Request) {
			r.Messages[0].Content = append(r.Messages[0].Content, abi.Part{Type: abi.PartFile, MediaType: "application/pdf", Data: "JVBERi0="})
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			caps, err := host.NewClient().Capabilities(context.Background(), m, tt.model)
			if err != nil {
				t.Fatal(err)
			}
			req := streamReq(tt.model)
			tt.edit(req)
			_, _, err = host.CheckCapabilities(caps, req)
			wantRefusal(t, err, tt.want)
		})
	}
}

// TestDocumentModalitiesChecked: a PDF part needs the pdf modality and an
// audio part the audio one; a file whose type the host cannot judge is
// left to the module.
func TestDocumentModalitiesChecked(t *testing.T) {
	caps := &abi.Capabilities{Name: "m", Features: abi.Features{Streaming: true, ToolCalling: abi.SupportNone, StructuredOutput: abi.SupportNone, MultiTurn: true, Vision: true, Source: abi.SourceDiscovered},
		Details: &abi.ModelDetails{InputModalities: []string{abi.ModalityText, abi.ModalityImage}}}
	tests := []struct {
		name string
		part abi.Part
		want string
	}{
		{"pdf", abi.Part{Type: abi.PartFile, MediaType: "application/pdf", Data: "JVBERi0="}, "reads no pdf"},
		{"audio", abi.Part{Type: abi.PartAudio, MediaType: "audio/mp3", Data: "AAAA"}, "reads no audio"},
		{"text document", abi.Part{Type: abi.PartFile, MediaType: "text/plain", Data: "aGk="}, ""},
		{"file by id", abi.Part{Type: abi.PartFile, FileID: "file-1"}, ""},
		{"image", abi.Part{Type: abi.PartImage, MediaType: "image/png", Data: "AAAA"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := streamReq("m")
			req.Messages[0].Content = append(req.Messages[0].Content, tt.part)
			_, _, err := host.CheckCapabilities(caps, req)
			wantRefusal(t, err, tt.want)
		})
	}
}

// wantRefusal checks a capability check's outcome: allowed when want is
// empty, else capability_unsupported with a message that says want.
func wantRefusal(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("err = %v, want allowed", err)
		}
		return
	}
	ae := requireCode(t, err, abi.CodeCapabilityUnsupported)
	if !strings.Contains(ae.Message, want) {
		t.Errorf("message %q does not say %q", ae.Message, want)
	}
}
