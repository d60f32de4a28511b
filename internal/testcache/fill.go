package testcache

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/internal/testenv"
)

// Set says which modules Fill compiles.
type Set int

const (
	// Library is what the race-mode tests of library packages load: the
	// adapters of testenv.RaceAdapters, bin/hostile/*.wasm and
	// testenv.Guests.
	Library Set = iota
	// Commands is what the race-mode tests of the commands (package
	// main) load: testenv.Guests, the openai adapter and its
	// testenv.NextVersion.
	Commands
)

// Fill compiles the modules of set into the shared cache
// (testenv.CacheEnv). An adapter that does not compile fails t; hostile
// modules and test guests may be refused (that is what some of them
// test: a refusal after compilation still leaves the compiled code in the
// cache), so their errors are only logged.
func Fill(t *testing.T, set Set) {
	dir := os.Getenv(testenv.CacheEnv)
	if dir == "" {
		t.Fatalf("set %s to the cache directory to fill", testenv.CacheEnv)
	}
	ctx := context.Background()
	eng, err := engine.New(ctx, engine.Config{CacheDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close(ctx)

	type job struct {
		name, path string
		mustLoad   bool
	}
	var jobs []job
	root := testenv.Root()
	adapters := testenv.RaceAdapters
	if set == Commands {
		adapters = []string{"openai"}
	}
	for _, name := range adapters {
		f := filepath.Join(root, "bin", "adapters", name+".wasm")
		if _, err := os.Stat(f); err != nil {
			testenv.SkipMissing(t, "no bin/adapters/%s.wasm: run make first", name)
		}
		jobs = append(jobs, job{name + ".wasm", f, true})
	}
	if set == Library {
		hostile, _ := filepath.Glob(filepath.Join(root, "bin", "hostile", "*.wasm"))
		for _, f := range hostile {
			jobs = append(jobs, job{filepath.Base(f), f, false})
		}
	}
	build := t.TempDir()
	names := make([]string, 0, len(testenv.Guests))
	for n := range testenv.Guests {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		out := filepath.Join(build, n+".wasm")
		if err := testenv.Guests[n].Build(out); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, job{"guest " + n, out, false})
	}
	if set == Commands {
		// The version change of the gateway's OCI reload test.
		openai, err := os.ReadFile(filepath.Join(root, "bin", "adapters", "openai.wasm"))
		if err != nil {
			t.Fatal(err)
		}
		next := filepath.Join(build, "openai-next.wasm")
		if err := os.WriteFile(next, testenv.NextVersion(openai), 0o644); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, job{"openai.wasm (testenv.NextVersion)", next, true})
	}

	var wg sync.WaitGroup
	work := make(chan job)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				wasm, err := os.ReadFile(j.path)
				if err != nil {
					t.Error(err)
					continue
				}
				start := time.Now()
				err = eng.Precompile(ctx, j.name, wasm)
				switch {
				case err != nil && j.mustLoad:
					t.Errorf("%s: %v", j.name, err)
				case err != nil:
					t.Logf("%s: refused (as a hostile module or test guest may be): %v", j.name, err)
				default:
					t.Logf("%s: compiled in %v", j.name, time.Since(start).Round(time.Millisecond))
				}
			}
		}()
	}
	for _, j := range jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	t.Logf("%d modules in %s", len(jobs), dir)
}
