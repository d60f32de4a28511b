// Package engine loads, validates, compiles, pools and calls adapter modules.
//
// The default backend is wazero (pure Go, compiler mode) with a compilation
// cache on disk. Each module is served by a bounded pool of instances; a call
// borrows one instance, so no two calls ever share an instance, and an
// instance that trapped, timed out, ran out of memory or broke the contract
// is closed and never reused. Guests see a closed, deterministic WASI: no
// arguments, environment, files or sockets, a fixed clock, a seeded random
// source, and stdout/stderr routed to the host's slog.Logger.
//
// At load a module is checked against the ABI before anything runs (only the
// closed WASI import set, every export with its exact signature, then the
// version wasmadapt_abi_version reports), and its loops are instrumented so
// that the per-call deadline can stop any guest cheaply (see RATIONALE.md).
// Results are validated on the host side: the status byte, the error object,
// and every event's exact shape (adapter_bad_output otherwise).
//
// Every failure is an *abi.Error with a stable code (adapter_trap,
// adapter_timeout, adapter_memory, adapter_bad_output, abi_mismatch, or the
// code the adapter itself reported).
package engine

import (
	"context"

	"github.com/wasmadapt/wasmadapt/abi"
)

// Module is one loaded adapter, ready to serve calls from any goroutine.
// Both Wasm modules and native adapters (NewNative, for tests and the
// benchmark floor) implement it.
type Module interface {
	// Name is the module's name.
	Name() string
	// Digest is the sha256 of the module's bytes, hex-encoded ("" for a
	// native adapter).
	Digest() string
	// Capabilities returns the module's capabilities for model ("" for
	// its defaults), validated for sanity.
	Capabilities(ctx context.Context, model string) (*abi.Capabilities, error)
	// Project turns a normalized request into the provider request. The
	// adapter's refusal (capability_unsupported, schema_unsupported, ...)
	// is returned as an *abi.Error.
	Project(ctx context.Context, req *abi.Request) (*abi.ProviderRequest, error)
	// Transform runs one transform call: in.State is the state the
	// previous call returned. It returns the next state and the validated
	// events. The returned slices are owned by the caller.
	Transform(ctx context.Context, in *abi.TransformInput) (state []byte, events []abi.Event, err error)
	// ParseResponse turns a whole 2xx body into validated events.
	ParseResponse(ctx context.Context, in *abi.ResponseInput) ([]abi.Event, error)
	// MapError turns an error response into exactly one error event.
	MapError(ctx context.Context, in *abi.ResponseInput) (abi.Event, error)
	// Close releases the module's instances and compiled code. Calls in
	// flight finish first.
	Close(ctx context.Context) error
}
