package sandboxtest

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
)

// capCases are the corpus cases that hit a sandbox cap at run time (not at
// load): each is one escape the sandbox closes (SECURITY.md, "Sandbox
// caps").
var capCases = []string{
	"wat-table-grow",
	"wat-recursion-tree",
	"wat-memory-copy-loop",
	"wat-random-loop",
	"wat-fd-write-flood",
	"wat-event-flood",
	"wat-deep-recursion",
}

// rssBytes is the process's resident set size (Linux; 0 elsewhere).
func rssBytes() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

// TestSandboxCapsRepeated runs every run-time cap case of the corpus 100
// times in one engine (those ending in adapter_timeout every fifth round,
// with a shorter deadline than the corpus's, to keep it short): each call
// must end with the case's code every time, a control module must still serve, and the
// host's heap and RSS must come back to (a generous bound over) what they
// were after a first round: no cap leaks host memory call after call.
func TestSandboxCapsRepeated(t *testing.T) {
	reps := 100
	if testing.Short() || raceEnabled {
		reps = 10
	}
	ctx := context.Background()
	// Cases that must time out run with a short deadline; the others
	// with a long one, so that a loaded machine never turns them into
	// timeouts.
	short, long := corpusConfig(), corpusConfig()
	short.CallTimeout = scaled(200 * time.Millisecond)
	long.CallTimeout = faultDeadline
	cfgs := map[bool]engine.Config{true: short, false: long}
	engines := map[bool]*engine.Engine{}
	var stillServes func(t *testing.T)
	engines[false], stillServes = controlEngine(t, long)
	engines[true] = newEngine(t, short) // no Go guest: its start-up must not race 200 ms
	corpus := loadCorpus(t)
	mods := make([]engine.Module, len(capCases))
	for i, name := range capCases {
		var err error
		timeout := corpus[name].Expect[0].Code == abi.CodeAdapterTimeout
		if mods[i], err = engines[timeout].Load(ctx, name, corpusWasm(t, name)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	round := func(r int) {
		for i, name := range capCases {
			x := corpus[name].Expect[0]
			timeout := x.Code == abi.CodeAdapterTimeout
			if timeout && r%5 != 0 {
				continue
			}
			if err := x.check(ctx, cfgs[timeout], mods[i]); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		stillServes(t)
	}
	round(0)
	heap0, rss0 := heapInuse(), rssBytes()
	start := time.Now()
	for i := 0; i < reps; i++ {
		round(i)
	}
	heap1, rss1 := heapInuse(), rssBytes()
	t.Logf("%d rounds of %d cap cases in %v: heap in use %.1f -> %.1f MiB, RSS %.1f -> %.1f MiB",
		reps, len(capCases), time.Since(start).Round(time.Millisecond),
		float64(heap0)/(1<<20), float64(heap1)/(1<<20), float64(rss0)/(1<<20), float64(rss1)/(1<<20))
	if heap1 > heap0+64<<20 {
		t.Errorf("heap in use grew from %d to %d bytes over %d rounds", heap0, heap1, reps)
	}
	if rss0 > 0 && rss1 > rss0+256<<20 {
		t.Errorf("RSS grew from %d to %d bytes over %d rounds", rss0, rss1, reps)
	}
}
