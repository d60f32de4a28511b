package rollout_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/openai"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/engine/rollout"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
)

// broken is the OpenAI adapter with a regression: every stream chunk
// fails to parse.
type broken struct{ guest.Adapter }

func (broken) Transform(*abi.TransformInput, *guest.Output) error {
	return abi.Errorf(abi.CodeStreamTruncated, "regression: cannot parse the chunk")
}

// streams sends n streamed requests through the provider, one at a time.
func streams(t *testing.T, p host.Provider, n int) (failed int) {
	t.Helper()
	pc, err := providertest.LoadCase("../../testdata/openai/stream-text-usage")
	if err != nil {
		t.Fatal(err)
	}
	srv := providertest.NewServer([]providertest.Case{pc})
	defer srv.Close()
	p.BaseURL, p.Credentials = srv.URL, host.StaticKey("k")
	client := host.NewClient()
	req := &abi.Request{Model: "gpt-4.1-mini", Stream: true, Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("hi")}}}
	for range n {
		for _, err := range client.Stream(context.Background(), p, req) {
			if err != nil {
				failed++
				break
			}
		}
	}
	return failed
}

func TestCanaryRolledBack(t *testing.T) {
	stable := engine.NewNative("openai", openai.New())
	cand := engine.NewNative("openai", broken{openai.New()})
	var promoted atomic.Bool
	decisions := make(chan rollout.Decision, 2)
	c := rollout.New(stable, cand, rollout.Options{Fraction: 0.25, MinRequests: 20, Window: time.Minute,
		Promote:    func(context.Context) error { promoted.Store(true); return nil },
		OnDecision: func(d rollout.Decision) { decisions <- d }})
	failed := streams(t, host.Provider{Module: c}, 120)
	<-c.Done()
	d := <-decisions
	if d.Promoted || promoted.Load() {
		t.Fatalf("a candidate failing every request was promoted: %s", d)
	}
	// The decision came after 20 candidate requests (80 in all); every
	// request after it went to the stable version.
	if d.CandStats.Requests != 20 || d.CandStats.Failed != 20 || d.CandStats.Codes[abi.CodeStreamTruncated] != 20 || d.Stable.Failed != 0 || failed != 20 {
		t.Errorf("decision %+v, %d request(s) failed", d, failed)
	}
	if !strings.Contains(d.Reason, "error rate 100.0% vs 0.0%") || !strings.Contains(d.Reason, "stream_truncated×20") {
		t.Errorf("reason %q", d.Reason)
	}
	if _, err := cand.Project(context.Background(), &abi.Request{Model: "gpt-4.1-mini"}); err == nil {
		t.Error("the rolled-back candidate was not closed")
	}
	t.Log(d)
}

func TestCanaryPromoted(t *testing.T) {
	stable := engine.NewNative("openai", openai.New())
	cand := engine.NewNative("openai", openai.New())
	var promoted atomic.Bool
	c := rollout.New(stable, cand, rollout.Options{Fraction: 0.5, MinRequests: 10,
		Promote: func(context.Context) error { promoted.Store(true); return nil }})
	if failed := streams(t, host.Provider{Module: c}, 30); failed != 0 {
		t.Fatalf("%d failed", failed)
	}
	<-c.Done()
	if d := c.Decision(); d == nil || !d.Promoted || !promoted.Load() || !strings.Contains(d.Reason, "+0.0 points, within") {
		t.Errorf("decision %+v", d)
	}
}

func TestCanaryWindowAndFailedPromotion(t *testing.T) {
	stable := engine.NewNative("openai", openai.New())
	c := rollout.New(stable, engine.NewNative("openai", openai.New()), rollout.Options{Window: 50 * time.Millisecond})
	<-c.Done()
	if d := c.Decision(); d.Promoted || !strings.Contains(d.Reason, "window ended after 0 candidate request(s)") {
		t.Errorf("decision %s", d)
	}
	c = rollout.New(stable, engine.NewNative("openai", openai.New()), rollout.Options{Fraction: 0.5, MinRequests: 1,
		Promote: func(context.Context) error { return errors.New("registry closed") }})
	streams(t, host.Provider{Module: c}, 2)
	<-c.Done()
	if d := c.Decision(); d.Promoted || !strings.HasPrefix(d.Reason, "promotion failed: registry closed") {
		t.Errorf("decision %s", d)
	}
}
