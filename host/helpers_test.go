package host_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/internal/toy"
	"github.com/wasmadapt/wasmadapt/host/providertest"
)

const testKey = "sk-test-123"

func toyModule(t testing.TB) engine.Module {
	t.Helper()
	m := engine.NewNative("toy", toy.Adapter{})
	t.Cleanup(func() { m.Close(context.Background()) })
	return m
}

// toyStream is a complete toy SSE stream: reasoning with a signature, text,
// two parallel tool calls, usage, and the end marker.
var toyStream = providertest.SSE(
	"start", `{"id":"r-1","model":"toy-1"}`,
	"think", "Let me think.",
	"think", " Twice.",
	"sig", "sig-abc",
	"text", "Hello, ",
	"text", "world\nsecond line",
	"call", `{"id":"c1","name":"get_weather","args":"{\"city\":\"Paris\"}"}`,
	"call", `{"id":"c2","name":"get_weather","args":"{\"city\":\"Oslo\"}"}`,
	"usage", `{"in":12,"out":34}`,
	"done", "tool_calls",
)

func sseCase(name string, body []byte) providertest.Case {
	return providertest.Case{Name: name, Framing: "sse", Body: body}
}

func streamReq(model string) *abi.Request {
	return &abi.Request{SessionID: "s-1", TraceID: "t-1", Model: model, Stream: true,
		Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("hi")}}}
}

// sleeps records the waits a client asked for, without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) get() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

func newClient(sl *sleeps, opts ...host.Option) *host.Client {
	if sl != nil {
		opts = append([]host.Option{host.WithSleeper(sl.sleep), host.WithJitter(func() float64 { return 0 })}, opts...)
	}
	return host.NewClient(opts...)
}

func provider(m engine.Module, srv *providertest.Server) host.Provider {
	return host.Provider{Module: m, BaseURL: srv.URL, Credentials: host.StaticKey(testKey)}
}

// collect runs a stream to its end: the events and the final error.
func collect(seq func(func(abi.Event, error) bool)) ([]string, error) {
	var evs []string
	for ev, err := range seq {
		if err != nil {
			return evs, err
		}
		evs = append(evs, ev.String())
	}
	return evs, nil
}

func requireCode(t *testing.T, err error, code abi.Code) *abi.Error {
	t.Helper()
	var ae *abi.Error
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v (%T), want *abi.Error %s", err, err, code)
	}
	if ae.Code != code {
		t.Fatalf("code = %s (%v), want %s", ae.Code, err, code)
	}
	return ae
}

// withTool gives r one function tool, f, that takes any object: the
// request edit of the capability checks' tool cases.
func withTool(r *abi.Request) {
	r.Tools = []abi.ToolDefinition{{Name: "f", Parameters: json.RawMessage(`{"type":"object"}`)}}
}

// intp points at n: the request's optional integer fields.
func intp(n int) *int { return &n }

func bearerOK(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer "+testKey }

func hasFinish(evs []string) bool {
	for _, e := range evs {
		if strings.Contains(e, `"type":"finish"`) {
			return true
		}
	}
	return false
}

// noopTools is a registry of one client tool that does nothing: the loops
// of these tests run only provider tools, yet a ToolLoop needs a registry.
func noopTools(t *testing.T) *host.ToolRegistry {
	t.Helper()
	tools, err := host.NewToolRegistry(host.Tool{Name: "noop", Description: "Does nothing.",
		Handler: func(context.Context, json.RawMessage) (string, error) { return "ok", nil }})
	if err != nil {
		t.Fatal(err)
	}
	return tools
}

// saveAndRestore saves s as JSON and restores a new session from it, as a
// runtime does between a pause and its resume: the saved bytes and the
// restored session.
func saveAndRestore(t *testing.T, s *host.Session) ([]byte, *host.Session) {
	t.Helper()
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	restored := &host.Session{}
	if err := json.Unmarshal(data, restored); err != nil {
		t.Fatal(err)
	}
	return data, restored
}
