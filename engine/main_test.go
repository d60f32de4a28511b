package engine

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/wasmadapt/wasmadapt/internal/testenv"
)

// Test guests, built once per test binary by TestMain.
var (
	guestDir string
	cacheDir string
	guestErr error
	// The guests TestMain builds (testenv.Guests holds their packages,
	// tags and flags).
	guestFiles = []string{"echo", "hostile", "raw", "raw-wrongversion", "raw-missing", "raw-forbidden"}
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "engine-guests-")
	if err != nil {
		panic(err)
	}
	guestDir = filepath.Join(dir, "wasm")
	os.MkdirAll(guestDir, 0o755)
	// One compilation cache for the whole test binary (or the whole run:
	// testenv.CacheEnv): each guest is compiled once, not once per test.
	cacheDir = filepath.Join(dir, "cache")
	if d := os.Getenv(testenv.CacheEnv); d != "" {
		cacheDir = d
	}
	if _, err := exec.LookPath("go"); err != nil {
		guestErr = fmt.Errorf("go tool not found: %v", err)
	} else {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for _, name := range guestFiles {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := testenv.Guests[name].Build(filepath.Join(guestDir, name+".wasm")); err != nil {
					mu.Lock()
					guestErr = fmt.Errorf("building guest %s: %v", name, err)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// wasmOf returns the bytes of a test guest, skipping the test when the go
// tool is missing and failing it when the build failed.
func wasmOf(tb testing.TB, name string) []byte {
	tb.Helper()
	if guestErr != nil {
		if _, err := exec.LookPath("go"); err != nil {
			testenv.SkipMissing(tb, "%v", guestErr)
		}
		tb.Fatal(guestErr)
	}
	b, err := os.ReadFile(filepath.Join(guestDir, name+".wasm"))
	if err != nil {
		tb.Fatal(err)
	}
	return b
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
