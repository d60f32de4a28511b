package engine

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

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
		instrumentLoops(b) // must not panic or hang
	})
}

func TestInitializeDeadline(t *testing.T) {
	ctx := context.Background()
	// _initialize runs under InitTimeout, not CallTimeout: only the
	// former can stop it within the minute the test allows.
	cfg := Config{InitTimeout: 200 * time.Millisecond, CallTimeout: 10 * time.Minute, Logger: slog.New(slog.DiscardHandler)}
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
	m := newModule("spin", "", &cfg)
	start := time.Now()
	_, err = newWasmSlot(ctx, m, cm, true, cfg.Logger, be.memoryLimitBytes())
	wantCode(t, err, abi.CodeAdapterTimeout, "_initialize ran past the 200ms deadline")
	if d := time.Since(start); d > time.Minute {
		t.Fatalf("stopping _initialize took %v", d)
	}
}
