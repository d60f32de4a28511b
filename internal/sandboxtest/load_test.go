package sandboxtest

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
	"github.com/wasmadapt/wasmadapt/internal/testenv"
)

func heapInuse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// TestLoadWithHostileModules runs many concurrent streams through one
// host.Client and one engine, with hostile requests (loops, panics, memory
// bombs, bad output, memory hogs) mixed in: every good stream gets exactly
// its events, every hostile one its code; afterwards the instances the
// modules keep are bounded by the pool and the recycling threshold, the
// heap comes back down, and closing everything leaves no goroutine behind.
func TestLoadWithHostileModules(t *testing.T) {
	const (
		pool    = 4
		recycle = 16 << 20
		workers = 16
	)
	perWorker := 12
	if raceEnabled {
		perWorker = 6 // the race detector slows everything; keep it a few seconds
	}
	goroutinesBefore := runtime.NumGoroutine()
	heapBefore := heapInuse()
	ctx := context.Background()
	cfg := corpusConfig()
	cfg.PoolSize = pool
	cfg.MemoryLimitBytes = 32 << 20
	cfg.RecycleMemoryBytes = recycle
	e, err := engine.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	good := loadCorpusModule(t, e, "control", "control")
	bad := loadCorpusModule(t, e, "sdk-misbehave", "sdk-misbehave")
	abuse := loadCorpusModule(t, e, "sdk-runtime-abuse", "sdk-runtime-abuse")
	// The loop runs on an engine with the short deadline (the only thing
	// that ends it); the other faults under corpusConfig's, which only
	// they can beat, however loaded the machine.
	dcfg := deadlineConfig()
	dcfg.PoolSize, dcfg.MemoryLimitBytes, dcfg.RecycleMemoryBytes = pool, cfg.MemoryLimitBytes, recycle
	de, err := engine.New(ctx, dcfg)
	if err != nil {
		t.Fatal(err)
	}
	badLoop := loadCorpusModule(t, de, "sdk-misbehave", "sdk-misbehave")
	var events []string
	for i := range 20 {
		events = append(events, "", fmt.Sprintf("part-%02d", i))
	}
	body := providertest.SSE(events...)
	var wantText strings.Builder
	for i := range 20 {
		fmt.Fprintf(&wantText, "part-%02d", i)
	}
	var cs []providertest.Case
	cs = append(cs, providertest.Case{Name: "stream", Framing: abi.FramingSSE, Body: body})
	for _, w := range []string{"loop", "panic", "bomb", "badargs", "fine", "slices"} {
		cs = append(cs, providertest.Case{Name: w, Framing: abi.FramingNone, Body: []byte(w)})
	}
	srv := providertest.NewServer(cs, providertest.WithCuts(3, 64))
	transport := host.NewTransport()
	client := host.NewClient(host.WithTransport(transport), host.WithRetry(host.RetryPolicy{MaxRetries: -1}))

	type job struct {
		m    engine.Module
		what string
		code abi.Code
		text string
	}
	jobs := []job{
		{good, "stream", "", ""}, {bad, "fine", "", "fine"}, {good, "stream", "", ""}, {bad, "panic", abi.CodeAdapterTrap, ""},
		{good, "stream", "", ""}, {bad, "badargs", abi.CodeAdapterBadOutput, ""}, {abuse, "slices", "", "dropped"},
		{good, "stream", "", ""}, {bad, "bomb", abi.CodeAdapterMemory, ""}, {good, "stream", "", ""},
		{badLoop, "loop", abi.CodeAdapterTimeout, ""}, {abuse, "slices", "", "dropped"},
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				j := jobs[(w+i)%len(jobs)]
				p := host.Provider{Module: j.m, BaseURL: srv.URL, Credentials: host.StaticKey("k"),
					Header: map[string][]string{"X-Providertest-Case": {j.what}}}
				stream := j.what == "stream"
				var text strings.Builder
				var gotErr error
				for ev, err := range client.Stream(ctx, p, &abi.Request{Model: "m", Stream: stream,
					Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("hi")}}}) {
					if err != nil {
						gotErr = err
						break
					}
					if ev.Type == abi.EventTextDelta {
						text.WriteString(ev.Text)
					}
				}
				want := j.text
				if stream {
					want = wantText.String()
				}
				switch {
				case abi.CodeOf(gotErr) != j.code:
					errs <- fmt.Errorf("%s/%s: got %v, want code %q", j.m.Name(), j.what, gotErr, j.code)
				case j.code == "" && text.String() != want:
					errs <- fmt.Errorf("%s/%s: got text %q, want %q", j.m.Name(), j.what, text.String(), want)
				}
			}
		}()
	}
	wg.Wait()
	testenv.ReportErrs(t, errs)
	took := time.Since(start)

	var total uint64
	for _, m := range []engine.Module{good, bad, abuse, badLoop} {
		st := engine.InstanceStats(m)
		total += st.MemoryBytes
		if st.Idle > pool {
			t.Errorf("%s keeps %d idle instances, pool size %d", m.Name(), st.Idle, pool)
		}
		if st.MemoryBytes > uint64(st.Idle)*recycle {
			t.Errorf("%s: %d idle instances hold %d bytes of linear memory, over the %d-byte recycling threshold each",
				m.Name(), st.Idle, st.MemoryBytes, recycle)
		}
	}
	heapLoaded := heapInuse()
	t.Logf("%d requests in %v; %d faults of sdk-misbehave; idle instances hold %.1f MiB of linear memory; heap in use %.1f MiB before, %.1f MiB after the load",
		workers*perWorker, took.Round(time.Millisecond), engine.Faults(bad), float64(total)/(1<<20), float64(heapBefore)/(1<<20), float64(heapLoaded)/(1<<20))
	// The heap holds the compiled modules and at most the pools' idle
	// instances, each under the recycling threshold: not the megabytes of
	// every bomb and hog of the run.
	if limit := heapBefore + 4*pool*recycle + 64<<20; heapLoaded > limit {
		t.Errorf("heap in use %d bytes after the load, over %d: instances were not reclaimed", heapLoaded, limit)
	}

	srv.Close()
	transport.CloseIdleConnections()
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := de.Close(ctx); err != nil {
		t.Fatal(err)
	}
	heapAfter := heapInuse()
	var goroutinesAfter int
	for deadline := time.Now().Add(testenv.PollBound); ; {
		goroutinesAfter = runtime.NumGoroutine()
		if goroutinesAfter <= goroutinesBefore || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("after closing: heap in use %.1f MiB; goroutines %d before, %d after", float64(heapAfter)/(1<<20), goroutinesBefore, goroutinesAfter)
	if goroutinesAfter > goroutinesBefore {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Fatalf("goroutine leak: %d before, %d after\n%s", goroutinesBefore, goroutinesAfter, buf[:n])
	}
}
