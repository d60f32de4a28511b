// Package testcache fills a test run's shared compilation cache before the
// race-detector tests start.
//
// The race detector makes wazero's compiler about seven times slower (a Go
// adapter module: some 30 s of CPU instead of 4.5 s). `make unit` therefore
// first runs this package's one test without -race and with the build tag
// testcachefill:
//
//	WASMADAPT_TEST_CACHE=bin/test/cache go test -tags testcachefill ./internal/testcache
//
// It compiles the modules the race-mode tests load — the adapters of
// internal/testenv.RaceAdapters, bin/hostile/*.wasm and the guests of
// internal/testenv.Guests — into that directory
// (engine.Engine.Precompile). The race-mode test binaries then
// find the compiled code there. A test binary's wazero names its cache by
// the version its build information reports, the same in every test
// binary, so the entries are shared by all of them (a wasmrun binary uses
// another name, with wazero's release version in it).
//
// Without the tag the package has no tests: `go test ./...` skips it.
package testcache
