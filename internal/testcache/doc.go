// Package testcache fills a test run's shared compilation cache before the
// race-detector tests start.
//
// The race detector makes wazero's compiler about seven times slower (a Go
// adapter module: some 30 s of CPU instead of 4.5 s). `make test`
// therefore first runs the fill tests without -race and with the build
// tag testcachefill (make's testcache step, which unit and test-wasmtime
// wait for):
//
//	WASMADAPT_TEST_CACHE=bin/test/cache go test -tags testcachefill ./internal/testcache/...
//
// They compile the modules the race-mode tests load into that directory
// (engine.Engine.Precompile), and the race-mode test binaries find the
// compiled code there.
//
// wazero names its cache entries by the version of wazero that a binary's
// build information reports. A library package's test binary reports no
// dependencies, so its entries are named "dev"; a main package's test
// binary (cmd/wasmrun, cmd/wasmadapt-gateway) and a built command report
// wazero's release. Hence two fills: this package's TestFill compiles, as
// a library's test binary, what library packages load (Library: the
// adapters of internal/testenv.RaceAdapters, bin/hostile/*.wasm and the
// guests of internal/testenv.Guests), and the main package
// internal/testcache/commands compiles what the commands' race-mode tests
// load (Commands).
//
// Without the tag the packages have no tests: `go test ./...` skips them.
package testcache
