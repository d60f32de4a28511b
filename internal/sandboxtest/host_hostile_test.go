package sandboxtest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
)

// TestHostileThroughHost sends requests through host.Client to a loopback
// provider whose body triggers sdk-misbehave's faults in parse_response:
// the caller gets exactly one error event with the fault's code and none
// of the module's bad events, and the same client, engine and module then
// serve a good request.
func TestHostileThroughHost(t *testing.T) {
	m := corpusModule(t, corpusConfig(), "sdk-misbehave", "sdk-misbehave")
	// The loop case runs on an engine with the short deadline; every
	// other fault on one whose deadline only that fault can beat.
	dcfg := deadlineConfig()
	dm := corpusModule(t, dcfg, "sdk-misbehave", "sdk-misbehave")
	var cases []providertest.Case
	for _, what := range []string{"badargs", "badtype", "badjson", "huge", "panic", "loop", "bomb", "fine"} {
		cases = append(cases, providertest.Case{Name: what, Framing: abi.FramingNone, Body: []byte(what)})
	}
	srv := providertest.NewServer(cases)
	defer srv.Close()
	client := host.NewClient(host.WithRetry(host.RetryPolicy{MaxRetries: -1}))
	send := func(what string) outcome {
		mod := m
		if what == "loop" {
			mod = dm
		}
		p := host.Provider{Module: mod, BaseURL: srv.URL, Header: map[string][]string{"X-Providertest-Case": {what}}}
		return stream(t, client, p, "m", false)
	}
	for _, tt := range []struct {
		what string
		code abi.Code
	}{
		{"badargs", abi.CodeAdapterBadOutput},
		{"badtype", abi.CodeAdapterBadOutput},
		{"badjson", abi.CodeAdapterBadOutput},
		{"huge", abi.CodeAdapterBadOutput},
		{"panic", abi.CodeAdapterTrap},
		{"loop", abi.CodeAdapterTimeout},
		{"bomb", abi.CodeAdapterMemory},
	} {
		t.Run(tt.what, func(t *testing.T) {
			o := send(tt.what)
			if got := abi.CodeOf(o.err); got != tt.code {
				t.Fatalf("got %v (code %q), want %s", o.err, got, tt.code)
			}
			if len(o.events) != 0 {
				t.Fatalf("events of a faulted call reached the caller: %v", o.events)
			}
			if tt.code == abi.CodeAdapterTimeout && o.took > dcfg.CallTimeout+timeoutSlack {
				t.Fatalf("the timeout took %v, deadline %v", o.took, dcfg.CallTimeout)
			}
			if good := send("fine"); good.err != nil || good.text() != "fine" {
				t.Fatalf("a good request afterwards: %q, %v", good.text(), good.err)
			}
		})
	}
}

// TestCrashLoopThroughHost: a module that faults on every request is
// suspended after the policy's limit; the host's callers get the
// suspension error at once, and the module serves again after the backoff.
func TestCrashLoopThroughHost(t *testing.T) {
	cfg := corpusConfig()
	cfg.Crashes = engine.CrashPolicy{Limit: 3, Window: time.Minute, Backoff: 300 * time.Millisecond}
	m := corpusModule(t, cfg, "sdk-misbehave", "sdk-misbehave")
	srv := providertest.NewServer([]providertest.Case{
		{Name: "panic", Framing: abi.FramingNone, Body: []byte("panic")},
		{Name: "fine", Framing: abi.FramingNone, Body: []byte("fine")},
	})
	defer srv.Close()
	client := host.NewClient(host.WithRetry(host.RetryPolicy{MaxRetries: -1}))
	send := func(what string) outcome {
		return stream(t, client, host.Provider{Module: m, BaseURL: srv.URL, Header: map[string][]string{"X-Providertest-Case": {what}}}, "m", false)
	}
	for range 3 {
		if o := send("panic"); abi.CodeOf(o.err) != abi.CodeAdapterTrap || strings.Contains(o.err.Error(), "suspended") {
			t.Fatalf("crash: %v", o.err)
		}
	}
	o := send("fine")
	if abi.CodeOf(o.err) != abi.CodeAdapterTrap || !strings.Contains(o.err.Error(), "suspended after 3 crashes") {
		t.Fatalf("a request to the crash-looping module: %v, want the suspension", o.err)
	}
	if engine.Faults(m) != 3 {
		t.Fatalf("Faults = %d, want 3", engine.Faults(m))
	}
	time.Sleep(350 * time.Millisecond)
	if o := send("fine"); o.err != nil || o.text() != "fine" {
		t.Fatalf("after the backoff: %q, %v", o.text(), o.err)
	}
}

// TestBackgroundGoroutine: a call that leaves a goroutine spinning returns
// normally; the spinner can run only inside a later call of the same
// instance (Go's scheduler in a single-threaded guest), and that call is
// then stopped at its deadline and the instance discarded. Every call
// returns within the deadline, and the module ends up serving normally.
func TestBackgroundGoroutine(t *testing.T) {
	ctx := context.Background()
	cfg := deadlineConfig() // its spinner is stopped by the deadline
	m := corpusModule(t, cfg, "sdk-runtime-abuse", "sdk-runtime-abuse")
	if text, err := callExport(ctx, m, "transform", "goroutine"); err != nil || text != "started" {
		t.Fatalf("goroutine: %q %v", text, err)
	}
	timeouts := 0
	for i, what := range []string{"stderr", "slices", "fine", "stderr", "slices", "fine"} {
		start := time.Now()
		text, err := callExport(ctx, m, "transform", what)
		if took := time.Since(start); took > cfg.CallTimeout+timeoutSlack {
			t.Fatalf("call %d took %v", i, took)
		}
		switch abi.CodeOf(err) {
		case "":
			if !map[string]bool{"logged": true, "dropped": true, "fine": true}[text] {
				t.Fatalf("call %d (%s) answered %q", i, what, text)
			}
		case abi.CodeAdapterTimeout:
			timeouts++
		default:
			t.Fatalf("call %d (%s): %v", i, what, err)
		}
	}
	if timeouts > 1 {
		t.Fatalf("%d timeouts: the spinner outlived the instance it was started in", timeouts)
	}
	t.Logf("%d call(s) hijacked by the background goroutine", timeouts)
	if text, err := callExport(ctx, m, "transform", "fine"); err != nil || text != "fine" {
		t.Fatalf("finally: %q %v", text, err)
	}
}
