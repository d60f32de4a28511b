// Package registry holds adapter modules by name for hot swap: versions
// addressed by the sha256 of their bytes, one active version per name and
// the previous one kept for rollback, each activation a new generation
// with its own pool that drains before it is closed. Loading validates a
// version first (size, ed25519 signature against Options.PublicKeys, the
// engine's compilation and ABI checks, capabilities, and the module's own
// self-test cases, run on the project's golden-case runner, package
// api/cases); WatchDir loads the .wasm files of a directory as they
// change.
//
// It is built on package engine's public API only (Engine.Load,
// Engine.MaxModuleBytes, Prewarm, SelfTest), so the engine knows nothing
// of versions. A host holds a Handle (Registry.Module): an api.Module and
// api.Pinner whose calls go to the active generation, and an
// api.Inspector, so that api.Faults, api.Suspended, api.InstanceStats and
// api.InputLimit report the active version's state through it.
//
// It moved here from package engine (engine.Registry, engine.NewRegistry,
// engine.RegistryOptions are now registry.Registry, registry.New and
// registry.Options). Package engine keeps no alias: it cannot import this
// package, which imports it.
package registry
