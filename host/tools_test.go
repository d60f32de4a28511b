package host_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
)

func call(id, name, args string) string {
	b, _ := json.Marshal(map[string]string{"id": id, "name": name, "args": args})
	return string(b)
}

// weatherTools returns a registry whose get_weather handler only succeeds
// when two calls run at the same time.
func weatherTools(t *testing.T, ran *atomic.Int32) *host.ToolRegistry {
	var mu sync.Mutex
	started := 0
	both := make(chan struct{})
	reg, err := host.NewToolRegistry(
		host.Tool{
			Name: "get_weather", Description: "Weather for a city.",
			Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string","minLength":1}},"required":["city"],"additionalProperties":false}`),
			Handler: func(ctx context.Context, args json.RawMessage) (string, error) {
				ran.Add(1)
				mu.Lock()
				started++
				if started == 2 {
					close(both)
				}
				mu.Unlock()
				select {
				case <-both:
				case <-time.After(5 * time.Second):
					return "", errors.New("the parallel call never started")
				}
				var a struct{ City string }
				json.Unmarshal(args, &a)
				return "sunny in " + a.City, nil
			},
		},
		host.Tool{
			Name: "get_time", Parameters: json.RawMessage(`{"type":"object","properties":{"tz":{"type":"string"}},"required":["tz"]}`),
			Handler: func(ctx context.Context, args json.RawMessage) (string, error) { ran.Add(1); return "noon", nil },
		},
		host.Tool{
			Name: "delete_all", Parameters: json.RawMessage(`{"type":"object"}`),
			Handler: func(ctx context.Context, args json.RawMessage) (string, error) {
				ran.Add(1)
				return "", errors.New("must never run")
			},
		},
	)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func TestToolLoopParallelCallsValidationAndGate(t *testing.T) {
	step1 := providertest.SSE(
		"start", `{"id":"r-1","model":"toy-1"}`,
		"think", "need tools", "sig", "sig-1",
		"call", call("c1", "get_weather", `{"city":"Paris"}`),
		"call", call("c2", "get_weather", `{"city":"Oslo"}`),
		"call", call("c3", "get_time", `{"tz":5}`),
		"call", call("c4", "delete_all", `{}`),
		"call", call("c5", "no_such_tool", `{}`),
		"done", "tool_calls",
	)
	step2 := providertest.SSE("start", `{"id":"r-2","model":"toy-1"}`, "text", "Paris and Oslo are sunny.", "usage", `{"in":3,"out":4}`, "done", "stop")
	srv := providertest.NewServer([]providertest.Case{sseCase("step1", step1), sseCase("step2", step2)}, providertest.WithSequence())
	defer srv.Close()

	var ran atomic.Int32
	var mu sync.Mutex
	var steps []string
	obs := host.ObserverFunc(func(ctx context.Context, e host.StepEvent) {
		if e.Kind == host.KindEvent {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if e.SessionID != "s-7" || e.TraceID != "t-7" {
			t.Errorf("step event without ids: %+v", e)
		}
		s := fmt.Sprintf("%d:%s", e.Step, e.Kind)
		if e.Result != nil {
			s += ":" + e.Result.ToolCallID
		}
		steps = append(steps, s)
	})
	loop := &host.ToolLoop{
		Client:   host.NewClient(host.WithObserver(obs)),
		Provider: provider(toyModule(t), srv),
		Tools:    weatherTools(t, &ran),
		Gate: func(ctx context.Context, c host.ToolCall) error {
			if c.Name == "delete_all" {
				return errors.New("destructive tools need consent")
			}
			return nil
		},
	}
	s := host.NewSession("s-7", "t-7")
	s.AddUser("Weather in Paris and Oslo?")
	resp, err := loop.Run(context.Background(), s, &abi.Request{Model: "toy-1", Stream: true})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Text != "Paris and Oslo are sunny." || resp.ID != "r-2" {
		t.Errorf("final response = %+v", resp)
	}
	if n := ran.Load(); n != 2 {
		t.Errorf("handlers ran %d times, want 2 (invalid, denied and unknown calls must not run)", n)
	}

	// History: user, assistant (reasoning + 5 calls), tool (5 results), assistant.
	h := s.Messages()
	if len(h) != 4 || h[1].Role != abi.RoleAssistant || h[2].Role != abi.RoleTool || h[3].Role != abi.RoleAssistant {
		t.Fatalf("history = %+v", h)
	}
	if r := h[1].Content[0]; r.Type != abi.PartReasoning || r.Signature != "sig-1" || r.Provider != "toy" {
		t.Errorf("reasoning part = %+v", r)
	}
	results := h[2].Content
	wantIDs := []string{"c1", "c2", "c3", "c4", "c5"}
	wantErr := []bool{false, false, true, true, true}
	for i, p := range results {
		if p.ToolCallID != wantIDs[i] || p.IsError != wantErr[i] {
			t.Errorf("result %d = %+v, want id %s error %v", i, p, wantIDs[i], wantErr[i])
		}
	}
	if !strings.Contains(results[0].Content, "Paris") || !strings.Contains(results[1].Content, "Oslo") {
		t.Errorf("results not correlated: %+v", results[:2])
	}
	if !strings.HasPrefix(results[2].Content, "tool_arguments_invalid") || !strings.Contains(results[2].Content, "/tz") {
		t.Errorf("invalid-arguments result = %q", results[2].Content)
	}
	if !strings.Contains(results[3].Content, "need consent") {
		t.Errorf("denied result = %q", results[3].Content)
	}
	if !strings.HasPrefix(results[4].Content, "not_found") {
		t.Errorf("unknown tool result = %q", results[4].Content)
	}

	// The second request carried the results, in call order, and the tools.
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("requests = %d", len(reqs))
	}
	var body struct {
		Tools    []string `json:"tools"`
		Messages []struct {
			Role    string   `json:"role"`
			Results []string `json:"results"`
		} `json:"messages"`
	}
	json.Unmarshal(reqs[1].Body, &body)
	if len(body.Tools) != 3 || len(body.Messages) != 3 {
		t.Fatalf("second request = %s", reqs[1].Body)
	}
	got := body.Messages[2].Results
	if len(got) != 5 || got[0] != "c1:get_weather:sunny in Paris" || got[1] != "c2:get_weather:sunny in Oslo" || !strings.HasPrefix(got[2], "error:c3:get_time:") {
		t.Errorf("results sent = %q", got)
	}

	mu.Lock()
	defer mu.Unlock()
	joined := strings.Join(steps, " ")
	for _, want := range []string{"1:step-start", "1:tool-result:c1", "1:tool-result:c5", "1:step-end", "2:step-start", "2:response", "2:step-end"} {
		if !strings.Contains(joined, want) {
			t.Errorf("observed steps %q lack %q", joined, want)
		}
	}
}

func TestToolLoopStepLimit(t *testing.T) {
	again := providertest.SSE("start", `{"id":"r","model":"toy-1"}`, "call", call("c1", "get_time", `{"tz":"UTC"}`), "done", "tool_calls")
	srv := providertest.NewServer([]providertest.Case{sseCase("again", again)})
	defer srv.Close()
	var ran atomic.Int32
	loop := &host.ToolLoop{Client: host.NewClient(), Provider: provider(toyModule(t), srv), Tools: weatherTools(t, &ran), MaxSteps: 3}
	s := host.NewSession("", "")
	s.AddUser("loop forever")
	resp, err := loop.Run(context.Background(), s, &abi.Request{Model: "toy-1", Stream: true})
	if !errors.Is(err, host.ErrStepLimit) {
		t.Fatalf("err = %v, want ErrStepLimit", err)
	}
	if resp == nil || len(resp.ToolCalls) != 1 || len(srv.Requests()) != 3 || ran.Load() != 3 {
		t.Errorf("resp %+v, requests %d, ran %d", resp, len(srv.Requests()), ran.Load())
	}
}

func TestToolRegistryRefusesBadTools(t *testing.T) {
	h := func(context.Context, json.RawMessage) (string, error) { return "", nil }
	for _, tool := range []host.Tool{
		{Name: "bad name", Handler: h},
		{Name: "x"},
		{Name: "x", Handler: h, Parameters: json.RawMessage(`{"type":"string"}`)},
		{Name: "x", Handler: h, Parameters: json.RawMessage(`{"type":"object","properties":{"a":{"pattern":"("}}}`)},
	} {
		if _, err := host.NewToolRegistry(tool); err == nil {
			t.Errorf("tool %+v accepted", tool)
		}
	}
	if _, err := host.NewToolRegistry(host.Tool{Name: "x", Handler: h}, host.Tool{Name: "x", Handler: h}); err == nil {
		t.Error("duplicate accepted")
	}
}

func TestHandlerPanicBecomesErrorResult(t *testing.T) {
	step1 := providertest.SSE("start", `{"id":"r","model":"toy-1"}`, "call", call("c1", "boom", `{}`), "done", "tool_calls")
	step2 := providertest.SSE("start", `{"id":"r2","model":"toy-1"}`, "text", "ok", "done", "stop")
	srv := providertest.NewServer([]providertest.Case{sseCase("1", step1), sseCase("2", step2)}, providertest.WithSequence())
	defer srv.Close()
	reg, _ := host.NewToolRegistry(host.Tool{Name: "boom", Handler: func(context.Context, json.RawMessage) (string, error) { panic("kaboom") }})
	loop := &host.ToolLoop{Client: host.NewClient(), Provider: provider(toyModule(t), srv), Tools: reg}
	s := host.NewSession("", "")
	if _, err := loop.Run(context.Background(), s, &abi.Request{Model: "toy-1", Stream: true}); err != nil {
		t.Fatal(err)
	}
	if r := s.Messages()[1].Content[0]; !r.IsError || !strings.Contains(r.Content, "kaboom") {
		t.Errorf("result = %+v", r)
	}
}
