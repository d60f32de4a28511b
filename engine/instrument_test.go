package engine

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// instrumentLoops rewrites a module with the full instrumentation of the
// wazero backend.
func instrumentLoops(wasm []byte) ([]byte, error) { return instrument(wasm, true) }

// spinModule is a hand-assembled module importing sched_yield and exporting
// "spin", an infinite loop: (func (loop (br 0))).
func spinModule(withYield bool) []byte { return spinModuleExporting(withYield, "spin") }

// spinModuleExporting is spinModule with the loop exported as name.
func spinModuleExporting(withYield bool, name string) []byte {
	b := []byte("\x00asm\x01\x00\x00\x00")
	b = append(b, 1, 8, 2, 0x60, 0, 1, 0x7f, 0x60, 0, 0) // types: () -> i32, () -> ()
	fn := byte(0)
	if withYield {
		imp := []byte{1, 22}
		imp = append(imp, "wasi_snapshot_preview1"...)
		imp = append(imp, 11)
		imp = append(imp, "sched_yield"...)
		imp = append(imp, 0, 0)
		b = append(b, 2, byte(len(imp)))
		b = append(b, imp...)
		fn = 1
	}
	b = append(b, 3, 2, 1, 1) // one function of type 1
	b = append(b, 7, byte(4+len(name)), 1, byte(len(name)))
	b = append(b, name...)
	b = append(b, 0, fn)                                           // export
	b = append(b, 10, 9, 1, 7, 0, 0x03, 0x40, 0x0c, 0, 0x0b, 0x0b) // code
	return b
}

func TestInstrumentLoopsStopsSpin(t *testing.T) {
	ctx := context.Background()
	wasm, err := instrumentLoops(spinModule(true))
	if err != nil {
		t.Fatal(err)
	}
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	yields := 0
	stop := errors.New("stop")
	cfg := wazero.NewModuleConfig().WithOsyield(func() {
		yields++
		if yields == 3 {
			panic(stop)
		}
	})
	mod, err := rt.InstantiateWithConfig(ctx, wasm, cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = mod.ExportedFunction("spin").Call(ctx)
	if err == nil {
		t.Fatalf("spin returned %v", err)
	}
	if yields != 3 {
		t.Fatalf("sched_yield called %d times, want 3", yields)
	}
}

func TestInstrumentLoopsRefuses(t *testing.T) {
	for name, in := range map[string][]byte{
		"no sched_yield": spinModule(false),
		"not wasm":       []byte("hello"),
		"truncated":      spinModule(true)[:30],
	} {
		if _, err := instrumentLoops(in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzInstrumentLoops(f *testing.F) {
	f.Add(spinModule(true))
	f.Add(spinModule(false))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, deadline := range []bool{true, false} {
			instrument(b, deadline) // must not panic or hang
		}
	})
}

func TestInitializeDeadline(t *testing.T) {
	ctx := context.Background()
	cfg := initDeadlineConfig()
	cfg.withDefaults()
	be, err := newWazeroBackend(ctx, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer be.close(ctx)
	wasm, err := instrumentLoops(spinModuleExporting(true, "_initialize"))
	if err != nil {
		t.Fatal(err)
	}
	cm, err := be.compile(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	wantInitializeDeadline(t, be, cm, &cfg)
}

// initDeadlineConfig is the Config of the _initialize deadline tests.
// _initialize runs under InitTimeout, not CallTimeout: only the former can
// stop it within the minute the test allows.
func initDeadlineConfig() Config {
	return Config{InitTimeout: 200 * time.Millisecond, CallTimeout: 10 * time.Minute, Logger: slog.New(slog.DiscardHandler)}
}

// wantInitializeDeadline checks that a slot of cm, whose _initialize never
// returns, fails with adapter_timeout at cfg's InitTimeout, well within a
// minute.
func wantInitializeDeadline(t *testing.T, be backend, cm compiledModule, cfg *Config) {
	t.Helper()
	m := newModule("spin", "", cfg)
	start := time.Now()
	_, err := newWasmSlot(context.Background(), m, cm, true, cfg.Logger, be.memoryLimitBytes())
	wantCode(t, err, abi.CodeAdapterTimeout, "_initialize ran past the 200ms deadline")
	if d := time.Since(start); d > time.Minute {
		t.Fatalf("stopping _initialize took %v", d)
	}
}

// watModule compiles WebAssembly text with wat2wasm (flags first), or
// skips the test when wat2wasm is missing.
func watModule(t testing.TB, wat string, flags ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath("wat2wasm"); err != nil {
		t.Skip("wat2wasm is missing (Debian package wabt)")
	}
	dir := t.TempDir()
	src, out := filepath.Join(dir, "m.wat"), filepath.Join(dir, "m.wasm")
	if err := os.WriteFile(src, []byte(wat), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("wat2wasm", append(flags, src, "-o", out)...).CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wasiRuntime is a wazero runtime with WASI, closed when the test ends.
func wasiRuntime(tb testing.TB) wazero.Runtime {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	tb.Cleanup(func() { rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	return rt
}

const yieldImport = `(import "wasi_snapshot_preview1" "sched_yield" (func $y (result i32)))`

// TestInstrumentRefuses: every reference the rewriter's own additions
// could satisfy, and every shape past a load-time cap, is refused.
func TestInstrumentRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
		flags            []string
	}{
		{"global.set past the module's globals", `(func (global.set 0 (i32.const 1)))`, "reference to global 0", []string{"--no-check"}},
		{"global.get past the module's globals", `(global i32 (i32.const 0)) (func (drop (global.get 1)))`, "reference to global 1", []string{"--no-check"}},
		{"exported appended global", `(export "g" (global 0))`, "reference to global 0", []string{"--no-check"}},
		{"call past the module's functions", `(func (call 5))`, "reference to function 5", []string{"--no-check"}},
		{"ref.func in an element", `(table 1 funcref) (elem (i32.const 0) func 7)`, "reference to function 7", []string{"--no-check"}},
		{"start past the functions", `(start 3)`, "reference to function 3", []string{"--no-check"}},
		{"call_indirect type past the types", `(table 1 funcref) (func (call_indirect (type 9) (i32.const 0)))`, "reference to type 9", []string{"--no-check"}},
		{"reserved export name", `(global i32 (i32.const 0)) (export "wasmadapt:sandbox" (global 0))`, "reserved", nil},
		{"table over the cap", `(table 131073 funcref)`, "over the host's cap", nil},
		{"too many tables", `(table 0 funcref) (table 0 funcref) (table 0 funcref) (table 0 funcref) (table 0 funcref)`, "5 tables", nil},
		{"tail call", `(func $f) (func (return_call $f))`, "tail calls", []string{"--enable-tail-call"}},
		{"too many locals", `(func (local i32) (local i64) (local ` + strings.Repeat("i32 ", 50000) + `))`, "locals", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wasm := watModule(t, "(module "+yieldImport+" "+tc.body+")", tc.flags...)
			for _, deadline := range []bool{true, false} {
				_, err := instrument(wasm, deadline)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("deadline %v: error %v, want one mentioning %q", deadline, err, tc.want)
				}
			}
		})
	}
}

// TestInstrumentCaps runs rewritten modules in wazero: a recursion past the
// call-stack cap traps with flagStackCap set, one within it returns with
// the depth counter back at zero (returns inside blocks included), and a
// table.grow past the table cap traps with flagTableCap set.
func TestInstrumentCaps(t *testing.T) {
	ctx := context.Background()
	wasm := watModule(t, `(module `+yieldImport+`
		(table $t 1 funcref)
		(func $down (export "down") (param $n i32) (result i32)
			(block (br_if 0 (local.get $n)) (return (i32.const 7)))
			(call $down (i32.sub (local.get $n) (i32.const 1))))
		(func (export "grow") (param $n i32) (result i32)
			(table.grow $t (ref.null func) (local.get $n))))`)
	rewritten, err := instrument(wasm, true)
	if err != nil {
		t.Fatal(err)
	}
	rt := wasiRuntime(t)
	for _, tc := range []struct {
		fn       string
		arg      uint64
		wantFlag uint64
		want     uint64
	}{
		{"down", 1000, 0, 7},
		{"down", maxStackUnits + 1, flagStackCap, 0},
		{"grow", 10, 0, 1},
		{"grow", maxTableElements, flagTableCap, 0},
		{"grow", 0xfffffff0, flagTableCap, 0},
	} {
		mod, err := rt.InstantiateWithConfig(ctx, rewritten, wazero.NewModuleConfig().WithName(""))
		if err != nil {
			t.Fatal(err)
		}
		res, err := mod.ExportedFunction(tc.fn).Call(ctx, tc.arg)
		flags := mod.ExportedGlobal(sandboxExport).Get()
		if tc.wantFlag != 0 {
			if err == nil || flags&tc.wantFlag == 0 {
				t.Errorf("%s(%d): %v, flags %b: want a trap with flag %b", tc.fn, tc.arg, err, flags, tc.wantFlag)
			}
		} else if err != nil || res[0] != tc.want {
			t.Errorf("%s(%d) = %v, %v: want %d", tc.fn, tc.arg, res, err, tc.want)
		}
		mod.Close(ctx)
	}
}

// BenchmarkRewrite measures what the rewriter's instrumentation costs in
// wazero: a recursive fib(20) (21,891 function entries per op, no loop)
// and a loop of 1000 memory.copy of 64 bytes, plain (instrument without
// deadline leaves them as they are) and fully instrumented.
func BenchmarkRewrite(b *testing.B) {
	ctx := context.Background()
	wasm := watModule(b, `(module `+yieldImport+` (memory 1)
		(func $fib (export "fib") (param $n i32) (result i32)
			(if (result i32) (i32.lt_u (local.get $n) (i32.const 2)) (then (local.get $n))
			(else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1))) (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
		(func (export "copy") (param $n i32) (result i32)
			(loop $l (memory.copy (i32.const 0) (i32.const 64) (i32.const 64))
				(br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
			(i32.const 0)))`)
	rt := wasiRuntime(b)
	for _, fn := range []struct {
		name string
		arg  uint64
	}{{"fib", 20}, {"copy", 1000}} {
		for _, full := range []bool{false, true} {
			name := fn.name + "/plain"
			if full {
				name = fn.name + "/instrumented"
			}
			b.Run(name, func(b *testing.B) {
				w, err := instrument(wasm, full)
				if err != nil {
					b.Fatal(err)
				}
				mod, err := rt.InstantiateWithConfig(ctx, w, wazero.NewModuleConfig().WithName(""))
				if err != nil {
					b.Fatal(err)
				}
				defer mod.Close(ctx)
				f := mod.ExportedFunction(fn.name)
				for b.Loop() {
					if _, err := f.Call(ctx, fn.arg); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestDeepStackRecycled: on wazero, which keeps a grown call stack with
// the instance, a call that went deeper than deepStackUnits but returned
// normally retires its instance; a shallow call keeps it.
func TestDeepStackRecycled(t *testing.T) {
	if b := os.Getenv("WASMADAPT_BACKEND"); b != "" && b != "wazero" {
		t.Skip("wasmtime's call stack is not kept with the instance")
	}
	wasm := watModule(t, `(module `+yieldImport+`
		(memory (export "memory") 1)
		(data (i32.const 4104) "\00\00\00\00\00")
		(func $down (param $n i32)
			(if (local.get $n) (then (call $down (i32.sub (local.get $n) (i32.const 1))))))
		(func (export "wasmadapt_abi_version") (result i32) (i32.const 0x010000))
		(func (export "wasmadapt_alloc") (param i32) (result i32) (i32.const 0))
		(func (export "wasmadapt_capabilities") (param i32 i32) (result i64) (i64.const 0))
		(func (export "wasmadapt_project") (param i32 i32) (result i64) (i64.const 0))
		(func (export "wasmadapt_transform") (param i32 i32) (result i64)
			;; an input over 500 bytes: 30,000 frames; a shorter one: 100.
			(call $down (select (i32.const 30000) (i32.const 100) (i32.gt_u (local.get 1) (i32.const 500))))
			(i64.const 0x0000100800000005))
		(func (export "wasmadapt_parse_response") (param i32 i32) (result i64) (i64.const 0))
		(func (export "wasmadapt_map_error") (param i32 i32) (result i64) (i64.const 0)))`)
	e := newEngine(t, Config{PoolSize: 1, Backend: "wazero"})
	m, err := e.Load(context.Background(), "deep", wasm)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		input string
		idle  int
	}{{"shallow", 1}, {strings.Repeat("deep", 200), 0}, {"shallow", 1}} {
		in := &abi.TransformInput{Chunks: []abi.Chunk{{Data: []byte(tc.input)}}}
		if _, _, err := m.Transform(context.Background(), in); err != nil {
			t.Fatalf("%d bytes of input: %v", len(tc.input), err)
		}
		if got := InstanceStats(m).Idle; got != tc.idle {
			t.Errorf("after a call with %d bytes of input: %d idle instances, want %d", len(tc.input), got, tc.idle)
		}
	}
}
