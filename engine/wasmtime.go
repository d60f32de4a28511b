//go:build wasmtime

package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bytecodealliance/wasmtime-go/v39"
)

// The wasmtime backend: wasmtime-go, Cranelift-compiled native
// code, linked with cgo. Binaries built with -tags wasmtime can select it
// with Config.Backend = "wasmtime" (or WASMADAPT_BACKEND=wasmtime).
//
// The guest sees the same closed, deterministic WASI as under wazero, but
// implemented here as host functions (wasmtime's own WASI cannot fix the
// clock or seed the random source): see wasmtimeWASI.
//
// Deadline: epoch interruption. Cranelift compiles an epoch check into every
// function entry and loop header (a load and a compare against the store's
// deadline, no call out of native code); one goroutine per backend
// increments the engine's epoch every epochTick; each call sets its store's
// deadline to the call's remaining time in ticks, plus a margin of two ticks
// so that the epoch never fires before the engine's per-call timer (the
// timer decides what counts as a timeout; the epoch is what stops the
// guest). A guest past its deadline traps with wasmtime.Interrupt, which is
// reported as adapter_timeout. Modules are not instrumented for the deadline:
// instrument only applies the load-time caps and routes table.grow through
// the table cap; the store's limiter caps tables again, and wasmtime's own
// wasm stack limit (512 KiB) is the call-stack cap.

// epochTick is the period of the epoch ticker: the granularity of the
// deadline.
const epochTick = time.Millisecond

// wasmtimeMaxWasmStack is the wasm stack of one call on the wasmtime
// backend, its call-stack cap (wasmtime's default, set explicitly so that
// SECURITY.md's number holds whatever a later wasmtime defaults to).
const wasmtimeMaxWasmStack = 512 << 10

// wasmtimeCacheTag names the cache files: a wasmtime version and the
// engine settings that change the compiled code.
const wasmtimeCacheTag = "wasmtime-v39.0.1-epoch"

func init() {
	backends["wasmtime"] = func(ctx context.Context, cfg *Config) (backend, error) {
		return newWasmtimeBackend(ctx, cfg)
	}
}

type wasmtimeBackend struct {
	eng      *wasmtime.Engine
	linker   *wasmtime.Linker
	limit    uint64
	timeout  time.Duration
	cacheDir string
	cacheTag string
	stop     chan struct{}
	done     chan struct{}
	once     sync.Once
	// The ticker's view of the calls (enter, exit).
	started  atomic.Uint64
	active   atomic.Int64
	sleeping atomic.Bool
	wake     chan struct{}
}

func newWasmtimeBackend(_ context.Context, cfg *Config) (*wasmtimeBackend, error) {
	pages := cfg.MemoryLimitBytes / 65536
	if pages == 0 {
		pages = 1
	}
	if cfg.CacheDir != "" {
		if err := os.MkdirAll(cfg.CacheDir, 0o755); err != nil {
			return nil, fmt.Errorf("engine: compilation cache in %s: %w (check the directory is writable)", cfg.CacheDir, err)
		}
	}
	// deadlineNone (benchmarks only: the floor that cannot stop a loop)
	// compiles without the epoch checks.
	epochs := cfg.deadline != deadlineNone
	wc := wasmtime.NewConfig()
	wc.SetEpochInterruption(epochs)
	wc.SetMaxWasmStack(wasmtimeMaxWasmStack)
	eng := wasmtime.NewEngineWithConfig(wc)
	b := &wasmtimeBackend{
		eng:      eng,
		limit:    pages * 65536,
		timeout:  cfg.CallTimeout,
		cacheDir: cfg.CacheDir,
		cacheTag: wasmtimeCacheTag,
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		wake:     make(chan struct{}, 1),
	}
	if !epochs {
		b.cacheTag += "-none"
	}
	linker, err := newWasmtimeLinker(eng)
	if err != nil {
		eng.Close()
		return nil, fmt.Errorf("engine: define WASI for wasmtime: %w", err)
	}
	b.linker = linker
	if epochs {
		go b.tick()
	} else {
		close(b.done)
	}
	return b, nil
}

// idleTicks is how many ticks without any call the ticker waits before it
// sleeps until the next call (an idle engine costs no wake-ups).
const idleTicks = 100

// tick advances the engine's epoch once per epochTick of real time while
// calls run, until close. A ticker drops ticks when its goroutine runs late
// (a loaded machine), so each wake-up catches the epoch up with the clock
// instead of counting ticks: deadlines stay in real time. After idleTicks
// without a call it sleeps until enter wakes it, then counts from zero
// again (no catch-up across the sleep, which would fire fresh deadlines).
func (b *wasmtimeBackend) tick() {
	t := time.NewTicker(epochTick)
	defer t.Stop()
	defer close(b.done)
	start := time.Now()
	var epoch int64
	idle, last := 0, b.started.Load()
	for {
		select {
		case <-t.C:
		case <-b.stop:
			return
		}
		for now := int64(time.Since(start) / epochTick); epoch < now; epoch++ {
			b.eng.IncrementEpoch()
		}
		if s := b.started.Load(); s != last || b.active.Load() > 0 {
			last, idle = s, 0
			continue
		}
		if idle++; idle < idleTicks {
			continue
		}
		t.Stop()
		// enter increments started and active, then reads sleeping;
		// this stores sleeping, then reads them: one of the two sees
		// the other, so a call never starts unseen.
		b.sleeping.Store(true)
		if b.active.Load() == 0 && b.started.Load() == last {
			select {
			case <-b.wake:
			case <-b.stop:
				return
			}
		}
		b.sleeping.Store(false)
		select {
		case <-b.wake:
		default:
		}
		t.Reset(epochTick)
		start, epoch, idle, last = time.Now(), 0, 0, b.started.Load()
	}
}

// enter marks a call into the guest as running (the ticker must tick);
// exit marks its end.
func (b *wasmtimeBackend) enter() {
	b.started.Add(1)
	b.active.Add(1)
	if b.sleeping.Load() {
		select {
		case b.wake <- struct{}{}:
		default:
		}
	}
}

func (b *wasmtimeBackend) exit() { b.active.Add(-1) }

// stopsLoops marks a backend that stops running guests itself (epochs), so
// Load rewrites modules only for the caps (instrument without deadline).
func (b *wasmtimeBackend) stopsLoops() {}

func (b *wasmtimeBackend) memoryLimitBytes() uint64 { return b.limit }

func (b *wasmtimeBackend) close(context.Context) error {
	b.once.Do(func() {
		close(b.stop)
		<-b.done
		b.linker.Close()
		b.eng.Close()
	})
	return nil
}

// ticks is the epoch deadline of a call starting now under ctx, and
// whether the caller's deadline is the shorter one.
func (b *wasmtimeBackend) ticks(ctx context.Context) (n uint64, callerBound bool) {
	return b.ticksWithin(ctx, b.timeout)
}

// ticksWithin is ticks for a deadline d instead of CallTimeout.
func (b *wasmtimeBackend) ticksWithin(ctx context.Context, d time.Duration) (n uint64, callerBound bool) {
	if dl, ok := ctx.Deadline(); ok {
		if u := time.Until(dl); u < d {
			d, callerBound = u, true
		}
	}
	if d <= 0 {
		return 1, callerBound
	}
	return uint64((d+epochTick-1)/epochTick) + 2, callerBound
}

// arm sets the store's epoch deadline for a start function (deadline d,
// Config.InitTimeout) beginning now.
func (w *wasmtimeInstance) arm(ctx context.Context, d time.Duration) {
	n, bound := w.b.ticksWithin(ctx, d)
	w.callerBound = bound
	w.store.SetEpochDeadline(n)
}

// compile compiles with Cranelift, or deserializes the code a previous
// compile of the same bytes left in the cache directory.
func (b *wasmtimeBackend) compile(_ context.Context, wasm []byte) (compiledModule, error) {
	var path string
	if b.cacheDir != "" {
		sum := sha256.Sum256(wasm)
		path = filepath.Join(b.cacheDir, b.cacheTag+"-"+hex.EncodeToString(sum[:])+".cwasm")
		if m, err := wasmtime.NewModuleDeserializeFile(b.eng, path); err == nil {
			if err := b.checkMemoryMin(m); err != nil {
				return nil, err
			}
			return newWasmtimeCompiled(b, m), nil
		}
	}
	m, err := wasmtime.NewModule(b.eng, wasm)
	if err != nil {
		return nil, err
	}
	if err := b.checkMemoryMin(m); err != nil {
		return nil, err
	}
	if path != "" {
		// Best effort: a cache that cannot be written only costs time.
		if ser, err := m.Serialize(); err == nil {
			tmp, err := os.CreateTemp(b.cacheDir, ".tmp-*.cwasm")
			if err == nil {
				_, werr := tmp.Write(ser)
				cerr := tmp.Close()
				if werr != nil || cerr != nil || os.Rename(tmp.Name(), path) != nil {
					os.Remove(tmp.Name())
				}
			}
		}
	}
	return newWasmtimeCompiled(b, m), nil
}

// checkMemoryMin refuses, as wazero does at compile time, a module whose
// memory's minimum size is over the cap (closing it), instead of failing
// at instantiation.
func (b *wasmtimeBackend) checkMemoryMin(m *wasmtime.Module) error {
	for _, et := range m.Exports() {
		if mt := et.Type().MemoryType(); mt != nil && mt.Minimum()*65536 > b.limit {
			m.Close()
			return fmt.Errorf("memory %q has a minimum of %d pages, over the limit of %d pages (Config.MemoryLimitBytes)", et.Name(), mt.Minimum(), b.limit/65536)
		}
	}
	return nil
}

type wasmtimeCompiled struct {
	b       *wasmtimeBackend
	m       *wasmtime.Module
	imps    []importDef
	other   []string
	exps    map[string]funcSig
	hasMem  bool
	closeMu sync.Once
}

func wasmtimeTypes(ts []*wasmtime.ValType) []valType {
	return valTypes(ts, (*wasmtime.ValType).Kind,
		[4]wasmtime.ValKind{wasmtime.KindI32, wasmtime.KindI64, wasmtime.KindF32, wasmtime.KindF64})
}

func wasmtimeSig(ft *wasmtime.FuncType) funcSig {
	return funcSig{params: wasmtimeTypes(ft.Params()), results: wasmtimeTypes(ft.Results())}
}

// newWasmtimeCompiled reads the module's imports and exports once.
func newWasmtimeCompiled(b *wasmtimeBackend, m *wasmtime.Module) *wasmtimeCompiled {
	c := &wasmtimeCompiled{b: b, m: m, exps: map[string]funcSig{}}
	for _, it := range m.Imports() {
		name := ""
		if n := it.Name(); n != nil {
			name = *n
		}
		ty := it.Type()
		switch {
		case ty.FuncType() != nil:
			c.imps = append(c.imps, importDef{module: it.Module(), name: name, sig: wasmtimeSig(ty.FuncType())})
		case ty.MemoryType() != nil:
			c.other = append(c.other, it.Module()+"."+name+" (memory)")
		case ty.TableType() != nil:
			c.other = append(c.other, it.Module()+"."+name+" (table)")
		default:
			c.other = append(c.other, it.Module()+"."+name+" (global)")
		}
	}
	for _, et := range m.Exports() {
		ty := et.Type()
		if ft := ty.FuncType(); ft != nil {
			c.exps[et.Name()] = wasmtimeSig(ft)
		} else if ty.MemoryType() != nil && et.Name() == "memory" {
			c.hasMem = true
		}
	}
	return c
}

func (c *wasmtimeCompiled) imports() []importDef        { return c.imps }
func (c *wasmtimeCompiled) importsNonFunc() []string    { return c.other }
func (c *wasmtimeCompiled) exports() map[string]funcSig { return c.exps }
func (c *wasmtimeCompiled) exportsMemory() bool         { return c.hasMem }

func (c *wasmtimeCompiled) close(context.Context) error {
	c.closeMu.Do(c.m.Close)
	return nil
}

func (c *wasmtimeCompiled) instantiate(ctx context.Context, cfg instanceConfig) (instance, error) {
	w := &wasmtimeInstance{b: c.b, stdout: cfg.stdout, stderr: cfg.stderr, interruptedFn: cfg.interrupted}
	if w.stdout == nil {
		w.stdout = io.Discard
	}
	if w.stderr == nil {
		w.stderr = io.Discard
	}
	w.store = wasmtime.NewStoreWithData(c.b.eng, w)
	// The table caps of instrument, again at the store (table.grow past
	// them fails even without the rewritten helper).
	w.store.Limiter(int64(c.b.limit), maxTableElements, -1, maxTables, -1)
	w.arm(ctx, cfg.initTimeout)
	c.b.enter() // the module's start section runs here
	wi, err := c.b.linker.Instantiate(w.store, c.m)
	c.b.exit()
	if err != nil {
		w.store.Close()
		return nil, w.classify(err)
	}
	ext := wi.GetExport(w.store, "memory")
	if ext == nil || ext.Memory() == nil {
		w.store.Close()
		return nil, errors.New(`module does not export its linear memory as "memory"`)
	}
	w.mem = ext.Memory()
	if fx := wi.GetExport(w.store, sandboxExport); fx != nil {
		w.flags = fx.Global()
	}
	for i, name := range exportNames {
		w.fns[i] = wi.GetFunc(w.store, name)
	}
	w.raw = newRawState(w.store, w.mem, &w.fns)
	for _, name := range cfg.start {
		f := wi.GetFunc(w.store, name)
		if f == nil {
			continue
		}
		w.arm(ctx, cfg.initTimeout)
		c.b.enter()
		_, err := f.Call(w.store)
		c.b.exit()
		if err != nil {
			ferr := w.classify(err)
			w.settle(ctx, ferr)
			w.store.Close()
			return nil, ferr
		}
	}
	return w, nil
}

// wasmtimeInstance is one store with one instance in it.
type wasmtimeInstance struct {
	b             *wasmtimeBackend
	store         *wasmtime.Store
	mem           *wasmtime.Memory
	fns           [numExports]*wasmtime.Func
	raw           *rawState // the hot path (wasmtime_cgo.go)
	stdout        io.Writer
	stderr        io.Writer
	interruptedFn func() bool
	interrupted   atomic.Bool
	// flags is the rewriter's sandbox flags global (instrument), nil
	// when the module has no table.grow to cap.
	flags    *wasmtime.Global
	exited   bool
	exitCode uint32
	closed   bool
	// callerBound: the running call's deadline is its context's, which
	// is shorter than CallTimeout.
	callerBound bool
}

func (w *wasmtimeInstance) has(fn exportID) bool { return w.fns[fn] != nil }

// stopped reports that the instance was interrupted or its call's
// deadline has passed: host functions then unwind the guest.
func (w *wasmtimeInstance) stopped() bool {
	return w.interrupted.Load() || (w.interruptedFn != nil && w.interruptedFn())
}

func (w *wasmtimeInstance) call(ctx context.Context, fn exportID, args ...uint64) (uint64, error) {
	f := w.fns[fn]
	if f == nil {
		return 0, &fault{kind: faultTrap, err: fmt.Errorf("export %s is missing", exportNames[fn])}
	}
	if w.interrupted.Load() || (w.interruptedFn != nil && w.interruptedFn()) {
		// The deadline passed in an earlier call of the same guarded
		// sequence (alloc, then the export).
		return 0, &fault{kind: faultInterrupted, err: errors.New("deadline passed")}
	}
	n, bound := w.b.ticks(ctx)
	w.callerBound = bound
	w.b.enter()
	r, rf := w.raw.call(fn, n, args)
	w.b.exit()
	if rf != nil {
		ferr := w.classify(rf)
		w.settle(ctx, ferr)
		return 0, ferr
	}
	return r, nil
}

// settle runs after a call failed: when the epoch stopped the guest, the
// deadline has passed (the epoch is armed two ticks after it), but the
// timers that report it (the engine's per-call timer, the caller's context
// when its deadline was the shorter) may not have run yet on a loaded
// machine. settle waits, boundedly, until they have, so that the failure
// is reported the same way as under wazero.
func (w *wasmtimeInstance) settle(ctx context.Context, err error) {
	var f *fault
	if !errors.As(err, &f) || f.kind != faultInterrupted {
		return
	}
	for i := 0; i < 4000; i++ {
		timer := w.interruptedFn == nil || w.interruptedFn()
		caller := !w.callerBound || ctx.Err() != nil
		if timer && caller {
			return
		}
		time.Sleep(epochTick / 4)
	}
}

// wasmtimeTrapKinds names wasmtime's trap codes with the words wazero
// uses ("wasm error: unreachable"), so that errors read the same on both
// backends.
var wasmtimeTrapKinds = map[uint8]string{
	uint8(wasmtime.StackOverflow):          "stack overflow",
	uint8(wasmtime.MemoryOutOfBounds):      "out of bounds memory access",
	uint8(wasmtime.HeapMisaligned):         "unaligned atomic",
	uint8(wasmtime.TableOutOfBounds):       "invalid table access",
	uint8(wasmtime.IndirectCallToNull):     "invalid table access",
	uint8(wasmtime.BadSignature):           "indirect call type mismatch",
	uint8(wasmtime.IntegerOverflow):        "integer overflow",
	uint8(wasmtime.IntegerDivisionByZero):  "integer divide by zero",
	uint8(wasmtime.BadConversionToInteger): "invalid conversion to integer",
	uint8(wasmtime.UnreachableCodeReached): "unreachable",
	uint8(wasmtime.Interrupt):              "interrupted: deadline passed",
}

// trapText is the message of a failed call: "wasm error: <kind>" for a
// trap with a code (else the message's first line), then the wasm
// backtrace wasmtime reported, without its Rust-side backtrace.
func trapText(code uint8, msg string) string {
	text, _, _ := strings.Cut(msg, "\n")
	if kind, ok := wasmtimeTrapKinds[code]; ok {
		text = "wasm error: " + kind
	} else if c, ok := strings.CutPrefix(msg, "error while executing at wasm backtrace:"); ok {
		if _, cause, ok := strings.Cut(c, "Caused by:\n"); ok {
			text, _, _ = strings.Cut(strings.TrimSpace(cause), "\n")
		}
	}
	if _, bt, ok := strings.Cut(msg, "wasm backtrace:\n"); ok {
		bt, _, _ = strings.Cut(bt, "\n\n")
		text += "\nwasm backtrace (wasmtime):\n" + bt
	}
	return text
}

// classify turns a wasmtime error into a *fault.
func (w *wasmtimeInstance) classify(err error) error {
	if w.interrupted.Load() {
		return &fault{kind: faultInterrupted, err: err}
	}
	if isStackOverflow(err) {
		// The guest's call stack ran out (wasmtime's max wasm stack,
		// 512 KiB by default): adapter_memory, as the call-stack cap
		// of the wazero backend.
		return &fault{kind: faultTrap, limit: "call-stack cap (wasmtime's 512 KiB wasm stack)", err: err}
	}
	limit := ""
	if w.flags != nil {
		limit = capName(uint32(w.flags.Get(w.store).I32()))
	}
	var rf *rawFailure
	if errors.As(err, &rf) {
		switch {
		case rf.trap && rf.code == wasmtimeTrapInterrupt:
			return &fault{kind: faultInterrupted, err: err}
		case w.exited:
			return &fault{kind: faultExit, exitCode: w.exitCode, err: err}
		case !rf.trap && rf.status >= 0:
			return &fault{kind: faultExit, exitCode: uint32(rf.status), err: err}
		}
		return &fault{kind: faultTrap, limit: limit, err: err}
	}
	var trap *wasmtime.Trap
	if errors.As(err, &trap) {
		if c := trap.Code(); c != nil && *c == wasmtime.Interrupt {
			return &fault{kind: faultInterrupted, err: err}
		}
	}
	if w.exited {
		return &fault{kind: faultExit, exitCode: w.exitCode, err: err}
	}
	var werr *wasmtime.Error
	if errors.As(err, &werr) {
		if st, ok := werr.ExitStatus(); ok {
			return &fault{kind: faultExit, exitCode: uint32(st), err: err}
		}
	}
	return &fault{kind: faultTrap, limit: limit, err: err}
}

func isStackOverflow(err error) bool {
	var rf *rawFailure
	if errors.As(err, &rf) {
		return rf.trap && rf.code == uint8(wasmtime.StackOverflow)
	}
	var trap *wasmtime.Trap
	if errors.As(err, &trap) {
		c := trap.Code()
		return c != nil && *c == wasmtime.StackOverflow
	}
	return false
}

func (w *wasmtimeInstance) read(ptr, n uint32) ([]byte, bool) {
	data := w.raw.memory()
	end := uint64(ptr) + uint64(n)
	if end > uint64(len(data)) {
		return nil, false
	}
	if n == 0 {
		return nil, true
	}
	return data[ptr:end:end], true
}

func (w *wasmtimeInstance) write(ptr uint32, b []byte) bool {
	data := w.raw.memory()
	if uint64(ptr)+uint64(len(b)) > uint64(len(data)) {
		return false
	}
	copy(data[ptr:], b)
	return true
}

func (w *wasmtimeInstance) memorySize() uint64 { return uint64(len(w.raw.memory())) }

// interrupt marks the instance interrupted. A running guest stops at its
// next sched_yield or, at the latest, at its epoch deadline; the engine's
// own deadline runs through the epoch, not through interrupt.
func (w *wasmtimeInstance) interrupt() { w.interrupted.Store(true) }

func (w *wasmtimeInstance) close(context.Context) error {
	if !w.closed {
		w.closed = true
		w.store.Close()
	}
	return nil
}
