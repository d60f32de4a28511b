// Package testenv decides what a test does when something it needs from
// the build is missing: a built module, the go tool, wat2wasm.
//
// Outside `make test` such a test skips, saying what is missing and how to
// get it. `make test` builds all of these itself and sets
// WASMADAPT_REQUIRE_MODULES=1: there a missing one is a failure, never a
// silent skip.
//
// It also holds the waiting helpers that keep verdicts independent of the
// machine's speed: Poll waits for a condition instead of a fixed time,
// ReportErrs reports what concurrent workers sent on an error channel once
// they are done, and SyncBuffer is a log sink a test can read while the
// code writes; and Do,
// the HTTP round trip of the tests that talk to a running server.
package testenv

import (
	"fmt"
	"os"
	"testing"
)

// RequireModulesEnv is the environment variable that turns the skips of
// SkipMissing into failures.
const RequireModulesEnv = "WASMADAPT_REQUIRE_MODULES"

// Required reports whether the run requires what `make test` builds.
func Required() bool { return os.Getenv(RequireModulesEnv) == "1" }

// SkipMissing skips tb because something the build makes is missing, or
// fails it when the run requires it (Required).
func SkipMissing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required() {
		tb.Fatalf("%s (%s=1: make test builds it, so it must be there)", msg, RequireModulesEnv)
	}
	tb.Skip(msg)
}

// CacheEnv names a compilation cache directory that every test package of
// a run shares (make test sets it): a module that several packages load is
// then compiled once per run instead of once per package. The cache is
// keyed by the module's bytes and the runtime's version, so a directory
// kept across runs is safe.
const CacheEnv = "WASMADAPT_TEST_CACHE"

// CacheDir returns the compilation cache directory for a test binary: the
// shared one CacheEnv names, or else a new temporary directory (prefix
// names it). cleanup removes the temporary one; it leaves a shared one.
func CacheDir(prefix string) (dir string, cleanup func(), err error) {
	if d := os.Getenv(CacheEnv); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", nil, err
		}
		return d, func() {}, nil
	}
	d, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", nil, err
	}
	return d, func() { os.RemoveAll(d) }, nil
}

// RunCached is a TestMain's body: it sets *cacheDir to CacheDir(prefix),
// runs m's tests, removes a temporary cache and returns their exit code.
func RunCached(m *testing.M, prefix string, cacheDir *string) int {
	d, cleanup, err := CacheDir(prefix)
	if err != nil {
		panic(err)
	}
	defer cleanup()
	*cacheDir = d
	return m.Run()
}

// CacheDirOr returns the run's shared compilation cache directory
// (CacheEnv) when one is set, else fallback.
func CacheDirOr(fallback string) string {
	if d := os.Getenv(CacheEnv); d != "" {
		return d
	}
	return fallback
}
