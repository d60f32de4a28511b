package host_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
)

// twoStepServer answers a tool-calling step (a read-only lookup and a
// deletion) and then a final text.
func twoStepServer() *providertest.Server {
	step1 := providertest.SSE(
		"start", `{"id":"r-1","model":"toy-1"}`,
		"think", "plan", "sig", "sig-1",
		"call", call("c1", "lookup", `{"key":"a"}`),
		"call", call("c2", "remove", `{"key":"b"}`),
		"done", "tool_calls")
	step2 := providertest.SSE("start", `{"id":"r-2","model":"toy-1"}`, "text", "done", "done", "stop")
	return providertest.NewServer([]providertest.Case{sseCase("step1", step1), sseCase("step2", step2)}, providertest.WithSequence())
}

// callTools is a registry of Func tools that record the calls they see.
func callTools(t *testing.T, seen *[]host.ToolCall) *host.ToolRegistry {
	f := func(ctx context.Context, c host.ToolCall, args json.RawMessage) (host.ToolOutput, error) {
		*seen = append(*seen, c) // the tests run one call at a time (MaxParallel 1)
		return host.JSONOutput(map[string]string{"tool": c.Name, "args": string(args)})
	}
	obj := json.RawMessage(`{"type":"object","properties":{"key":{"type":"string"}},"required":["key"]}`)
	reg, err := host.NewToolRegistry(host.Tool{Name: "lookup", Parameters: obj, Func: f}, host.Tool{Name: "remove", Parameters: obj, Func: f})
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func TestToolLoopStreamYieldsStepsForThisCallOnly(t *testing.T) {
	srv := twoStepServer()
	defer srv.Close()
	other := providertest.NewServer([]providertest.Case{sseCase("x", providertest.SSE("text", "other", "done", "stop"))})
	defer other.Close()
	client := host.NewClient()
	var seen []host.ToolCall
	loop := &host.ToolLoop{Client: client, Provider: provider(toyModule(t), srv), Tools: callTools(t, &seen), MaxParallel: 1}
	s := host.NewSession("s-1", "t-1")
	s.AddUser("go")
	var kinds []string
	var final *host.Response
	for ev, err := range loop.Stream(context.Background(), s, &abi.Request{Model: "toy-1", Stream: true, TraceID: "turn-1"}) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.SessionID != "s-1" || ev.TraceID != "turn-1" || ev.Step == 0 {
			t.Errorf("event without ids or step: %+v", ev)
		}
		k := fmt.Sprintf("%d:%s", ev.Step, ev.Kind)
		switch ev.Kind {
		case host.KindEvent:
			k += ":" + string(ev.Event.Type)
		case host.KindToolResult:
			k += ":" + ev.Result.Content
		case host.KindStepEnd:
			final = ev.Response
		}
		kinds = append(kinds, k)
		// Another call on the same client meanwhile is not seen here.
		if ev.Kind == host.KindToolCall {
			if _, err := client.Generate(context.Background(), provider(toyModule(t), other), streamReq("toy-1")); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := []string{
		"1:step-start", "1:request", "1:event:response-start", "1:event:reasoning-delta", "1:event:reasoning-signature",
		"1:event:tool-call-start", "1:event:tool-call-delta", "1:event:tool-call",
		"1:event:tool-call-start", "1:event:tool-call-delta", "1:event:tool-call", "1:event:finish", "1:response",
		"1:tool-call", "1:tool-call",
		`1:tool-result:{"args":"{\"key\":\"a\"}","tool":"lookup"}`, `1:tool-result:{"args":"{\"key\":\"b\"}","tool":"remove"}`,
		"1:step-end",
		"2:step-start", "2:request", "2:event:response-start", "2:event:text-delta", "2:event:finish", "2:response", "2:step-end",
	}
	if strings.Join(kinds, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(kinds, "\n"), strings.Join(want, "\n"))
	}
	if final == nil || final.Text != "done" {
		t.Errorf("final response = %+v", final)
	}
	if len(seen) != 2 || seen[0].ID != "c1" || seen[0].SessionID != "s-1" || seen[0].TraceID != "turn-1" || seen[0].Step != 1 || seen[1].Name != "remove" {
		t.Errorf("calls seen by the handlers = %+v", seen)
	}
}

func TestToolLoopStreamStopsWhenTheCallerStops(t *testing.T) {
	srv := twoStepServer()
	defer srv.Close()
	var seen []host.ToolCall
	loop := &host.ToolLoop{Client: host.NewClient(), Provider: provider(toyModule(t), srv), Tools: callTools(t, &seen), MaxParallel: 1}
	s := host.NewSession("s", "t")
	s.AddUser("go")
	for ev := range loop.Stream(context.Background(), s, &abi.Request{Model: "toy-1", Stream: true}) {
		if ev.Kind == host.KindStepEnd {
			break
		}
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("requests = %d, want 1: the loop went on after the caller stopped", n)
	}
}

// pausedRun runs the loop until the gate leaves remove pending, then
// resumes from the session's JSON with decisions, in a fresh loop. It
// returns the final response and the request bodies sent.
func pausedRun(t *testing.T, decisions func(p *host.PendingApproval) []host.Decision) (*host.Response, []string, *host.Session) {
	srv := twoStepServer()
	defer srv.Close()
	var seen []host.ToolCall
	asked := 0
	newLoop := func() *host.ToolLoop {
		return &host.ToolLoop{Client: host.NewClient(), Provider: provider(toyModule(t), srv), Tools: callTools(t, &seen), MaxParallel: 1,
			Gate: func(ctx context.Context, c host.ToolCall) error {
				asked++
				if c.Name == "remove" {
					return fmt.Errorf("a human must confirm: %w", host.ErrPending)
				}
				return nil
			}}
	}
	s := host.NewSession("s-1", "t-1")
	s.AddUser("go")
	req := &abi.Request{Model: "toy-1", Stream: true, Messages: []abi.Message{{Role: abi.RoleSystem, Content: abi.Text("be careful")}}}
	var approvals []string
	var last error
	for ev, err := range newLoop().Stream(context.Background(), s, req) {
		if ev.Kind == host.KindApprovalRequest {
			approvals = append(approvals, ev.ToolCall.ID)
		}
		last = err
	}
	var pe *host.ApprovalPendingError
	if !errors.Is(last, host.ErrPending) || !errors.As(last, &pe) || len(pe.Calls) != 1 || pe.Calls[0].ID != "c2" {
		t.Fatalf("the loop should pause on c2: %v", last)
	}
	if len(approvals) != 1 || approvals[0] != "c2" || len(seen) != 0 {
		t.Fatalf("approval requests %v, handlers ran %d times before the decision", approvals, len(seen))
	}
	data, restored := saveAndRestore(t, s)
	if again, _ := json.Marshal(restored); !bytes.Equal(again, data) {
		t.Fatalf("session JSON is not lossless:\n%s\n%s", data, again)
	}
	p := restored.Pending()
	if p == nil || len(p.Awaiting()) != 1 {
		t.Fatalf("pending = %+v", p)
	}
	resp, err := newLoop().Resume(context.Background(), restored, decisions(p)...)
	if err != nil {
		t.Fatal(err)
	}
	if asked != 2 {
		t.Errorf("the gate was asked %d times, want 2 (never again on resume)", asked)
	}
	if restored.Pending() != nil {
		t.Error("the pending approval outlived the resume")
	}
	var bodies []string
	for _, r := range srv.Requests() {
		bodies = append(bodies, r.Path+" "+string(r.Body))
	}
	return resp, bodies, restored
}

// straightRun is the same conversation with a gate that answers at once.
func straightRun(t *testing.T, gate host.Gate) (*host.Response, []string) {
	srv := twoStepServer()
	defer srv.Close()
	var seen []host.ToolCall
	loop := &host.ToolLoop{Client: host.NewClient(), Provider: provider(toyModule(t), srv), Tools: callTools(t, &seen), MaxParallel: 1, Gate: gate}
	s := host.NewSession("s-1", "t-1")
	s.AddUser("go")
	req := &abi.Request{Model: "toy-1", Stream: true, Messages: []abi.Message{{Role: abi.RoleSystem, Content: abi.Text("be careful")}}}
	resp, err := loop.Run(context.Background(), s, req)
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, r := range srv.Requests() {
		bodies = append(bodies, r.Path+" "+string(r.Body))
	}
	return resp, bodies
}

func TestResumedLoopSendsTheSameBytesAsAnUninterruptedOne(t *testing.T) {
	for _, tc := range []struct {
		name     string
		decide   func(p *host.PendingApproval) []host.Decision
		straight host.Gate
		result   string
	}{
		{"approved", func(p *host.PendingApproval) []host.Decision {
			return []host.Decision{host.Approve(p.Awaiting()[0].ID)}
		},
			nil, `"c2:remove:{\"args\":\"{\\\"key\\\":\\\"b\\\"}\",\"tool\":\"remove\"}"`},
		{"denied", func(p *host.PendingApproval) []host.Decision { return []host.Decision{host.Deny("c2", "not today")} },
			func(ctx context.Context, c host.ToolCall) error {
				if c.Name == "remove" {
					return errors.New("not today")
				}
				return nil
			}, `"error:c2:remove:the call was not allowed: not today"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r1, paused, _ := pausedRun(t, tc.decide)
			r2, straight := straightRun(t, tc.straight)
			if len(paused) != 2 || len(straight) != 2 {
				t.Fatalf("requests: %d paused, %d straight, want 2 each (the model is never asked again)", len(paused), len(straight))
			}
			for i := range paused {
				if paused[i] != straight[i] {
					t.Errorf("request %d differs:\npaused:   %s\nstraight: %s", i+1, paused[i], straight[i])
				}
			}
			if !strings.Contains(paused[1], tc.result) {
				t.Errorf("second request lacks %s: %s", tc.result, paused[1])
			}
			if r1.Text != "done" || r2.Text != "done" {
				t.Errorf("final texts %q %q", r1.Text, r2.Text)
			}
		})
	}
}

func TestResumeNeedsADecisionForEveryPendingCall(t *testing.T) {
	loop := &host.ToolLoop{}
	if _, err := loop.Resume(context.Background(), host.NewSession("s", "t")); !errors.Is(err, host.ErrNoPending) {
		t.Errorf("resume of a session that is not paused: %v", err)
	}
	srv := twoStepServer()
	defer srv.Close()
	var seen []host.ToolCall
	loop = &host.ToolLoop{Client: host.NewClient(), Provider: provider(toyModule(t), srv), Tools: callTools(t, &seen),
		Gate: func(ctx context.Context, c host.ToolCall) error { return host.ErrPending }}
	s := host.NewSession("s", "t")
	s.AddUser("go")
	if _, err := loop.Run(context.Background(), s, &abi.Request{Model: "toy-1", Stream: true}); !errors.Is(err, host.ErrPending) {
		t.Fatal(err)
	}
	for _, ds := range [][]host.Decision{{host.Approve("c1")}, {host.Approve("c1"), host.Approve("c2"), host.Approve("c9")}} {
		if _, err := loop.Resume(context.Background(), s, ds...); err == nil || s.Pending() == nil {
			t.Errorf("decisions %v accepted", ds)
		}
	}
}

func TestToolLoopOptionsReachEveryRequest(t *testing.T) {
	srv := twoStepServer()
	defer srv.Close()
	var seen []host.ToolCall
	var observed []string
	loop := &host.ToolLoop{Client: host.NewClient(), Provider: provider(toyModule(t), srv), Tools: callTools(t, &seen), MaxParallel: 1,
		Options: []host.CallOption{host.WithHeader(http.Header{"X-Tenant": {"t-1"}})}}
	s := host.NewSession("s", "t")
	s.AddUser("go")
	obs := host.ObserverFunc(func(ctx context.Context, e host.StepEvent) {
		if e.Kind == host.KindStepStart || e.Kind == host.KindRequest {
			observed = append(observed, fmt.Sprintf("%d:%s", e.Step, e.Kind))
		}
	})
	_, err := collectSteps(loop.Stream(context.Background(), s, &abi.Request{Model: "toy-1", Stream: true},
		host.WithCallObserver(obs), host.WithStepTimeout(time.Minute), host.WithTimeout(time.Minute)))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range srv.Requests() {
		if r.Header.Get("X-Tenant") != "t-1" {
			t.Errorf("request %d lacks the header", i+1)
		}
	}
	if strings.Join(observed, " ") != "1:step-start 1:request 2:step-start 2:request" {
		t.Errorf("the call's observer saw %v", observed)
	}
}

func TestToolLoopTotalTimeout(t *testing.T) {
	srv := providertest.NewServer([]providertest.Case{sseCase("s", providertest.SSE("text", "x", "done", "stop"))}, providertest.WithHeaderStall())
	defer srv.Close()
	var seen []host.ToolCall
	loop := &host.ToolLoop{Client: host.NewClient(), Provider: provider(toyModule(t), srv), Tools: callTools(t, &seen)}
	s := host.NewSession("s", "t")
	s.AddUser("go")
	_, err := collectSteps(loop.Stream(context.Background(), s, &abi.Request{Model: "toy-1", Stream: true}, host.WithTimeout(30*time.Millisecond)))
	if ae := requireCode(t, err, abi.CodeTimeout); !strings.Contains(ae.Message, "total timeout") {
		t.Errorf("error %v", err)
	}
}

func collectSteps(seq func(func(host.StepEvent, error) bool)) ([]host.StepEvent, error) {
	var out []host.StepEvent
	for ev, err := range seq {
		out = append(out, ev)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func TestWithHeaderCannotSetHostOwnedHeaders(t *testing.T) {
	srv := providertest.NewServer([]providertest.Case{sseCase("s", providertest.SSE("text", "x", "done", "stop"))})
	defer srv.Close()
	_, err := host.NewClient().Generate(context.Background(), provider(toyModule(t), srv), streamReq("toy-1"),
		host.WithHeader(http.Header{"authorization": {"Bearer stolen"}, "X-Trace": {"a"}}))
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Requests()[0].Header
	if h.Get("Authorization") != "Bearer "+testKey || h.Get("X-Trace") != "a" {
		t.Errorf("headers %v", h)
	}
}
