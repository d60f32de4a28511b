package sandboxtest

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api"
	"github.com/wasmadapt/wasmadapt/api/cases"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/framing"
	"github.com/wasmadapt/wasmadapt/internal/testenv"
)

// framed is a recorded body split into chunks once.
type framed struct {
	chunks []abi.Chunk
	err    error // the framing error that ended the body early, if any
}

func frame(body []byte, framingName string) framed {
	var f framed
	f.chunks, f.err = framing.Chunks(body, framingName, framing.Options{})
	return f
}

// replay feeds f's chunks through m in batches of the given sizes (the
// last batch takes what is left), with host-owned state as the host does,
// then the END call (carried by the last batch when endWithLast). A body
// the framer refused gets no END call. It returns the canonical event
// lines, or the error line of a call that failed.
func replay(ctx context.Context, m engine.Module, f framed, sctx []byte, sizes []int, endWithLast bool) []byte {
	var out, state []byte
	// The tool calls a 1.4 module ends with tool-call-end are completed
	// as the host completes them (cases.Replay does the same).
	var order api.EventOrder
	call := func(chunks []abi.Chunk, flags uint32) bool {
		in := &abi.TransformInput{Flags: flags, State: state, Chunks: chunks}
		if len(state) == 0 {
			in.Context = sctx
		}
		st, evs, err := m.Transform(ctx, in)
		if err != nil {
			out = fmt.Appendf(out, "ERROR %s %q\n", abi.CodeOf(err), err.Error())
			return false
		}
		state = st
		evs, err = order.Complete(evs)
		out = cases.AppendLines(out, evs)
		if err != nil {
			out = fmt.Appendf(out, "ERROR %s %q\n", abi.CodeOf(err), err.Error())
			return false
		}
		return true
	}
	rest := f.chunks
	for i := 0; len(rest) > 0; i++ {
		n := len(rest)
		if i < len(sizes) && sizes[i] < n {
			n = sizes[i]
		}
		var flags uint32
		if n == len(rest) && endWithLast && f.err == nil {
			flags = abi.FlagEnd
		}
		if !call(rest[:n], flags) {
			return out
		}
		rest = rest[n:]
		if flags != 0 {
			return out
		}
	}
	if f.err == nil {
		call(nil, abi.FlagEnd)
	}
	return out
}

// randomSizes draws a random batching of n chunks.
func randomSizes(r *rand.Rand, n int) ([]int, bool) {
	var sizes []int
	for left := n; left > 0; {
		k := 1 + r.IntN(min(left, 8))
		if r.IntN(4) == 0 {
			k = left // sometimes everything left at once
		}
		sizes = append(sizes, k)
		left -= k
	}
	return sizes, r.IntN(2) == 0
}

// newestSource returns the latest modification time of the non-test Go
// files of pkg and of the packages of this module it depends on, built
// for wasip1.
func newestSource(t *testing.T, pkg string) time.Time {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.Dir}}{{end}}", pkg)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	var newest time.Time
	for _, dir := range strings.Fields(string(out)) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if n := e.Name(); !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
				continue
			}
			if info, err := e.Info(); err == nil && info.ModTime().After(newest) {
				newest = info.ModTime()
			}
		}
	}
	return newest
}

// raceSubset are the adapters whose Wasm builds the determinism test
// runs under the race detector (compiling a module takes ~18 s there):
// a Chat Completions one over SSE and one over NDJSON.
var raceSubset = map[string]bool{"openai": true, "ollama": true}

func init() {
	// The subset must be compiled ahead by internal/testcache.
	for name := range raceSubset {
		if !slices.Contains(testenv.RaceAdapters, name) {
			panic("raceSubset names " + name + ", which testenv.RaceAdapters lacks")
		}
	}
}

// TestDeterminism: for every adapter's recorded streams (testdata/<adapter>
// cases with a streamed 2xx body), the events are byte-identical across
// repeated runs, random batchings of the chunks into transform calls
// (including the END flag on the last batch), the native and the Wasm
// builds, and Wasm engines with pools of 1, 2 and 8 instances serving
// concurrent replays (under -race, the Wasm builds of raceSubset only).
// The Wasm half needs bin/adapters/<name>.wasm (make
// adapters) and is skipped without it.
func TestDeterminism(t *testing.T) {
	ctx := context.Background()
	all := streamCases(t)
	if len(all) == 0 {
		t.Fatal("no streamed cases in testdata")
	}
	r := rand.New(rand.NewPCG(7, 11))
	refs := make([][]byte, len(all))
	frames := make([]framed, len(all))
	natives := map[string]engine.Module{}
	for i, ac := range all {
		if natives[ac.adapter] == nil {
			natives[ac.adapter] = nativeModule(ac.adapter)
		}
		m := natives[ac.adapter]
		frames[i] = frame(ac.c.Body, ac.framing)
		refs[i] = replay(ctx, m, frames[i], ac.sctx, nil, false) // one call
		if frames[i].err == nil && !bytes.HasPrefix(refs[i], []byte("ERROR")) {
			// The reference agrees with the golden-case runner.
			evs, err := cases.Replay(ctx, m, bytes.NewReader(ac.c.Body), ac.framing, ac.sctx, 0)
			if err != nil {
				t.Fatalf("%s/%s: cases.Replay: %v", ac.adapter, ac.c.Name, err)
			}
			if got := cases.AppendLines(nil, evs); !bytes.Equal(got, refs[i]) {
				t.Fatalf("%s/%s: replay and cases.Replay differ:\n%s\n%s", ac.adapter, ac.c.Name, refs[i], got)
			}
		}
		for range 3 {
			sizes, endLast := randomSizes(r, len(frames[i].chunks))
			if got := replay(ctx, m, frames[i], ac.sctx, sizes, endLast); !bytes.Equal(got, refs[i]) {
				t.Fatalf("%s/%s (native): batching %v (END with last: %v) changed the events:\n%s\nwant\n%s",
					ac.adapter, ac.c.Name, sizes, endLast, got, refs[i])
			}
		}
	}
	t.Logf("%d streamed cases of %d adapters: native runs agree", len(all), len(natives))

	// A module older than the sources it is built from would compare
	// stale code with the native build: it is left out (make adapters).
	wasms := map[string][]byte{}
	for name := range natives {
		if raceEnabled && !raceSubset[name] {
			continue // compiling every module under -race takes minutes
		}
		path := filepath.Join(repoRoot, "bin", "adapters", name+".wasm")
		info, err := os.Stat(path)
		if err != nil {
			testenv.SkipMissing(t, "the Wasm half needs the built adapters (make adapters): %v", err)
		}
		if src := newestSource(t, "./adapters-wasm/"+name+"/module"); info.ModTime().Before(src) {
			t.Logf("%s is older than its sources: left out of the Wasm half (make adapters)", path)
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		wasms[name] = b
	}
	if len(wasms) == 0 {
		testenv.SkipMissing(t, "every built adapter is stale: run make adapters")
	}
	for _, pool := range []int{1, 2, 8} {
		t.Run(fmt.Sprintf("wasm-pool-%d", pool), func(t *testing.T) {
			cfg := engine.Config{Backend: "wazero", CacheDir: cacheDir, PoolSize: pool}
			e, err := engine.New(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close(ctx)
			mods := map[string]engine.Module{}
			for name, b := range wasms {
				if mods[name], err = e.Load(ctx, name, b); err != nil {
					t.Fatal(err)
				}
			}
			workers := max(pool, 2)
			var wg sync.WaitGroup
			errs := make(chan error, workers)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := rand.New(rand.NewPCG(uint64(pool), uint64(w)))
					for i, ac := range all {
						if mods[ac.adapter] == nil {
							continue
						}
						sizes, endLast := randomSizes(r, len(frames[i].chunks))
						if got := replay(ctx, mods[ac.adapter], frames[i], ac.sctx, sizes, endLast); !bytes.Equal(got, refs[i]) {
							errs <- fmt.Errorf("%s/%s (wasm, pool %d): batching %v (END with last: %v) gave\n%s\nthe native one-call run\n%s",
								ac.adapter, ac.c.Name, pool, sizes, endLast, got, refs[i])
							return
						}
					}
				}()
			}
			wg.Wait()
			testenv.ReportErrs(t, errs)
		})
	}
}
