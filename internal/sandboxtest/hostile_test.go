package sandboxtest

import (
	"context"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
)

// isFault reports whether code is an executor fault, after which the
// instance is discarded and the module's fault counter grows.
func isFault(code abi.Code) bool {
	switch code {
	case abi.CodeAdapterTrap, abi.CodeAdapterTimeout, abi.CodeAdapterMemory, abi.CodeAdapterBadOutput:
		return true
	}
	return false
}

// controlEngine returns an engine of cfg, closed when the test ends, with
// the control module loaded, and a check that the control module still
// answers correctly.
func controlEngine(t *testing.T, cfg engine.Config) (*engine.Engine, func(t *testing.T)) {
	t.Helper()
	e := newEngine(t, cfg)
	control := loadCorpusModule(t, e, "control", "control")
	return e, func(t *testing.T) {
		t.Helper()
		if text, err := callExport(context.Background(), control, "transform", "fine"); err != nil || text != "fine" {
			t.Fatalf("the control module no longer serves: %q, %v", text, err)
		}
	}
}

// TestHostileCorpus runs every case of testdata/hostile against one engine:
// each expectation must fail (or succeed) exactly as expect.json says, a
// fault must discard the instance (the module's fault counter grows by
// one, and the module serves its next call from a fresh instance), and
// after every case a well-behaved module loaded in the same engine must
// still answer correctly.
func TestHostileCorpus(t *testing.T) {
	ctx := context.Background()
	// Two engines: expectations of adapter_timeout run under the short
	// deadline, every other one under a deadline only its fault can beat.
	faultCfg, deadlineCfg := corpusConfig(), deadlineConfig()
	faultEngine, faultServes := controlEngine(t, faultCfg)
	deadlineEngine, deadlineServes := controlEngine(t, deadlineCfg)
	pick := func(code abi.Code) (*engine.Engine, engine.Config, func(*testing.T)) {
		if code == abi.CodeAdapterTimeout {
			return deadlineEngine, deadlineCfg, deadlineServes
		}
		return faultEngine, faultCfg, faultServes
	}
	corpus := loadCorpus(t)
	for _, name := range corpusNames(corpus) {
		c := corpus[name]
		t.Run(name, func(t *testing.T) {
			wasm := corpusWasm(t, name)
			if c.Expect[0].Export == "load" {
				x := c.Expect[0]
				if len(c.Expect) != 1 {
					t.Fatal(`expect.json: a "load" expectation must be the only one`)
				}
				if x.Code == "" {
					t.Fatal(`expect.json: a "load" expectation needs a code`)
				}
				e, cfg, stillServes := pick(x.Code)
				m, err := e.Load(ctx, name, wasm)
				if m != nil {
					m.Close(ctx)
				}
				if err := x.match(err, 0, cfg); err != nil {
					t.Fatalf("load: %v", err)
				}
				stillServes(t)
				return
			}
			mods := map[*engine.Engine]engine.Module{}
			module := func(e *engine.Engine) engine.Module {
				if m := mods[e]; m != nil {
					return m
				}
				m, err := e.Load(ctx, name, wasm)
				if err != nil {
					t.Fatalf("load: %v", err)
				}
				t.Cleanup(func() { m.Close(ctx) })
				mods[e] = m
				return m
			}
			for _, x := range c.Expect {
				if x.Export == "load" {
					t.Fatal(`expect.json: "load" must be the only expectation`)
				}
				e, cfg, stillServes := pick(x.Code)
				m := module(e)
				before := engine.Faults(m)
				if err := x.check(ctx, cfg, m); err != nil {
					t.Error(err)
					continue
				}
				if got := engine.Faults(m) - before; isFault(x.Code) && got != 1 {
					t.Errorf("%s(%q): fault counter grew by %d, want 1 (the instance must be discarded)", x.Export, x.Input, got)
				} else if !isFault(x.Code) && got != 0 {
					t.Errorf("%s(%q): fault counter grew by %d on a call that did not fault", x.Export, x.Input, got)
				}
				if x.After != nil {
					// The same module: after a fault it serves from a fresh
					// instance.
					if err := x.After.check(ctx, cfg, m); err != nil {
						t.Errorf("after %s(%q): %v", x.Export, x.Input, err)
					}
				}
				stillServes(t)
			}
		})
	}
}
