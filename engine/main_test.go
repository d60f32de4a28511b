package engine

import (
	"context"
	"os"
	"testing"

	"github.com/wasmadapt/wasmadapt/internal/testenv"
)

// Test guests, built once per test binary by TestMain.
var (
	guests   testenv.GuestSet
	cacheDir string
	// The guests TestMain builds (testenv.Guests holds their packages,
	// tags and flags).
	guestFiles = []string{"echo", "hostile", "raw", "raw-wrongversion", "raw-missing", "raw-forbidden"}
)

func TestMain(m *testing.M) {
	// One compilation cache for the whole test binary (or the whole run:
	// testenv.CacheEnv): each guest is compiled once, not once per test.
	os.Exit(guests.RunTests(m, "engine-guests-", &cacheDir, guestFiles...))
}

// wasmOf returns the bytes of a test guest, skipping the test when the go
// tool is missing and failing it when the build failed.
func wasmOf(tb testing.TB, name string) []byte {
	tb.Helper()
	return guests.Wasm(tb, name)
}

func newEngine(tb testing.TB, cfg Config) *Engine {
	tb.Helper()
	if cfg.CacheDir == "" {
		cfg.CacheDir = cacheDir
	}
	if cfg.Crashes == (CrashPolicy{}) {
		// These tests provoke faults on purpose, many in a row:
		// crash-loop suspension is off unless a test sets it
		// (suspend_test.go).
		cfg.Crashes.Limit = -1
	}
	e, err := New(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { e.Close(context.Background()) })
	return e
}

func load(tb testing.TB, e *Engine, name string) Module {
	tb.Helper()
	m, err := e.Load(context.Background(), name, wasmOf(tb, name))
	if err != nil {
		tb.Fatalf("Load(%s): %v", name, err)
	}
	return m
}
