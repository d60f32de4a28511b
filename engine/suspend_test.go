package engine

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
)

// fakeClock is a settable clock for crashGuard.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newFakeClock() *fakeClock           { return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }
func guardWith(p CrashPolicy, c *fakeClock) *crashGuard {
	g := newCrashGuard(p)
	g.now = c.now
	return g
}

func TestCrashGuard(t *testing.T) {
	clk := newFakeClock()
	g := guardWith(CrashPolicy{Limit: 3, Window: 10 * time.Second, Backoff: time.Second, MaxBackoff: 3 * time.Second}, clk)
	// Faults spread wider than the window never suspend.
	for range 5 {
		if d := g.record("m"); d != 0 {
			t.Fatalf("suspended after faults %v apart", 6*time.Second)
		}
		clk.add(6 * time.Second)
	}
	if g.check() != nil {
		t.Fatal("suspended without a crash loop")
	}
	clk.add(10 * time.Second)
	// Three within the window suspend for the backoff.
	g.record("m")
	g.record("m")
	if d := g.record("m"); d != time.Second {
		t.Fatalf("first suspension %v, want 1s", d)
	}
	err := g.check()
	if abi.CodeOf(err) != abi.CodeAdapterTrap || !strings.Contains(err.Error(), `module "m" suspended after 3 crashes in 10s; retry after 1s`) {
		t.Fatalf("suspension error %v", err)
	}
	// Faults of calls already in flight do not extend it.
	if d := g.record("m"); d != 0 {
		t.Fatal("a fault during the suspension re-suspended")
	}
	clk.add(999 * time.Millisecond)
	if g.check() == nil {
		t.Fatal("suspension ended early")
	}
	clk.add(time.Millisecond)
	if g.check() != nil {
		t.Fatal("suspension did not end after its backoff")
	}
	// Suspended again soon: the backoff doubles, then is capped.
	for _, want := range []time.Duration{2 * time.Second, 3 * time.Second, 3 * time.Second} {
		g.record("m")
		g.record("m")
		if d := g.record("m"); d != want {
			t.Fatalf("suspension %v, want %v", d, want)
		}
		clk.add(want)
	}
	// A whole window without suspension: back to the first backoff.
	clk.add(10 * time.Second)
	g.record("m")
	g.record("m")
	if d := g.record("m"); d != time.Second {
		t.Fatalf("after a quiet window the suspension is %v, want 1s", d)
	}
	// Disabled.
	off := guardWith(CrashPolicy{Limit: -1}, clk)
	for range 100 {
		if off.record("m") != 0 {
			t.Fatal("a disabled policy suspended")
		}
	}
	if off.check() != nil {
		t.Fatal("a disabled policy refused a call")
	}
}

// TestCrashLoopSuspendsModule: a Wasm module that keeps trapping is
// suspended (its calls fail at once, without an instance), another module
// of the same engine is not, and the module serves again after the backoff.
func TestCrashLoopSuspendsModule(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, Config{PoolSize: 1, Logger: slog.New(slog.DiscardHandler),
		Crashes: CrashPolicy{Limit: 3, Window: time.Minute, Backoff: 300 * time.Millisecond}})
	h := load(t, e, "hostile")
	echo := load(t, e, "echo")
	// The suspension's clock is the test's: however slow the calls, the
	// backoff ends when the test says.
	clk := newFakeClock()
	h.(*module).crashes.now = clk.now
	for range 3 {
		_, _, err := h.Transform(ctx, chunks("panic"))
		wantCode(t, err, abi.CodeAdapterTrap, "trapped")
	}
	if _, ok := Suspended(h); !ok {
		t.Fatal("Suspended reports no suspension after the crash loop")
	}
	_, _, err := h.Transform(ctx, chunks("fine"))
	wantCode(t, err, abi.CodeAdapterTrap, "suspended after 3 crashes in 1m0s; retry after 300ms")
	if Faults(h) != 3 {
		t.Fatalf("Faults = %d: a refused call counted as a fault", Faults(h))
	}
	if got := textOf(t, echo, "x"); got != "x" {
		t.Fatalf("another module: %q", got)
	}
	clk.add(300 * time.Millisecond)
	wantServing(t, h, "after the backoff", "fine")
}

// TestRecycleClosesInstance: an instance whose memory passed
// RecycleMemoryBytes is closed (its wazero module reports closed) and
// replaced by a new one.
func TestRecycleClosesInstance(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, Config{PoolSize: 1, RecycleMemoryBytes: 1, Logger: slog.New(slog.DiscardHandler)})
	m := load(t, e, "echo").(*module)
	idle := func() *wazeroInstance {
		t.Helper()
		m.pool.mu.Lock()
		defer m.pool.mu.Unlock()
		if len(m.pool.idle) != 1 {
			t.Fatalf("%d idle instances, want 1", len(m.pool.idle))
		}
		ws, ok := m.pool.idle[0].s.(*wasmSlot)
		if !ok {
			t.Fatalf("idle slot %T, want *wasmSlot", m.pool.idle[0].s)
		}
		inst, ok := ws.inst.(*wazeroInstance)
		if !ok {
			t.Skip("not the wazero backend")
		}
		return inst
	}
	old := idle() // the instance Load created
	if old.mod.IsClosed() {
		t.Fatal("the idle instance is closed")
	}
	if _, _, err := m.Transform(ctx, chunks("x")); err != nil {
		t.Fatal(err)
	}
	if !old.mod.IsClosed() {
		t.Fatal("the recycled instance was not closed")
	}
	m.pool.mu.Lock()
	n := len(m.pool.idle)
	m.pool.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d idle instances after recycling, want 0 (replaced lazily)", n)
	}
	if st := InstanceStats(m); st.Idle != 0 || st.MemoryBytes != 0 {
		t.Fatalf("InstanceStats %+v after recycling", st)
	}
	if _, _, err := m.Transform(ctx, chunks("y")); err != nil {
		t.Fatal(err)
	}
	if Faults(m) != 0 {
		t.Fatal("recycling counted as a fault")
	}
}
