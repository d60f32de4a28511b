//go:build wasmtime

package engine

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/bytecodealliance/wasmtime-go/v39"

	"github.com/wasmadapt/wasmadapt/abi"
)

// The whole engine suite runs against wasmtime with
//
//	WASMADAPT_BACKEND=wasmtime go test -tags wasmtime ./engine/
//
// (make test-wasmtime). The tests here are the ones specific to the
// backend seam: selection, and agreement between the two runtimes.

func TestBackendSelection(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		backend, env string
		want         string // type of the backend, "" for an error
	}{
		{"wasmtime", "", "*engine.wasmtimeBackend"},
		{"wazero", "wasmtime", "*engine.wazeroBackend"},
		{"", "wasmtime", "*engine.wasmtimeBackend"},
		{"", "wazero", "*engine.wazeroBackend"},
		{"v8", "", ""},
	} {
		t.Run(tt.backend+"/"+tt.env, func(t *testing.T) {
			t.Setenv("WASMADAPT_BACKEND", tt.env)
			e, err := New(ctx, Config{Backend: tt.backend, Logger: slog.New(slog.DiscardHandler)})
			if tt.want == "" {
				if err == nil || !strings.Contains(err.Error(), "not compiled into this binary") {
					t.Fatalf("New(%q) = %v, want a not-compiled-in error", tt.backend, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close(ctx)
			if got := typeName(e.be); got != tt.want {
				t.Fatalf("backend %s, want %s", got, tt.want)
			}
		})
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *wasmtimeBackend:
		return "*engine.wasmtimeBackend"
	case *wazeroBackend:
		return "*engine.wazeroBackend"
	}
	return "?"
}

// TestBackendsAgree runs the same calls on both runtimes: the guest's view
// of the environment (clock, random, args, env) and its output are equal.
func TestBackendsAgree(t *testing.T) {
	ctx := context.Background()
	var texts [2][]string
	for i, name := range []string{"wazero", "wasmtime"} {
		e := newEngine(t, Config{Backend: name, PoolSize: 1, Logger: slog.New(slog.DiscardHandler)})
		h := load(t, e, "hostile")
		echo := load(t, e, "echo")
		texts[i] = append(texts[i], textOf(t, h, "env"), textOf(t, h, "calls"), textOf(t, echo, "héllo \u2028"))
		st, err := SelfTest(ctx, echo)
		if err != nil {
			t.Fatal(err)
		}
		texts[i] = append(texts[i], string(st))
	}
	for j := range texts[0] {
		if texts[0][j] != texts[1][j] {
			t.Errorf("call %d: wazero %q, wasmtime %q", j, texts[0][j], texts[1][j])
		}
	}
}

// TestWasmtimeInitializeDeadline: an _initialize that never returns (and
// never calls the host: nothing but the epoch can stop it) ends in
// adapter_timeout.
func TestWasmtimeInitializeDeadline(t *testing.T) {
	wasm, err := wasmtime.Wat2Wasm(`(module
		(memory (export "memory") 1)
		(func (export "_initialize") (loop (br 0))))`)
	if err != nil {
		t.Fatal(err)
	}
	cfg := initDeadlineConfig()
	be, cm := wasmtimeCompile(t, &cfg, wasm)
	wantInitializeDeadline(t, be, cm, &cfg)
}

// TestWasmtimeCache: a second backend on the same cache directory
// deserializes the compiled code instead of compiling, and the module
// works.
func TestWasmtimeCache(t *testing.T) {
	dir := t.TempDir()
	var loads [2]time.Duration
	for i := range loads {
		e := newEngine(t, Config{Backend: "wasmtime", CacheDir: dir, Logger: slog.New(slog.DiscardHandler)})
		start := time.Now()
		m := load(t, e, "echo")
		loads[i] = time.Since(start)
		if got := textOf(t, m, "cached"); got != "cached" {
			t.Fatalf("echo said %q", got)
		}
	}
	if loads[1] >= loads[0] {
		t.Fatalf("load with a warm cache took %v, cold %v: the cache was not used", loads[1], loads[0])
	}
}

// TestWasmtimeRawMatchesAPI checks the C hot path (wasmtime_cgo.go, which
// declares wasmtime's struct layouts itself) against wasmtime-go's own
// API on a live instance: the same call result and the same memory.
func TestWasmtimeRawMatchesAPI(t *testing.T) {
	e := newEngine(t, Config{Backend: "wasmtime", PoolSize: 1})
	m := load(t, e, "echo").(*module)
	w, err := m.pool.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer m.pool.release(w, false)
	inst := w.s.(*wasmSlot).inst.(*wasmtimeInstance)
	want, err := inst.fns[expABIVersion].Call(inst.store)
	if err != nil {
		t.Fatal(err)
	}
	got, err := inst.call(context.Background(), expABIVersion)
	if err != nil || uint32(got) != uint32(want.(int32)) {
		t.Fatalf("raw call = %#x, %v; wasmtime-go Call = %#x", got, err, want)
	}
	if got, want := inst.memorySize(), uint64(inst.mem.DataSize(inst.store)); got != want || got == 0 {
		t.Fatalf("raw memory size %d, wasmtime-go %d", got, want)
	}
	api := inst.mem.UnsafeData(inst.store)
	if !inst.write(16, []byte("wasmadapt")) || string(api[16:25]) != "wasmadapt" {
		t.Fatal("a raw write is not visible through wasmtime-go's view of the same memory")
	}
	if v, ok := inst.read(uint32(len(api))-4, 4); !ok || len(v) != 4 {
		t.Fatal("raw read of the last 4 bytes failed")
	}
	if _, ok := inst.read(uint32(len(api))-4, 5); ok {
		t.Fatal("raw read past the end succeeded")
	}
}

// TestWasmtimeWASIHostileArgs: the host-implemented WASI functions answer
// out-of-range pointers and overflowing counts with an errno (EFAULT 21,
// EINVAL 28, EBADF 8) instead of failing the host. The module's
// _initialize checks each answer and traps on a wrong one.
func TestWasmtimeWASIHostileArgs(t *testing.T) {
	ctx := context.Background()
	wasm, err := wasmtime.Wat2Wasm(`(module
		(import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
		(import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
		(import "wasi_snapshot_preview1" "random_get" (func $rand (param i32 i32) (result i32)))
		(import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
		(memory (export "memory") 1)
		(func $want (param i32 i32) (if (i32.ne (local.get 0) (local.get 1)) (then unreachable)))
		(func (export "_initialize")
			;; 0x05555556 subscriptions: 48 * n overflows 32 bits
			(call $want (call $poll (i32.const 0) (i32.const 0) (i32.const 0x05555556) (i32.const 0)) (i32.const 21))
			(call $want (call $poll (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)) (i32.const 28))
			;; 0x20000001 iovecs: 8 * n overflows 32 bits
			(call $want (call $write (i32.const 1) (i32.const 0) (i32.const 0x20000001) (i32.const 0)) (i32.const 21))
			(call $want (call $write (i32.const 7) (i32.const 0) (i32.const 1) (i32.const 0)) (i32.const 8))
			(call $want (call $rand (i32.const 65530) (i32.const 100)) (i32.const 21))
			(call $want (call $rand (i32.const -1) (i32.const -1)) (i32.const 21))
			(call $want (call $clock (i32.const 0) (i64.const 0) (i32.const 65532)) (i32.const 21))
			(call $want (call $clock (i32.const 9) (i64.const 0) (i32.const 0)) (i32.const 28))
			(call $want (call $clock (i32.const 0) (i64.const 0) (i32.const 8)) (i32.const 0))
			(if (i64.ne (i64.load (i32.const 8)) (i64.const 946684800000000000)) (then unreachable))))`)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Logger: slog.New(slog.DiscardHandler)}
	be, cm := wasmtimeCompile(t, &cfg, wasm)
	s, err := newWasmSlot(ctx, newModule("hostile-args", "", &cfg), cm, true, cfg.Logger, be.memoryLimitBytes())
	if err != nil {
		t.Fatalf("a WASI call answered wrongly: %v", err)
	}
	s.close(ctx)
}

// TestWasmtimeTickerSleepsWhenIdle: an idle engine's epoch ticker sleeps,
// and a call that starts then still has its deadline enforced.
func TestWasmtimeTickerSleepsWhenIdle(t *testing.T) {
	const timeout = 300 * time.Millisecond
	e := newEngine(t, Config{Backend: "wasmtime", PoolSize: 1, CallTimeout: timeout, Logger: slog.New(slog.DiscardHandler)})
	h := load(t, e, "hostile")
	be := e.be.(*wasmtimeBackend)
	for start := time.Now(); !be.sleeping.Load(); time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatal("the ticker never went to sleep on an idle engine")
		}
	}
	start := time.Now()
	_, _, err := h.Transform(context.Background(), chunks("loop"))
	wantCode(t, err, abi.CodeAdapterTimeout, "ran past")
	if d := time.Since(start); d > timeout+time.Second {
		t.Fatalf("the loop was stopped after %v, deadline %v", d, timeout)
	}
	if got := textOf(t, h, "fine"); got != "fine" {
		t.Fatalf("after the timeout the module said %q", got)
	}
}

// wasmtimeCompile compiles wasm on a new wasmtime backend configured by
// cfg (its defaults applied in place); both are closed when the test ends.
func wasmtimeCompile(t *testing.T, cfg *Config, wasm []byte) (*wasmtimeBackend, compiledModule) {
	t.Helper()
	ctx := context.Background()
	cfg.withDefaults()
	be, err := newWasmtimeBackend(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.close(ctx) })
	cm, err := be.compile(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cm.close(ctx) })
	return be, cm
}
