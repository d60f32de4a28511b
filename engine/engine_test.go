package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/internal/testenv"
)

func chunks(data ...string) *abi.TransformInput {
	in := &abi.TransformInput{}
	for _, d := range data {
		in.Chunks = append(in.Chunks, abi.Chunk{Data: []byte(d)})
	}
	return in
}

func wantCode(t *testing.T, err error, code abi.Code, contains string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	if got := abi.CodeOf(err); got != code {
		t.Fatalf("got code %q (%v), want %s", got, err, code)
	}
	if !strings.Contains(err.Error(), contains) {
		t.Fatalf("error %q does not mention %q", err, contains)
	}
}

func TestLoadRefuses(t *testing.T) {
	e := newEngine(t, Config{})
	tests := []struct {
		name     string
		wasm     []byte
		contains string
	}{
		{"wrong ABI version", wasmOf(t, "raw-wrongversion"), "ABI 2.0.0"},
		{"missing export", wasmOf(t, "raw-missing"), "does not export wasmadapt_map_error (i32 i32) -> (i64)"},
		{"forbidden import", wasmOf(t, "raw-forbidden"), "imports env.forbidden (i32) -> (i32)"},
		{"not wasm", []byte("\x00asm but not really"), "is not a WebAssembly 1.0 module (binary format version"},
		{"text file", []byte("#!/bin/sh\necho hello\n"), `module "bad" is not a WebAssembly module (bad magic`},
		{"empty", nil, "is not a WebAssembly module (bad magic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := e.Load(context.Background(), "bad", tt.wasm)
			if m != nil {
				t.Fatal("Load returned a module")
			}
			wantCode(t, err, abi.CodeABIMismatch, tt.contains)
			if !errors.Is(err, abi.ErrABIMismatch) {
				t.Fatal("errors.Is(err, abi.ErrABIMismatch) is false")
			}
		})
	}
	// The valid variant of the same source loads.
	m := load(t, e, "raw")
	if _, _, err := m.Transform(context.Background(), chunks("x")); err != nil {
		t.Fatalf("raw module: %v", err)
	}
	if st, err := SelfTest(context.Background(), m); err != nil || string(st) != "[]" {
		t.Fatalf("SelfTest of a module without wasmadapt_selftest: %q %v", st, err)
	}
}

func TestEcho(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, Config{PoolSize: 2})
	m := load(t, e, "echo")
	if len(m.Digest()) != 64 || m.Name() != "echo" {
		t.Fatalf("name %q digest %q", m.Name(), m.Digest())
	}
	caps, err := m.Capabilities(ctx, "m1")
	if err != nil {
		t.Fatal(err)
	}
	if caps.Model != "m1" || caps.ABIVersion != abi.VersionString(abi.Version) || caps.Auth.Scheme != abi.AuthBearer {
		t.Fatalf("capabilities %+v", caps)
	}
	pr, err := m.Project(ctx, &abi.Request{Model: "m1", Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("hi")}}})
	if err != nil {
		t.Fatal(err)
	}
	if pr.Path != "/echo/m1" || string(pr.Body) != `{"n":1}` || pr.StreamFraming != abi.FramingSSE {
		t.Fatalf("projection %+v", pr)
	}
	_, err = m.Project(ctx, &abi.Request{})
	wantCode(t, err, abi.CodeInvalidRequest, "model is required")

	state, evs, err := m.Transform(ctx, chunks("a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	in := chunks("c")
	in.State, in.Flags = state, abi.FlagEnd
	state, evs2, err := m.Transform(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	got := eventsText(append(evs, evs2...))
	want := `{"type":"text-delta","text":"a"}` + "\n" + `{"type":"text-delta","text":"b"}` + "\n" + `{"type":"text-delta","text":"c"}` + "\n" +
		`{"type":"usage","input_tokens":0,"output_tokens":3,"cached_input_tokens":0,"reasoning_tokens":0}` + "\n" +
		`{"type":"finish","reason":"stop","raw_reason":"end"}` + "\n"
	if got != want {
		t.Fatalf("events\n%s\nwant\n%s", got, want)
	}
	if !bytes.Equal(state, []byte{3, 0, 0, 0}) {
		t.Fatalf("state %v", state)
	}
	evs, err = m.ParseResponse(ctx, &abi.ResponseInput{Status: 200, Body: []byte("whole")})
	if err != nil || len(evs) != 3 || evs[1].Text != "whole" {
		t.Fatalf("ParseResponse %v %v", evs, err)
	}
	st, err := SelfTest(ctx, m)
	if err != nil || string(st) != "[]" {
		t.Fatalf("SelfTest %q %v", st, err)
	}
	ev, err := m.MapError(ctx, &abi.ResponseInput{Status: 429, Body: []byte("slow down")})
	if err != nil || ev.Code != abi.CodeRateLimited || !ev.Retryable || ev.Message != "slow down" {
		t.Fatalf("MapError %v %v", ev, err)
	}
}

func eventsText(evs []abi.Event) string {
	var b []byte
	for i := range evs {
		b = evs[i].AppendJSON(b)
		b = append(b, '\n')
	}
	return string(b)
}

// TestHostile provokes each fault of the hostile guest and checks its
// code. Only the loop cases are about the call deadline: they run on an
// engine with a short CallTimeout and check that the deadline fired. Every
// other case runs on an engine whose deadline is far beyond what any
// machine needs, so that a memory bomb or an oversized output is reported
// as what it is, however slow the machine.
func TestHostile(t *testing.T) {
	ctx := context.Background()
	const short, generous = time.Second, 5 * time.Minute
	engines := map[time.Duration]*Engine{}
	hostile, echos := map[time.Duration]Module{}, map[time.Duration]Module{}
	for _, d := range []time.Duration{short, generous} {
		engines[d] = newEngine(t, Config{PoolSize: 2, CallTimeout: d, MemoryLimitBytes: 48 << 20, MaxOutputBytes: 1 << 20,
			Logger: slog.New(slog.DiscardHandler)})
		hostile[d], echos[d] = load(t, engines[d], "hostile"), load(t, engines[d], "echo")
	}
	type call func(m Module, what string) error
	transform := func(m Module, what string) error { _, _, err := m.Transform(ctx, chunks(what)); return err }
	calls := map[string]call{
		"transform":    transform,
		"capabilities": func(m Module, what string) error { _, err := m.Capabilities(ctx, what); return err },
		"project":      func(m Module, what string) error { _, err := m.Project(ctx, &abi.Request{Model: what}); return err },
		"parse_response": func(m Module, what string) error {
			_, err := m.ParseResponse(ctx, &abi.ResponseInput{Status: 200, Body: []byte(what)})
			return err
		},
		"map_error": func(m Module, what string) error {
			_, err := m.MapError(ctx, &abi.ResponseInput{Status: 500, Body: []byte(what)})
			return err
		},
	}
	tests := []struct {
		export, what string
		code         abi.Code
		contains     string
	}{
		{"transform", "loop", abi.CodeAdapterTimeout, "deadline"},
		{"capabilities", "loop", abi.CodeAdapterTimeout, "wasmadapt_capabilities"},
		{"project", "loop", abi.CodeAdapterTimeout, "wasmadapt_project"},
		{"parse_response", "loop", abi.CodeAdapterTimeout, "wasmadapt_parse_response"},
		{"map_error", "loop", abi.CodeAdapterTimeout, "wasmadapt_map_error"},
		{"transform", "panic", abi.CodeAdapterTrap, "wasmadapt_transform trapped"},
		{"project", "panic", abi.CodeAdapterTrap, "wasmadapt_project trapped"},
		{"transform", "bomb", abi.CodeAdapterMemory, "out of memory"},
		{"transform", "huge", abi.CodeAdapterBadOutput, "output cap"},
		{"transform", "badjson", abi.CodeAdapterBadOutput, "event 0: not valid JSON"},
		{"parse_response", "badargs", abi.CodeAdapterBadOutput, `event 0 (tool-call): field "arguments" is not valid JSON`},
		{"transform", "badtype", abi.CodeAdapterBadOutput, `unknown event type "telepathy"`},
		{"transform", "badcode", abi.CodeAdapterBadOutput, `unknown error code "not_a_code"`},
		{"map_error", "hello", abi.CodeAdapterBadOutput, "want exactly one error event"},
		{"transform", "refuse", abi.CodeCapabilityUnsupported, "refused on purpose"},
	}
	faults := map[time.Duration]uint64{}
	for _, tt := range tests {
		t.Run(tt.export+"/"+tt.what, func(t *testing.T) {
			d := generous
			if tt.code == abi.CodeAdapterTimeout {
				d = short
			}
			h, echo := hostile[d], echos[d]
			err := calls[tt.export](h, tt.what)
			if tt.code != abi.CodeCapabilityUnsupported {
				faults[d]++
			}
			wantCode(t, err, tt.code, tt.contains)
			// The module keeps serving (the pool refills) and so do others.
			if err := transform(h, "fine"); err != nil {
				t.Fatalf("hostile module after fault: %v", err)
			}
			if err := transform(echo, "fine"); err != nil {
				t.Fatalf("echo module after fault: %v", err)
			}
		})
	}
	for d, m := range hostile {
		if n := Faults(m); n != faults[d] {
			t.Errorf("Faults = %d with CallTimeout %v, want %d (every case but the refusal)", n, d, faults[d])
		}
	}
}

func textOf(t *testing.T, m Module, what string) string {
	t.Helper()
	_, evs, err := m.Transform(context.Background(), chunks(what))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 {
		t.Fatalf("events %v", evs)
	}
	return evs[0].Text
}

// wantServing checks, at the point named by when, that m is not suspended
// and still echoes probe.
func wantServing(t *testing.T, m Module, when, probe string) {
	t.Helper()
	if _, ok := Suspended(m); ok {
		t.Fatalf("suspended %s", when)
	}
	if got := textOf(t, m, probe); got != probe {
		t.Fatalf("%s: %q", when, got)
	}
}

func TestFaultedInstanceNotReused(t *testing.T) {
	e := newEngine(t, Config{PoolSize: 1, Logger: slog.New(slog.DiscardHandler)})
	h := load(t, e, "hostile")
	// Load called wasmadapt_abi_version only; calls counts adapter calls.
	for _, tt := range []struct{ do, want string }{
		{"calls", "1"}, {"calls", "2"}, {"panic", ""}, {"calls", "1"}, {"badjson", ""}, {"calls", "1"}, {"refuse", ""}, {"calls", "3"},
	} {
		if tt.want == "" {
			if _, _, err := h.Transform(context.Background(), chunks(tt.do)); err == nil {
				t.Fatalf("%s: no error", tt.do)
			}
			continue
		}
		if got := textOf(t, h, tt.do); got != tt.want {
			t.Fatalf("after the previous call, calls = %s, want %s", got, tt.want)
		}
	}
}

func TestRecycle(t *testing.T) {
	e := newEngine(t, Config{PoolSize: 1, RecycleMemoryBytes: 1})
	h := load(t, e, "hostile")
	for range 3 {
		if got := textOf(t, h, "calls"); got != "1" {
			t.Fatalf("recycled instance served %s calls, want 1", got)
		}
	}
	if Faults(h) != 0 {
		t.Fatal("recycling counted as a fault")
	}
}

func TestDeterministicEnvironment(t *testing.T) {
	e := newEngine(t, Config{PoolSize: 1, Logger: slog.New(slog.DiscardHandler)})
	h := load(t, e, "hostile")
	want := fmt.Sprintf("env=0 args=0 now=%d rand=", FixedWalltime)
	first := textOf(t, h, "env")
	if !strings.HasPrefix(first, want) {
		t.Fatalf("guest saw %q, want %q followed by the seeded random number", first, want)
	}
	// A fresh instance (after a trap) sees the same.
	h.Transform(context.Background(), chunks("panic"))
	if again := textOf(t, h, "env"); again != first {
		t.Fatalf("fresh instance saw %q, first saw %q", again, first)
	}
}

func TestDeterminismAcrossInstances(t *testing.T) {
	e := newEngine(t, Config{PoolSize: 4})
	m := load(t, e, "echo")
	native := NewNative("echo-native", echoAdapter{})
	in := chunks("héllo", "wörld \u2028 \x00 \"q\"", "")
	in.Flags = abi.FlagEnd
	ref, refEvs, err := native.Transform(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 8 {
				st, evs, err := m.Transform(context.Background(), in)
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(st, ref) || eventsText(evs) != eventsText(refEvs) {
					errs <- fmt.Errorf("wasm output %q %s differs from native %q %s", st, eventsText(evs), ref, eventsText(refEvs))
					return
				}
			}
		}()
	}
	wg.Wait()
	testenv.ReportErrs(t, errs)
}

// captureHandler records log records.
type captureHandler struct {
	mu      sync.Mutex
	records []string
	attrs   []slog.Attr
}

func (h *captureHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *captureHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := r.Level.String() + " " + r.Message
	for _, a := range h.attrs {
		s += " " + a.String()
	}
	r.Attrs(func(a slog.Attr) bool { s += " " + a.String(); return true })
	h.records = append(h.records, s)
	return nil
}
func (h *captureHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &captureView{h, as}
}
func (h *captureHandler) WithGroup(string) slog.Handler { return h }

type captureView struct {
	*captureHandler
	as []slog.Attr
}

func (v *captureView) Handle(ctx context.Context, r slog.Record) error {
	r.AddAttrs(v.as...)
	return v.captureHandler.Handle(ctx, r)
}

func TestGuestStderrReachesLogger(t *testing.T) {
	h := &captureHandler{}
	e := newEngine(t, Config{Logger: slog.New(h)})
	m := load(t, e, "hostile")
	if got := textOf(t, m, "stderr"); got != "ok" {
		t.Fatal(got)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.records {
		if strings.Contains(r, "WARN hostile guest writes to stderr") && strings.Contains(r, "stream=stderr") && strings.Contains(r, "module=hostile") {
			return
		}
	}
	t.Fatalf("no stderr record among %q", h.records)
}

func TestPoolBounded(t *testing.T) {
	// The loop holds the only instance until its deadline, which must
	// outlast the second call's short wait on any machine.
	e := newEngine(t, Config{PoolSize: 1, CallTimeout: 5 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	h := load(t, e, "hostile")
	done := make(chan error)
	go func() { _, _, err := h.Transform(context.Background(), chunks("loop")); done <- err }()
	testenv.Poll(t, "the loop to take the only instance", func() bool { return busy(h) == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _, err := h.Transform(ctx, chunks("x"))
	wantCode(t, err, abi.CodeAdapterTimeout, "no free instance")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%v does not wrap context.DeadlineExceeded", err)
	}
	wantCode(t, <-done, abi.CodeAdapterTimeout, "deadline")
	if got := textOf(t, h, "x"); got != "x" {
		t.Fatal(got)
	}
}

func TestCallerContextDeadline(t *testing.T) {
	// Only the caller's deadline can stop the loop within a minute.
	e := newEngine(t, Config{CallTimeout: 2 * time.Minute, Logger: slog.New(slog.DiscardHandler)})
	h := load(t, e, "hostile")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := h.Transform(ctx, chunks("loop"))
	wantCode(t, err, abi.CodeAdapterTimeout, "context ended")
	if time.Since(start) > time.Minute {
		t.Fatalf("the caller's deadline was not honoured: %v", time.Since(start))
	}
}

func TestModuleClose(t *testing.T) {
	e := newEngine(t, Config{})
	m := load(t, e, "echo")
	if err := m.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, _, err := m.Transform(context.Background(), chunks("x"))
	wantCode(t, err, abi.CodeAdapterTrap, "closed")
}

// Hostile calls mixed with good ones from many goroutines: every call gets
// its own exact result, faults are counted once each, and closing the
// engine leaves no goroutine behind.
func TestConcurrentMixed(t *testing.T) {
	before := runtime.NumGoroutine()
	// Crash-loop suspension off: this test faults on purpose, a dozen
	// times in a row (suspend_test.go tests suspension).
	e, err := New(context.Background(), Config{PoolSize: 2, CacheDir: cacheDir, Logger: slog.New(slog.DiscardHandler),
		Crashes: CrashPolicy{Limit: -1}})
	if err != nil {
		t.Fatal(err)
	}
	h := load(t, e, "hostile")
	want := map[string]abi.Code{"panic": abi.CodeAdapterTrap, "badjson": abi.CodeAdapterBadOutput, "refuse": abi.CodeCapabilityUnsupported, "ok": ""}
	kinds := []string{"panic", "ok", "badjson", "ok", "refuse", "ok"}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 6 {
				what := kinds[(g+i)%len(kinds)]
				_, evs, err := h.Transform(context.Background(), chunks(what))
				if got := abi.CodeOf(err); got != want[what] {
					errs <- fmt.Errorf("%s: got %q (%v), want %q", what, got, err, want[what])
				}
				if what == "ok" && (len(evs) != 1 || evs[0].Text != "ok") {
					errs <- fmt.Errorf("ok: events %v", evs)
				}
			}
		}()
	}
	wg.Wait()
	testenv.ReportErrs(t, errs)
	if n := Faults(h); n != 6*6*2/6 {
		t.Errorf("Faults = %d, want %d", n, 6*6*2/6)
	}
	if err := e.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(waitBound)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("%d goroutines before, %d after Close", before, after)
	}
}

// busy is the number of m's instances in a call (or being started).
func busy(m Module) int { return len(m.(*module).pool.tokens) }

// waitBound bounds every wait for a condition in this package's tests.
const waitBound = 2 * time.Minute
