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

import "github.com/wasmadapt/wasmadapt/api"

// The contract types live in package api, so that a host links no
// WebAssembly runtime; these aliases keep the engine's names for them
// (engine.Module and api.Module are the same type).
type (
	// Module is api.Module: one loaded adapter, ready to serve calls
	// from any goroutine.
	Module = api.Module
	// Pinner is api.Pinner: a Module whose version may change between
	// calls (a registry Handle).
	Pinner = api.Pinner
	// EventOrder is api.EventOrder: the event-order check across the
	// calls of one response.
	EventOrder = api.EventOrder
	// Stats is api.Stats: the instances a module holds at rest.
	Stats = api.Stats
)

// ErrInputTooLarge is api.ErrInputTooLarge, the cause (errors.Is) of the
// error of a call whose input is larger than Config.MaxInputBytes.
var ErrInputTooLarge = api.ErrInputTooLarge

var _ api.Inspector = (*module)(nil)
