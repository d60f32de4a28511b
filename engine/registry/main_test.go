package registry

import (
	"context"
	"os"
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
	guests   testenv.GuestSet
	cacheDir string
)

func TestMain(m *testing.M) { os.Exit(guests.RunTests(m, "registry-guests-", &cacheDir)) }

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
