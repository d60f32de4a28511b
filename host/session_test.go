package host_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
)

func TestSessionSendKeepsHistory(t *testing.T) {
	turn1 := providertest.SSE("start", `{"id":"r1","model":"toy-1"}`, "think", "hmm", "sig", "S1", "text", "Hi!", "done", "stop")
	turn2 := providertest.SSE("start", `{"id":"r2","model":"toy-1"}`, "text", "Bye!", "done", "stop")
	srv := providertest.NewServer([]providertest.Case{sseCase("1", turn1), sseCase("2", turn2)}, providertest.WithSequence())
	defer srv.Close()
	var store host.Sessions
	s := store.Get("s-9", "t-9")
	if store.Get("s-9", "t-9") != s || store.Get("s-9", "") != s || s.TraceID != "t-9" {
		t.Fatal("Sessions is not keyed by session id")
	}
	c := host.NewClient()
	p := provider(toyModule(t), srv)
	tmpl := &abi.Request{Model: "toy-1", Stream: true, Messages: []abi.Message{{Role: abi.RoleSystem, Content: abi.Text("be brief")}}}
	s.AddUser("hello")
	if _, err := c.Send(context.Background(), p, s, tmpl); err != nil {
		t.Fatal(err)
	}
	s.AddUser("bye")
	if _, err := c.Send(context.Background(), p, s, tmpl); err != nil {
		t.Fatal(err)
	}
	h := s.Messages()
	if len(h) != 4 || h[1].Content[0].Signature != "S1" || h[1].Content[0].Provider != "toy" || h[1].Content[1].Text != "Hi!" || h[3].Content[0].Text != "Bye!" {
		t.Fatalf("history = %+v", h)
	}
	second := string(srv.Requests()[1].Body)
	for _, want := range []string{`"role":"system","text":"be brief"`, `"text":"hello"`, `"role":"assistant","text":"Hi!"`, `"text":"bye"`} {
		if !strings.Contains(second, want) {
			t.Errorf("second request %s lacks %s", second, want)
		}
	}
	if r := s.Request(tmpl); r.SessionID != "s-9" || r.TraceID != "t-9" {
		t.Errorf("ids = %q %q", r.SessionID, r.TraceID)
	}
}

func TestSessionsKeyedBySessionIDTracePerTurn(t *testing.T) {
	var store host.Sessions
	s := store.Get("s-1", "turn-1")
	s.AddUser("hello")
	s2 := store.Get("s-1", "turn-2")
	if s2 != s || len(s2.Messages()) != 1 {
		t.Fatal("a new trace id lost the history")
	}
	if r := s.Request(&abi.Request{Model: "m"}); r.TraceID != "turn-2" || r.SessionID != "s-1" {
		t.Errorf("ids = %q %q", r.SessionID, r.TraceID)
	}
	if r := s.Request(&abi.Request{Model: "m", TraceID: "turn-3"}); r.TraceID != "turn-3" {
		t.Errorf("the template's trace id should win: %q", r.TraceID)
	}
	store.Delete("s-1", "")
	if store.Get("s-1", "") == s {
		t.Error("Delete kept the session")
	}
}
