package engine

import (
	"context"
	"log/slog"
	"runtime/debug"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// NativeConfig configures NewNativeWithConfig.
type NativeConfig struct {
	// PoolSize is the most dispatchers alive at once (default GOMAXPROCS).
	PoolSize int
	// MaxOutputBytes caps one call's result (default DefaultMaxOutputBytes).
	MaxOutputBytes int
	// Logger receives fault diagnostics (default slog.Default()).
	Logger *slog.Logger
	// Crashes is the crash-loop policy, as in Config (Limit -1: never
	// suspend, e.g. for fuzzing, where every input must see the adapter).
	Crashes CrashPolicy
	// MaxInputBytes caps one call's input, as in Config (default
	// DefaultMemoryLimitBytes/8).
	MaxInputBytes int
	// NoTextTemplates ignores the adapter's text-delta templates, as in
	// Config.
	NoTextTemplates bool
}

// NewNative returns a Module that runs a natively through
// guest.NewDispatcher: one dispatcher per pooled "instance", the same pool
// discipline, result decoding and event validation as a Wasm module. A
// panic in the adapter is recovered as adapter_trap and the dispatcher
// discarded. There is no deadline: native code cannot be stopped, so a
// native adapter that loops forever hangs its caller. Tests and the native
// benchmark floor use it.
func NewNative(name string, a guest.Adapter) Module {
	return NewNativeWithConfig(name, a, NativeConfig{})
}

// NewNativeWithConfig is NewNative with explicit limits.
func NewNativeWithConfig(name string, a guest.Adapter, nc NativeConfig) Module {
	cfg := Config{PoolSize: nc.PoolSize, MaxOutputBytes: nc.MaxOutputBytes, Logger: nc.Logger, Crashes: nc.Crashes, MaxInputBytes: nc.MaxInputBytes,
		NoTextTemplates: nc.NoTextTemplates}
	cfg.withDefaults()
	m := newModule(name, "", &cfg)
	m.abiVersion = abi.Version
	m.newSlot = func(context.Context) (slot, error) {
		d := guest.NewDispatcher(a)
		// The split projection the wasip1 exports return, so that both
		// executors take the same path through the host.
		d.SplitProjections()
		return &nativeSlot{m: m, d: d}, nil
	}
	if err := m.loadTextTemplates(context.Background()); err != nil {
		// A native adapter cannot be refused here: it is served
		// through the guest for every chunk instead.
		m.log.Warn("engine: the adapter's text templates are ignored", slog.String("module", name), slog.Any("error", err))
	}
	return m
}

type nativeSlot struct {
	m *module
	d *guest.Dispatcher
}

func (s *nativeSlot) memorySize() uint64        { return 0 }
func (s *nativeSlot) close(ctx context.Context) {}

func (s *nativeSlot) invoke(ctx context.Context, fn exportID, input []byte) (res []byte, ferr *abi.Error) {
	if err := ctx.Err(); err != nil {
		return nil, &abi.Error{Code: abi.CodeAdapterTimeout, Message: "the call's context ended before the call", Err: err}
	}
	defer func() {
		if r := recover(); r != nil {
			s.m.log.Warn("engine: native adapter panicked", slog.String("module", s.m.name), slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
			res, ferr = nil, abi.Errorf(abi.CodeAdapterTrap, "module %q: %s panicked: %v", s.m.name, exportNames[fn], r)
		}
	}()
	switch fn {
	case expCapabilities:
		res = s.d.Capabilities(input)
	case expProject:
		res = s.d.Project(input)
	case expTransform:
		res = s.d.Transform(input)
	case expParseResponse:
		res = s.d.ParseResponse(input)
	case expMapError:
		res = s.d.MapError(input)
	case expSelfTest:
		res = s.d.SelfTest()
	case expTextTemplates:
		res = s.d.TextTemplates()
	case expProjectOp:
		res = s.d.ProjectOp(input)
	case expParseOp:
		res = s.d.ParseOp(input)
	default:
		return nil, abi.Errorf(abi.CodeAdapterTrap, "module %q: export %d is not callable natively", s.m.name, fn)
	}
	if e := s.m.checkOut(fn, len(res)); e != nil {
		return nil, e
	}
	return res, nil
}
