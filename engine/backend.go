package engine

import (
	"context"
	"io"
	"slices"
	"time"
)

// This file is the seam between the engine's backend-neutral code (loading
// checks, pool, result decoding, event validation) and a WebAssembly
// runtime. wazero implements it in wazero.go; a second runtime (wasmtime-go
// under the build tag "wasmtime") implements the same interfaces
// without touching the rest of the package.

// valType is a WebAssembly value type in a function signature.
type valType byte

const (
	valI32 valType = iota + 1
	valI64
	valF32
	valF64
	valOther
)

func (t valType) String() string {
	switch t {
	case valI32:
		return "i32"
	case valI64:
		return "i64"
	case valF32:
		return "f32"
	case valF64:
		return "f64"
	}
	return "?"
}

// valTypes converts a runtime's value types: kind gives the runtime's kind
// of each type, and kinds lists that runtime's i32, i64, f32 and f64 kinds
// in this order. Any other kind is valOther.
func valTypes[T any, K comparable](ts []T, kind func(T) K, kinds [4]K) []valType {
	out := make([]valType, len(ts))
	for i, t := range ts {
		out[i] = valOther
		if j := slices.Index(kinds[:], kind(t)); j >= 0 {
			out[i] = valI32 + valType(j)
		}
	}
	return out
}

// funcSig is the signature of an imported or exported function.
type funcSig struct {
	params, results []valType
}

// String formats the signature like WAT: (param i32 i32) (result i64).
func (s funcSig) String() string {
	out := "("
	for i, p := range s.params {
		if i > 0 {
			out += " "
		}
		out += p.String()
	}
	out += ") -> ("
	for i, r := range s.results {
		if i > 0 {
			out += " "
		}
		out += r.String()
	}
	return out + ")"
}

func (s funcSig) equal(o funcSig) bool {
	if len(s.params) != len(o.params) || len(s.results) != len(o.results) {
		return false
	}
	for i := range s.params {
		if s.params[i] != o.params[i] {
			return false
		}
	}
	for i := range s.results {
		if s.results[i] != o.results[i] {
			return false
		}
	}
	return true
}

// importDef is one function import.
type importDef struct {
	module, name string
	sig          funcSig
}

// instanceConfig is what a backend needs to instantiate one instance.
type instanceConfig struct {
	stdout, stderr io.Writer
	// start lists the start functions to run ("_initialize" when exported).
	start []string
	// interrupted, when set, is polled by an instrumented module's
	// sched_yield (instrument) and by the host functions that can run
	// long (random_get, fd_write): once it reports true the guest is
	// unwound, during instantiation as well as during calls.
	interrupted func() bool
	// initTimeout bounds the start functions (Config.InitTimeout), for
	// a backend that enforces deadlines itself.
	initTimeout time.Duration
}

// backend compiles modules. It is safe for concurrent use.
type backend interface {
	// compile validates and compiles wasm. It does not instantiate it.
	compile(ctx context.Context, wasm []byte) (compiledModule, error)
	// memoryLimitBytes is the per-instance linear memory cap.
	memoryLimitBytes() uint64
	close(ctx context.Context) error
}

// compiledModule is compiled code plus its introspection. It is safe for
// concurrent use.
type compiledModule interface {
	// imports lists every function import.
	imports() []importDef
	// importsNonFunc names imports that are not functions (memories,
	// tables, globals) as "module.name (kind)", when the backend can see them.
	importsNonFunc() []string
	// exports maps every exported function to its signature.
	exports() map[string]funcSig
	// exportsMemory reports whether the module exports its memory as "memory".
	exportsMemory() bool
	instantiate(ctx context.Context, cfg instanceConfig) (instance, error)
	close(ctx context.Context) error
}

// exportID indexes the exports an instance resolves once at creation.
type exportID int

const (
	expABIVersion exportID = iota
	expAlloc
	expCapabilities
	expProject
	expTransform
	expParseResponse
	expMapError
	expSelfTest
	expProjectOp
	expParseOp
	expTextTemplates
	numExports
)

// instance is one live instance. Only one goroutine uses it at a time,
// except interrupt, which may be called from any goroutine.
type instance interface {
	// call calls an export with up to two i32 arguments and returns its
	// single result (zero-extended), or a *fault.
	call(ctx context.Context, fn exportID, args ...uint64) (uint64, error)
	// has reports whether the export is present (optional exports).
	has(fn exportID) bool
	// read returns a view of n bytes of linear memory at ptr; ok is false
	// when the range is outside memory. The view is valid until the next
	// call into the instance.
	read(ptr, n uint32) (view []byte, ok bool)
	// write copies b into linear memory at ptr; false when out of range.
	write(ptr uint32, b []byte) bool
	// memorySize is the current size of linear memory in bytes.
	memorySize() uint64
	// interrupt makes a running call stop as soon as possible with a
	// fault of kind faultInterrupted; the instance is unusable afterwards.
	interrupt()
	close(ctx context.Context) error
}

// faultKind classifies a failed call, independently of the backend.
type faultKind int

const (
	// faultTrap: a WebAssembly trap or any runtime error.
	faultTrap faultKind = iota + 1
	// faultExit: the guest called proc_exit (a Go panic or fatal error
	// exits with code 2).
	faultExit
	// faultInterrupted: interrupt stopped the call (deadline).
	faultInterrupted
)

// fault is the error an instance's call returns when the guest failed.
type fault struct {
	kind     faultKind
	exitCode uint32
	// limit names the sandbox cap the guest hit (capName), "" when none
	// did: the call is then adapter_memory.
	limit string
	err   error
}

func (f *fault) Error() string { return f.err.Error() }
func (f *fault) Unwrap() error { return f.err }
