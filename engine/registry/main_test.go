package registry

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/internal/testenv"
)

// waitBound bounds every wait for a condition: generous, since the machine
// may be loaded; a test never sleeps for a fixed time instead.
const waitBound = 2 * time.Minute

// Test guests (engine/testdata), built on first use into a directory of
// the test binary, with one compilation cache for the whole binary (or
// the whole run: testenv.CacheEnv).
var (
	guestDir string
	cacheDir string
	builds   sync.Map // file name -> *guestBuild
)

type guestBuild struct {
	once sync.Once
	err  error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "registry-guests-")
	if err != nil {
		panic(err)
	}
	guestDir = filepath.Join(dir, "wasm")
	cacheDir = filepath.Join(dir, "cache")
	if d := os.Getenv(testenv.CacheEnv); d != "" {
		cacheDir = d
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildGuest returns the bytes of test guest name (testenv.Guests) as
// file name.wasm: built once per test binary, skipped when the go tool is
// missing.
func buildGuest(tb testing.TB, name string) []byte {
	tb.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		testenv.SkipMissing(tb, "go tool not found (it builds the test guests): %v", err)
	}
	if err := build(name); err != nil {
		tb.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(guestDir, name+".wasm"))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// build builds guest name once (see buildGuest); concurrent callers wait
// for the one build and share its error.
func build(name string) error {
	v, _ := builds.LoadOrStore(name, new(guestBuild))
	gb := v.(*guestBuild)
	gb.once.Do(func() {
		g, ok := testenv.Guests[name]
		if !ok {
			gb.err = fmt.Errorf("no test guest %q in testenv.Guests", name)
			return
		}
		gb.err = g.Build(filepath.Join(guestDir, name+".wasm"))
	})
	return gb.err
}

func newEngine(tb testing.TB, cfg engine.Config) *engine.Engine {
	tb.Helper()
	if cfg.CacheDir == "" {
		cfg.CacheDir = cacheDir
	}
	if cfg.Crashes == (engine.CrashPolicy{}) {
		// Tests that provoke faults do so many in a row: crash-loop
		// suspension stays off.
		cfg.Crashes.Limit = -1
	}
	e, err := engine.New(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { e.Close(context.Background()) })
	return e
}
