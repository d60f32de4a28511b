// Package api is the contract between a host and a loaded adapter module:
// the Module interface every runtime implements, request pinning for
// modules whose version can change (Pinner), the introspection a host or
// gateway reads (Closed, Faults, Suspended, InstanceStats, InputLimit), the
// event-order rule that spans the calls of one response (EventOrder), and
// the error sentinels a host matches with errors.Is.
//
// It holds no runtime: a host built on it links no WebAssembly engine.
// Package engine implements Module with wazero or wasmtime (and natively,
// for tests and the benchmark floor); another runtime, in-process or not,
// implements the same interfaces. The wire types the calls carry are in
// package abi.
package api

import (
	"context"

	"github.com/wasmadapt/wasmadapt/abi"
)

// Module is one loaded adapter, ready to serve calls from any goroutine.
// Both Wasm modules and native adapters (engine.NewNative, for tests and
// the benchmark floor) implement it.
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

// Pinner is implemented by a Module whose version may change between calls
// (a registry handle). A host calls Pin once per request or stream and
// sends every call of it to the returned Module, then calls release: the
// whole request is served by one version, and the version's generation is
// not closed before release.
type Pinner interface {
	// Pin returns the Module that serves the current version and the
	// function that releases it (safe to call more than once).
	Pin() (m Module, release func())
}
