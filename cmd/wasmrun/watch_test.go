package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/engine/registry"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
	"github.com/wasmadapt/wasmadapt/internal/testenv"
)

// syncBuffer is a bytes.Buffer safe for concurrent writers and readers.
type syncBuffer = testenv.SyncBuffer

func TestWatchOnce(t *testing.T) {
	wasm, err := os.ReadFile(openaiModule(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "openai.wasm"), wasm, 0o644)
	os.WriteFile(filepath.Join(dir, "junk.wasm"), []byte("junk"), 0o644)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"--cache", cacheDir, "watch", dir, "--once", "--debounce", "20ms", "--interval", "5ms"}, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (one module rejected); stdout:\n%s\nstderr:\n%s", code, &out, &errb)
	}
	for _, want := range []string{"loaded openai@1.0.0", "activated openai@1.0.0", "rejected junk", "rejected at compile", "openai: active openai@1.0.0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, &out)
		}
	}
	if !strings.Contains(errb.String(), "1 module(s) rejected") {
		t.Errorf("stderr: %s", &errb)
	}
}

func TestWatchUntilInterrupted(t *testing.T) {
	wasm, err := os.ReadFile(openaiModule(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--cache", cacheDir, "watch", dir, "--debounce", "20ms", "--interval", "5ms"}, &out, &errb)
	}()
	// Renamed into place whole: a slow write seen half done by the scan
	// would add lines this test does not count (TestWatchDir covers that).
	tmp := filepath.Join(t.TempDir(), "openai.wasm")
	if err := os.WriteFile(tmp, wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "openai.wasm")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(waitBound)
	for !strings.Contains(out.String(), "activated openai@1.0.0") {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no activation; stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d after interrupt; stderr:\n%s", code, errb.String())
	}
	// Closing the registry on exit drains the active generation.
	if !strings.Contains(out.String(), "drained openai@1.0.0") {
		t.Errorf("no drain line on exit:\n%s", out.String())
	}
	if !strings.HasPrefix(out.String(), "watching "+dir+" for NAME.wasm files (scan every 5ms") {
		t.Errorf("the first line does not say what is watched:\n%s", out.String())
	}
	if lines := strings.Count(out.String(), "\n"); lines != 4 {
		t.Errorf("want 4 lines (watching, loaded, activated, drained), got:\n%s", out.String())
	}
}

func TestWatchUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"watch", t.TempDir(), "--key", "nothex"}, &out, &errb); code != 2 {
		t.Fatalf("exit %d for a bad key, want 2; stderr %s", code, &errb)
	}
	if code := run(context.Background(), []string{"watch"}, &out, &errb); code != 2 {
		t.Fatalf("exit %d without DIR, want 2", code)
	}
}

// buildSwapGuest builds engine/testdata/swap/guest (the OpenAI adapter
// named "chat" with its version set at link time).
func buildSwapGuest(t *testing.T, dir, version string) []byte {
	t.Helper()
	out := filepath.Join(dir, "chat-"+version+".wasm")
	if err := testenv.SwapGuest(version).Build(out); err != nil {
		t.Fatalf("building the swap guest: %v", err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// waitBound bounds every wait for a condition in these tests: far beyond
// what any machine needs, so that only a real failure reaches it.
const waitBound = testenv.PollBound

// TestSwapThroughHost: concurrent streams through host.Client against a
// loopback provider replaying a recording, while a watched directory swaps
// the module between two versions: every stream succeeds with events
// byte-identical to a run without swaps.
func TestSwapThroughHost(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		testenv.SkipMissing(t, "%v", err)
	}
	pc, err := providertest.LoadCase("../../testdata/openai/stream-parallel-tools")
	if err != nil {
		t.Skip("recording not present:", err)
	}
	build := t.TempDir()
	v1, v2 := buildSwapGuest(t, build, "1.0.0"), buildSwapGuest(t, build, "2.0.0")
	ctx := context.Background()
	eng, err := engine.New(ctx, engine.Config{CacheDir: cacheDir, PoolSize: 4, CallTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close(ctx)
	// Compile both versions into the cache first: the swaps below then
	// measure swapping, not how fast this machine compiles while four
	// streams compete for it.
	for _, b := range [][]byte{v1, v2} {
		m, err := eng.Load(ctx, "chat", b)
		if err != nil {
			t.Fatal(err)
		}
		m.Close(ctx)
	}
	activated := make(chan registry.Version, 16)
	rejected := make(chan error, 16)
	reg := registry.New(eng, registry.Options{OnChange: func(c registry.Change) {
		switch c.Kind {
		case registry.ChangeActivated:
			activated <- c.Version
		case registry.ChangeRejected:
			rejected <- c.Err
		}
	}})
	defer reg.Close(ctx)
	dir := t.TempDir()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go registry.WatchDir(wctx, dir, reg, registry.WatchOptions{Interval: 5 * time.Millisecond, Debounce: 20 * time.Millisecond})
	put := func(b []byte) registry.Version {
		tmp := filepath.Join(dir, ".chat.tmp")
		if err := os.WriteFile(tmp, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "chat.wasm")); err != nil {
			t.Fatal(err)
		}
		select {
		case v := <-activated:
			return v
		case err := <-rejected:
			t.Fatalf("the watcher rejected the module: %v", err)
		case <-time.After(waitBound):
			t.Fatalf("no activation within %v", waitBound)
		}
		return registry.Version{}
	}
	put(v1)

	srv := providertest.NewServer([]providertest.Case{pc}, providertest.WithCuts(5, 64))
	defer srv.Close()
	client := host.NewClient()
	p := host.Provider{Module: reg.Module("chat"), BaseURL: srv.URL, Credentials: host.StaticKey("test")}
	req := &abi.Request{Model: "gpt-4.1-mini", Stream: true, Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("weather?")}}}
	stream := func() ([]byte, error) {
		var out []byte
		for ev, err := range client.Stream(ctx, p, req) {
			if err != nil {
				return out, err
			}
			out = ev.AppendJSON(out)
			out = append(out, '\n')
		}
		return out, nil
	}
	want, err := stream()
	if err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	var n atomic.Int64
	// Four streams and four swaps: enough to have streams in flight on
	// both versions at every swap; more only lengthen the run under -race.
	const streams, swaps = 4, 4
	errs := make(chan error, streams)
	// On a failure below, the streams end before the server closes.
	defer func() { stop.Store(true); wg.Wait() }()
	for range streams {
		wg.Go(func() {
			for !stop.Load() {
				got, err := stream()
				n.Add(1)
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(got, want) {
					errs <- fmt.Errorf("events differ from the run without swaps:\n got %s\nwant %s", got, want)
					return
				}
			}
		})
	}
	for i := range swaps {
		b, ver := v2, "2.0.0"
		if i%2 == 1 {
			b, ver = v1, "1.0.0"
		}
		if v := put(b); v.Declared != ver {
			t.Fatalf("activated %s, want %s", v, ver)
		}
		caps, err := client.Capabilities(ctx, p.Module, "")
		if err != nil || caps.Version != ver {
			t.Fatalf("capabilities after the swap: %v %v, want version %s", caps, err, ver)
		}
	}
	stop.Store(true)
	wg.Wait()
	testenv.ReportErrs(t, errs)
	t.Logf("%d streams through the host across %d swaps", n.Load(), swaps)
}
