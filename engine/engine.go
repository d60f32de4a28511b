package engine

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine/compilecache"
	"github.com/wasmadapt/wasmadapt/internal/defaults"
)

// Defaults applied by New to zero Config fields.
const (
	// DefaultCallTimeout is the per-call deadline.
	DefaultCallTimeout = 2 * time.Second
	// DefaultInitTimeout is the deadline of a new instance's start
	// (_initialize). A Go guest's runtime start takes a few
	// milliseconds on an idle machine; the default leaves room for a
	// machine that is hundreds of times slower (busy, or under the race
	// detector) while still stopping a start that never ends.
	DefaultInitTimeout = 30 * time.Second
	// DefaultMemoryLimitBytes caps each instance's linear memory. A Go
	// guest needs about 8 MiB.
	DefaultMemoryLimitBytes = 64 << 20
	// DefaultMaxOutputBytes caps the size of one call's result.
	DefaultMaxOutputBytes = 16 << 20
	// DefaultMaxModuleBytes caps the size of a module's bytes (a Go
	// adapter is a few MiB).
	DefaultMaxModuleBytes = 32 << 20
	// DefaultMaxEventsPerCall caps the events one call may return.
	DefaultMaxEventsPerCall = 1 << 16
)

// ErrModuleTooLarge is the cause (errors.Is) of the refusal of module bytes
// larger than Config.MaxModuleBytes, by Engine.Load and by package
// engine/registry (Registry.Load, and WatchDir, which checks a file's size
// before reading it).
var ErrModuleTooLarge = errors.New("engine: the module is larger than the module size limit (Config.MaxModuleBytes)")

// deadlineMode selects how the per-call deadline is enforced. Only
// deadlineInstrument ships; the others exist so that the benchmarks can
// measure the alternatives (numbers in RATIONALE.md).
type deadlineMode int

const (
	// deadlineInstrument: every loop header and function entry counts
	// down an injected global (instrument); a per-instance reusable timer sets it when the
	// deadline passes, and the guest traps at its next loop iteration.
	deadlineInstrument deadlineMode = iota
	// deadlineWatchdog: wazero's termination checks compiled in
	// (WithCloseOnContextDone) and a per-instance reusable timer that
	// closes the instance when the deadline passes.
	deadlineWatchdog
	// deadlineContext: wazero's termination checks compiled in and a
	// context.WithTimeout per call.
	deadlineContext
	// deadlineNone: no deadline at all: an infinite loop is never
	// stopped. Benchmarks only (the floor).
	deadlineNone
)

// Config configures an Engine. The zero value is usable: zero fields take
// the defaults documented on each.
//
// The per-call deadline mechanism was chosen by measurement:
// loops are instrumented at load to return to the host regularly, where an
// expired deadline stops the guest. RATIONALE.md records the alternatives
// and their numbers (BenchmarkDeadline, BenchmarkBoundary).
type Config struct {
	// CacheDir is the directory of the backend's on-disk compilation
	// cache; "" keeps compiled code in memory only.
	CacheDir string
	// CacheMaxBytes bounds CacheDir (default DefaultCacheMaxBytes;
	// negative: no limit): after a compilation adds code, the least
	// recently used modules' code is evicted past it (package
	// compilecache).
	CacheMaxBytes int64
	// OnCompile, when set, is called as each module's compilation starts
	// and ends (the slow step of Load); both are also logged, at Info
	// level when the code is not in the cache.
	OnCompile func(CompileEvent)
	// PoolSize is the most instances alive at once per module (default
	// GOMAXPROCS). A call waits for a free instance when all are busy.
	PoolSize int
	// CallTimeout is the deadline of one call into a module (default
	// DefaultCallTimeout). A call that exceeds it is stopped and fails
	// with adapter_timeout; a shorter deadline on the call's context
	// also applies. Cancelling the context without a deadline does not
	// stop a call already running.
	CallTimeout time.Duration
	// InitTimeout is the deadline of a new instance's start: the
	// module's _initialize export (a Go guest's runtime start) runs
	// under it instead of CallTimeout (default DefaultInitTimeout). It is
	// separate and generous because an instance starts whenever the pool
	// grows or refills, on whatever machine the host runs, and a start
	// that merely ran slowly must not fail an activation or a request. A
	// start past it fails with adapter_timeout (at Load for the first
	// instance; a refill is retried a few times with backoff first).
	InitTimeout time.Duration
	// MemoryLimitBytes caps each instance's linear memory (default
	// DefaultMemoryLimitBytes, rounded down to 64 KiB pages).
	MemoryLimitBytes uint64
	// MaxOutputBytes caps the size of one call's result (default
	// DefaultMaxOutputBytes); a larger result is adapter_bad_output.
	MaxOutputBytes int
	// MaxInputBytes caps the input of one call (default
	// MemoryLimitBytes/8, see InputLimit): a module must serve inputs up
	// to it within its memory cap. A larger input (a huge provider event
	// or body, a huge request) is refused before the module runs, with
	// ErrInputTooLarge as the cause, and never counts as a fault.
	MaxInputBytes int
	// MaxModuleBytes caps the size of a module's bytes (default
	// DefaultMaxModuleBytes): Engine.Load and the registry refuse larger
	// ones, and registry.WatchDir does not read a larger file.
	MaxModuleBytes int
	// MaxEventsPerCall caps the events one call may return (default
	// DefaultMaxEventsPerCall); more is adapter_bad_output, found before
	// any event is decoded. The host memory a call's result costs is then
	// at most about MaxOutputBytes (the decoded strings) plus
	// MaxEventsPerCall times the size of an abi.Event (about 16 MiB at
	// the defaults), whatever the module returns.
	MaxEventsPerCall int
	// RecycleMemoryBytes, when non-zero, retires an instance after a call
	// that left its linear memory larger than this (Wasm memory never
	// shrinks); the pool replaces it lazily.
	RecycleMemoryBytes uint64
	// Crashes stops a module's crash loop: past Crashes.Limit
	// faults within Crashes.Window the module is suspended with backoff
	// and its calls fail at once with adapter_trap saying when to retry.
	// The zero value takes CrashPolicy's defaults; Limit -1 disables it.
	Crashes CrashPolicy
	// Logger receives guest stdout/stderr (one record per line) and the
	// engine's own diagnostics (default slog.Default()).
	Logger *slog.Logger
	// Backend names the WebAssembly runtime: "wazero" (pure Go, always
	// available) or "wasmtime" (wasmtime-go, cgo: only in binaries built
	// with -tags wasmtime). "" means the WASMADAPT_BACKEND environment
	// variable when it is set, else "wazero".
	Backend string
	// NoTextTemplates ignores the text-delta templates modules declare
	// (ABI 1.4): every chunk goes to the module, as for a module without
	// templates. The events are the same either way; this exists to
	// compare the two (wasmrun test -templates=false).
	NoTextTemplates bool

	deadline deadlineMode
}

func (c *Config) withDefaults() {
	defaults.Positive(&c.PoolSize, runtime.GOMAXPROCS(0))
	defaults.Positive(&c.CallTimeout, DefaultCallTimeout)
	defaults.Positive(&c.InitTimeout, DefaultInitTimeout)
	if c.MemoryLimitBytes == 0 {
		c.MemoryLimitBytes = DefaultMemoryLimitBytes
	}
	if c.MemoryLimitBytes > 4<<30 {
		c.MemoryLimitBytes = 4 << 30
	}
	defaults.Positive(&c.MaxOutputBytes, DefaultMaxOutputBytes)
	defaults.Positive(&c.MaxModuleBytes, DefaultMaxModuleBytes)
	defaults.Positive(&c.MaxInputBytes, int(c.MemoryLimitBytes/8))
	defaults.Positive(&c.MaxEventsPerCall, DefaultMaxEventsPerCall)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Engine compiles and serves adapter modules. It is safe for concurrent
// use. Close it to release every module it loaded.
type Engine struct {
	cfg   Config
	be    backend
	cache *compilecache.Cache // nil without a CacheDir

	mu      sync.Mutex
	modules map[*module]struct{}
	closed  bool
}

// backends maps Config.Backend names to constructors; a backend built
// only under a build tag adds itself in an init function.
var backends = map[string]func(ctx context.Context, cfg *Config) (backend, error){
	"wazero": func(ctx context.Context, cfg *Config) (backend, error) { return newWazeroBackend(ctx, cfg) },
}

// MaxModuleBytes is the module size limit in effect
// (Config.MaxModuleBytes, or its default): Load refuses larger bytes with
// ErrModuleTooLarge. A registry checks it before reading or verifying a
// module.
func (e *Engine) MaxModuleBytes() int { return e.cfg.MaxModuleBytes }

// New returns an Engine with the backend Config.Backend names (wazero in
// compiler mode by default).
func New(ctx context.Context, cfg Config) (*Engine, error) {
	cfg.withDefaults()
	name := cfg.Backend
	if name == "" {
		name = os.Getenv("WASMADAPT_BACKEND")
	}
	if name == "" {
		name = "wazero"
	}
	newBackend, ok := backends[name]
	if !ok {
		return nil, fmt.Errorf("engine: backend %q is not compiled into this binary: use \"wazero\", or build with -tags wasmtime for \"wasmtime\"", name)
	}
	be, err := newBackend(ctx, &cfg)
	if err != nil {
		return nil, err
	}
	var cache *compilecache.Cache
	if cfg.CacheDir != "" {
		if cache, err = compilecache.Open(cfg.CacheDir, cfg.CacheMaxBytes); err != nil {
			be.close(ctx)
			return nil, err
		}
	}
	return &Engine{cfg: cfg, be: be, cache: cache, modules: map[*module]struct{}{}}, nil
}

// Close closes every module the engine loaded (calls in flight finish
// first) and the runtime.
func (e *Engine) Close(ctx context.Context) error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	mods := make([]*module, 0, len(e.modules))
	for m := range e.modules {
		mods = append(mods, m)
	}
	e.mu.Unlock()
	for _, m := range mods {
		_ = m.Close(ctx)
	}
	return e.be.close(ctx)
}

// wasiSignatures are the signatures of the allowed WASI preview1 imports.
var wasiSignatures = func() map[string]funcSig {
	i32 := valI32
	s := func(params ...valType) funcSig { return funcSig{params: params, results: []valType{i32}} }
	return map[string]funcSig{
		"args_get":            s(i32, i32),
		"args_sizes_get":      s(i32, i32),
		"environ_get":         s(i32, i32),
		"environ_sizes_get":   s(i32, i32),
		"clock_res_get":       s(i32, i32),
		"clock_time_get":      s(i32, valI64, i32),
		"random_get":          s(i32, i32),
		"fd_write":            s(i32, i32, i32, i32),
		"fd_read":             s(i32, i32, i32, i32),
		"fd_close":            s(i32),
		"fd_fdstat_get":       s(i32, i32),
		"fd_fdstat_set_flags": s(i32, i32),
		"fd_prestat_get":      s(i32, i32),
		"fd_prestat_dir_name": s(i32, i32, i32),
		"poll_oneoff":         s(i32, i32, i32, i32),
		"sched_yield":         s(),
		"proc_exit":           {params: []valType{i32}},
	}
}()

type exportSpec struct {
	name     string
	sig      funcSig
	optional bool
}

var (
	sigPtrLen   = funcSig{params: []valType{valI32, valI32}, results: []valType{valI64}}
	exportSpecs = []exportSpec{
		{abi.ExportABIVersion, funcSig{results: []valType{valI32}}, false},
		{abi.ExportAlloc, funcSig{params: []valType{valI32}, results: []valType{valI32}}, false},
		{abi.ExportCapabilities, sigPtrLen, false},
		{abi.ExportProject, sigPtrLen, false},
		{abi.ExportTransform, sigPtrLen, false},
		{abi.ExportParseResponse, sigPtrLen, false},
		{abi.ExportMapError, sigPtrLen, false},
		{abi.ExportSelfTest, funcSig{results: []valType{valI64}}, true},
		{abi.ExportTextTemplates, funcSig{results: []valType{valI64}}, true},
		{abi.ExportProjectOp, sigPtrLen, true},
		{abi.ExportParseOp, sigPtrLen, true},
		{abi.ExportInitialize, funcSig{}, true},
	}
)

func allowedImportList() string {
	return strings.Join(abi.WASIImports(), ", ")
}

// checkHeader refuses bytes that are not a WebAssembly 1.0 binary, with
// the cause first: a text file or a truncated download is not a module,
// and no build advice fits it.
func checkHeader(name string, wasm []byte) error {
	if len(wasm) < 4 || string(wasm[:4]) != "\x00asm" {
		return abi.Errorf(abi.CodeABIMismatch, "module %q is not a WebAssembly module (bad magic: it does not begin with \\0asm)", name)
	}
	if len(wasm) < 8 {
		return abi.Errorf(abi.CodeABIMismatch, "module %q is not a WebAssembly module (truncated header: %d bytes)", name, len(wasm))
	}
	if v := binary.LittleEndian.Uint32(wasm[4:8]); v != 1 {
		return abi.Errorf(abi.CodeABIMismatch, "module %q is not a WebAssembly 1.0 module (binary format version %d, want 1)", name, v)
	}
	return nil
}

// checkContract inspects a compiled module's imports and exports against
// the ABI, before anything is instantiated.
func checkContract(name string, cm compiledModule) error {
	for _, imp := range cm.imports() {
		want, ok := wasiSignatures[imp.name]
		if imp.module != abi.WASIModule || !ok || !abi.WASIImportAllowed(imp.name) {
			return abi.Errorf(abi.CodeABIMismatch,
				"module %q imports %s.%s %s, which the host does not provide: an adapter may import only %s functions %s; remove the import (no files, sockets or host calls)",
				name, imp.module, imp.name, imp.sig, abi.WASIModule, allowedImportList())
		}
		if !imp.sig.equal(want) {
			return abi.Errorf(abi.CodeABIMismatch,
				"module %q imports %s.%s with signature %s, want %s: rebuild it against a WASI preview1 toolchain",
				name, imp.module, imp.name, imp.sig, want)
		}
	}
	if other := cm.importsNonFunc(); len(other) > 0 {
		return abi.Errorf(abi.CodeABIMismatch, "module %q imports %s, which the host does not provide: an adapter defines its own memory and imports only WASI functions", name, other[0])
	}
	exps := cm.exports()
	for _, spec := range exportSpecs {
		got, ok := exps[spec.name]
		if !ok {
			if spec.optional {
				continue
			}
			return abi.Errorf(abi.CodeABIMismatch, "module %q does not export %s %s: every adapter exports it (see abi/README.md); a Go adapter gets it by importing the guest SDK and calling guest.Register",
				name, spec.name, spec.sig)
		}
		if !got.equal(spec.sig) {
			return abi.Errorf(abi.CodeABIMismatch, "module %q exports %s with signature %s, want %s (see abi/README.md)",
				name, spec.name, got, spec.sig)
		}
	}
	if !cm.exportsMemory() {
		return abi.Errorf(abi.CodeABIMismatch, "module %q does not export its linear memory as \"memory\" (see abi/README.md)", name)
	}
	return nil
}

// Precompile compiles wasm into the compilation cache (Config.CacheDir)
// and checks it against the ABI's imports and exports, without
// instantiating it: a later Load of the same bytes, by this or another
// process with the same cache directory and runtime version, then skips
// the compilation. Use it to warm a cache ahead of time (an image build,
// a test run). It refuses what Load refuses before instantiation; the
// version check and _initialize run only in Load.
func (e *Engine) Precompile(ctx context.Context, name string, wasm []byte) error {
	cm, _, err := e.compileChecked(ctx, name, wasm)
	if err != nil {
		return err
	}
	return cm.close(ctx)
}

// compileChecked is Load up to instantiation: size, header,
// instrumentation, compilation (through the cache) and the contract's
// imports and exports. It returns the compiled module and the hex sha256
// of wasm as given.
func (e *Engine) compileChecked(ctx context.Context, name string, wasm []byte) (compiledModule, string, error) {
	e.mu.Lock()
	closed := e.closed
	e.mu.Unlock()
	if closed {
		return nil, "", errors.New("engine: Load or Precompile on a closed Engine")
	}
	if len(wasm) > e.cfg.MaxModuleBytes {
		return nil, "", abi.Wrap(abi.CodeABIMismatch, ErrModuleTooLarge, fmt.Sprintf("module %q is %d bytes", name, len(wasm)))
	}
	sum := sha256.Sum256(wasm)
	// A backend that stops guests itself (wasmtime: epochs) runs the
	// module as it is, but refuses what the default backend would refuse,
	// so that a module loads on both or on neither.
	// Both get the load-time caps and the table.grow cap (instrument).
	_, stopsLoops := e.be.(interface{ stopsLoops() })
	if err := checkHeader(name, wasm); err != nil {
		return nil, "", err
	}
	iw, err := instrument(wasm, e.cfg.deadline == deadlineInstrument && !stopsLoops)
	if errors.Is(err, errUnsupportedOp) {
		return nil, "", abi.Wrap(abi.CodeABIMismatch, err, fmt.Sprintf("module %q cannot be instrumented for the sandbox's deadline and caps (build it for plain wasm32 without SIMD, threads, exceptions or tail calls)", name))
	}
	if err != nil {
		return nil, "", abi.Wrap(abi.CodeABIMismatch, err, fmt.Sprintf("module %q cannot be instrumented for the sandbox's deadline and caps", name))
	}
	wasm = iw
	digest := hex.EncodeToString(sum[:])
	cm, err := e.compile(ctx, name, digest, wasm)
	if err != nil {
		return nil, "", abi.Wrap(abi.CodeABIMismatch, err, fmt.Sprintf("module %q is not a valid WebAssembly module this host can compile (build it with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared)", name))
	}
	if err := checkContract(name, cm); err != nil {
		cm.close(ctx)
		return nil, "", err
	}
	// Imported tables and globals are refused here, naming them:
	// the backends do not list them, and instantiation would fail with a
	// misleading message.
	if other := tableAndGlobalImports(wasm); len(other) > 0 {
		cm.close(ctx)
		return nil, "", abi.Errorf(abi.CodeABIMismatch, "module %q imports %s, which the host does not provide: an adapter defines its own tables, globals and memory and imports only WASI functions", name, other[0])
	}
	return cm, digest, nil
}

// Load compiles wasm, checks it against the ABI (imports, exports and their
// signatures, then the version its wasmadapt_abi_version reports) and
// returns the module, with one instance ready. A module that breaks the
// contract, or is larger than Config.MaxModuleBytes (ErrModuleTooLarge), is
// refused with an *abi.Error of code abi_mismatch that names
// what is wrong.
func (e *Engine) Load(ctx context.Context, name string, wasm []byte) (Module, error) {
	cm, digest, err := e.compileChecked(ctx, name, wasm)
	if err != nil {
		return nil, err
	}
	_, hasInit := cm.exports()[abi.ExportInitialize]
	m := newModule(name, digest, &e.cfg)
	m.compiled = cm
	log := e.cfg.Logger.With(slog.String("module", name))
	m.newSlot = func(ctx context.Context) (slot, error) {
		return newWasmSlot(ctx, m, cm, hasInit, log, e.be.memoryLimitBytes())
	}
	// Instantiate the first instance now: link errors and a failing
	// _initialize surface at load, and the version check needs it.
	w, err := m.pool.acquire(ctx)
	if err != nil {
		cm.close(ctx)
		var ae *abi.Error
		if errors.As(err, &ae) {
			return nil, err
		}
		return nil, abi.Wrap(abi.CodeABIMismatch, err, fmt.Sprintf("module %q cannot be instantiated", name))
	}
	ws := w.s.(*wasmSlot)
	v, err := ws.callVersion(ctx)
	if err == nil {
		err = abi.CheckVersion(v)
	}
	if err != nil {
		m.pool.release(w, true)
		m.pool.close(ctx)
		cm.close(ctx)
		var ae *abi.Error
		if errors.As(err, &ae) {
			ae.Message = fmt.Sprintf("module %q: %s", name, ae.Message)
		}
		return nil, err
	}
	m.abiVersion = v
	m.pool.release(w, false)
	if err := m.loadTextTemplates(ctx); err != nil {
		m.pool.close(ctx)
		cm.close(ctx)
		return nil, abi.Wrap(abi.CodeABIMismatch, err, fmt.Sprintf("module %q declares text templates the host cannot use (%s)", name, abi.ExportTextTemplates))
	}
	// From here on a failed instantiation is a refill of a module that
	// did start once: retried with backoff (pool.acquire).
	m.pool.onRetry = func(attempt int, err error) {
		log.Warn("engine: starting an instance failed; retrying", slog.Int("attempt", attempt), slog.Any("err", err))
	}

	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		m.Close(ctx)
		return nil, errors.New("engine: closed during Load")
	}
	e.modules[m] = struct{}{}
	m.onClose = func() {
		e.mu.Lock()
		delete(e.modules, m)
		e.mu.Unlock()
	}
	e.mu.Unlock()
	return m, nil
}
