package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/wasmadapt/wasmadapt/abi"
)

// The deterministic environment every guest sees.
const (
	// FixedWalltime is the wall clock every guest reads, in seconds since
	// the Unix epoch: 2000-01-01T00:00:00Z. It never advances.
	FixedWalltime int64 = 946684800
	// FixedNanotime is the monotonic clock every guest reads, in
	// nanoseconds: one second. It never advances, so a guest that sleeps
	// or waits on a timer never wakes up and ends in adapter_timeout.
	FixedNanotime int64 = 1_000_000_000
	// RandomSeed seeds the random source of every guest. Each random_get
	// call returns the same bytes: the first n bytes of a splitmix64
	// stream from RandomSeed.
	RandomSeed uint64 = 0x7761736d61646170 // "wasmadap"
)

// errInterrupted unwinds an instrumented guest whose deadline passed.
var errInterrupted = errors.New("call interrupted: deadline passed")

// exitCodeInterrupted is the exit code the watchdog closes an instance with.
const exitCodeInterrupted = 0xdead_0001

// seededRand is a stateless io.Reader: every Read fills p from the same
// splitmix64 stream, so the bytes a guest gets never depend on its history
// or on which instance serves it. It is safe for concurrent use. When stop
// is set, a Read checks it every randCheckBytes and unwinds the guest
// (panics with errInterrupted) once the call's deadline has passed.
type seededRand struct{ stop func() bool }

// randCheckBytes is how many random bytes a Read fills between two
// deadline checks (about a millisecond of work).
const randCheckBytes = 1 << 20

func (s seededRand) Read(p []byte) (int, error) {
	x := RandomSeed
	for i := 0; i < len(p); i += 8 {
		if i%randCheckBytes == 0 && s.stop != nil && s.stop() {
			panic(errInterrupted)
		}
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31
		for j := 0; j < 8 && i+j < len(p); j++ {
			p[i+j] = byte(z >> (8 * j))
		}
	}
	return len(p), nil
}

type wazeroBackend struct {
	rt       wazero.Runtime
	cache    wazero.CompilationCache
	limit    uint64
	modCfg   wazero.ModuleConfig
	deadline deadlineMode
}

func newWazeroBackend(ctx context.Context, cfg *Config) (*wazeroBackend, error) {
	pages := uint32(cfg.MemoryLimitBytes / 65536)
	if pages == 0 {
		pages = 1
	}
	rc := wazero.NewRuntimeConfigCompiler().
		WithMemoryLimitPages(pages).
		// wazero's own termination checks (a call into Go at every
		// loop header) only for the modes that rely on them.
		WithCloseOnContextDone(cfg.deadline == deadlineWatchdog || cfg.deadline == deadlineContext)
	var cache wazero.CompilationCache
	if cfg.CacheDir != "" {
		c, err := wazero.NewCompilationCacheWithDir(cfg.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("engine: compilation cache in %s: %w (check the directory is writable)", cfg.CacheDir, err)
		}
		cache = c
		rc = rc.WithCompilationCache(c)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("engine: instantiate WASI: %w", err)
	}
	walltime := func() (int64, int32) { return FixedWalltime, 0 }
	nanotime := func() int64 { return FixedNanotime }
	modCfg := wazero.NewModuleConfig().
		WithName(""). // anonymous: many instances of one module coexist
		WithStartFunctions().
		WithWalltime(walltime, sys.ClockResolution(1)).
		WithNanotime(nanotime, sys.ClockResolution(1)).
		WithNanosleep(func(int64) {}).
		WithOsyield(func() {}).
		WithRandSource(seededRand{})
	return &wazeroBackend{rt: rt, cache: cache, limit: uint64(pages) * 65536, modCfg: modCfg, deadline: cfg.deadline}, nil
}

func (b *wazeroBackend) memoryLimitBytes() uint64 { return b.limit }

func (b *wazeroBackend) close(ctx context.Context) error {
	err := b.rt.Close(ctx)
	if b.cache != nil {
		if e := b.cache.Close(ctx); err == nil {
			err = e
		}
	}
	return err
}

func (b *wazeroBackend) compile(ctx context.Context, wasm []byte) (compiledModule, error) {
	cm, err := b.rt.CompileModule(ctx, wasm)
	if err != nil {
		return nil, err
	}
	return &wazeroCompiled{b: b, cm: cm}, nil
}

type wazeroCompiled struct {
	b  *wazeroBackend
	cm wazero.CompiledModule
}

func convTypes(ts []api.ValueType) []valType {
	return valTypes(ts, func(t api.ValueType) api.ValueType { return t },
		[4]api.ValueType{api.ValueTypeI32, api.ValueTypeI64, api.ValueTypeF32, api.ValueTypeF64})
}

func sigOf(d api.FunctionDefinition) funcSig {
	return funcSig{params: convTypes(d.ParamTypes()), results: convTypes(d.ResultTypes())}
}

func (c *wazeroCompiled) imports() []importDef {
	var out []importDef
	for _, d := range c.cm.ImportedFunctions() {
		mod, name, _ := d.Import()
		out = append(out, importDef{module: mod, name: name, sig: sigOf(d)})
	}
	return out
}

func (c *wazeroCompiled) importsNonFunc() []string {
	var out []string
	for _, m := range c.cm.ImportedMemories() {
		mod, name, _ := m.Import()
		out = append(out, mod+"."+name+" (memory)")
	}
	return out
}

func (c *wazeroCompiled) exports() map[string]funcSig {
	out := map[string]funcSig{}
	for name, d := range c.cm.ExportedFunctions() {
		out[name] = sigOf(d)
	}
	return out
}

func (c *wazeroCompiled) exportsMemory() bool {
	_, ok := c.cm.ExportedMemories()["memory"]
	return ok
}

func (c *wazeroCompiled) close(ctx context.Context) error { return c.cm.Close(ctx) }

var exportNames = [numExports]string{
	expABIVersion:    abi.ExportABIVersion,
	expAlloc:         abi.ExportAlloc,
	expCapabilities:  abi.ExportCapabilities,
	expProject:       abi.ExportProject,
	expTransform:     abi.ExportTransform,
	expParseResponse: abi.ExportParseResponse,
	expMapError:      abi.ExportMapError,
	expSelfTest:      abi.ExportSelfTest,
	expProjectOp:     abi.ExportProjectOp,
	expParseOp:       abi.ExportParseOp,
	expTextTemplates: abi.ExportTextTemplates,
}

func (c *wazeroCompiled) instantiate(ctx context.Context, cfg instanceConfig) (instance, error) {
	inst := &wazeroInstance{instrumented: c.b.deadline == deadlineInstrument}
	stop := func() bool { return inst.interrupted.Load() || (cfg.interrupted != nil && cfg.interrupted()) }
	mc := c.b.modCfg.WithStdout(cfg.stdout).WithStderr(cfg.stderr).WithStartFunctions(cfg.start...).
		WithOsyield(func() {
			if stop() {
				panic(errInterrupted)
			}
		}).
		WithRandSource(seededRand{stop: stop})
	mod, err := c.b.rt.InstantiateModule(ctx, c.cm, mc)
	if err != nil {
		return nil, classifyWazero(err, inst)
	}
	inst.mod = mod
	inst.mem = mod.ExportedMemory("memory")
	if inst.mem == nil {
		mod.Close(ctx)
		return nil, errors.New(`module does not export its linear memory as "memory"`)
	}
	for i, name := range exportNames {
		inst.fns[i] = mod.ExportedFunction(name)
	}
	inst.flags = mod.ExportedGlobal(sandboxExport)

	return inst, nil
}

type wazeroInstance struct {
	mod         api.Module
	mem         api.Memory
	fns         [numExports]api.Function
	stack       [2]uint64
	interrupted atomic.Bool
	// instrumented: the module's loops and function entries call
	// sched_yield regularly (instrument), and interrupt works through it.
	instrumented bool
	// flags is the rewriter's sandbox flags global (instrument), nil
	// when the module was not rewritten.
	flags api.Global
}

// sandboxFlags reads the flags global (0 when there is none).
func (w *wazeroInstance) sandboxFlags() uint32 {
	if w.flags == nil {
		return 0
	}
	return uint32(w.flags.Get())
}

// stackGrew reports whether a call went deeper than deepStackUnits: wazero
// keeps each export's grown call stack, so the instance is retired.
func (w *wazeroInstance) stackGrew() bool { return w.sandboxFlags()&flagDeepStack != 0 }

func (w *wazeroInstance) has(fn exportID) bool { return w.fns[fn] != nil }

func (w *wazeroInstance) call(ctx context.Context, fn exportID, args ...uint64) (uint64, error) {
	f := w.fns[fn]
	if f == nil {
		return 0, &fault{kind: faultTrap, err: fmt.Errorf("export %s is missing", exportNames[fn])}
	}
	copy(w.stack[:], args)
	if err := f.CallWithStack(ctx, w.stack[:]); err != nil {
		return 0, classifyWazero(err, w)
	}
	return w.stack[0], nil
}

func classifyWazero(err error, w *wazeroInstance) error {
	if w.interrupted.Load() {
		return &fault{kind: faultInterrupted, err: err}
	}
	var ee *sys.ExitError
	if errors.As(err, &ee) {
		switch ee.ExitCode() {
		case sys.ExitCodeDeadlineExceeded, sys.ExitCodeContextCanceled:
			return &fault{kind: faultInterrupted, exitCode: ee.ExitCode(), err: err}
		}
		return &fault{kind: faultExit, exitCode: ee.ExitCode(), err: err}
	}
	if strings.Contains(err.Error(), "wasm error: stack overflow") { // wazero's own ceiling (400 MB)
		return &fault{kind: faultTrap, limit: "runtime's call-stack ceiling", err: err}
	}
	return &fault{kind: faultTrap, limit: capName(w.sandboxFlags()), err: err}
}

func (w *wazeroInstance) read(ptr, n uint32) ([]byte, bool) {
	if n == 0 {
		return nil, uint64(ptr) <= uint64(w.mem.Size())
	}
	return w.mem.Read(ptr, n)
}

func (w *wazeroInstance) write(ptr uint32, b []byte) bool { return w.mem.Write(ptr, b) }

func (w *wazeroInstance) memorySize() uint64 { return uint64(w.mem.Size()) }

func (w *wazeroInstance) interrupt() {
	w.interrupted.Store(true)
	if w.instrumented {
		// The guest reaches sched_yield within yieldEvery loop
		// iterations; the instance's osyield then panics, which
		// unwinds the call as an error.
		return
	}
	// Closing the instance sets the flag that the termination checks
	// compiled into every loop header and function entry test; the
	// running call then unwinds with a sys.ExitError. The instance's
	// memory is Go memory, so the caller's view stays valid.
	_ = w.mod.CloseWithExitCode(context.Background(), exitCodeInterrupted)
}

func (w *wazeroInstance) close(ctx context.Context) error { return w.mod.Close(ctx) }
