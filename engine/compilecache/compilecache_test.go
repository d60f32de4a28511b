package compilecache_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/engine/compilecache"
	"github.com/wasmadapt/wasmadapt/internal/leb128"
)

// stubModule encodes a minimal module that satisfies the ABI contract
// (every export, a memory, wasmadapt_abi_version returning abi.Version);
// seed makes its bytes, and so its digest, distinct. It stands in for a
// real adapter, whose first compilation takes seconds: many distinct
// modules are what the eviction test needs, not large ones. extra adds
// functions to make its compiled code larger.
func stubModule(seed uint32, extra int) []byte {
	uleb := func(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }
	sleb32 := leb128.AppendSigned
	section := func(out []byte, id byte, body []byte) []byte {
		out = append(out, id)
		out = uleb(out, uint64(len(body)))
		return append(out, body...)
	}
	name := func(b []byte, s string) []byte { return append(uleb(b, uint64(len(s))), s...) }

	out := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	// Types: 0 () -> i32, 1 (i32) -> i32, 2 (i32 i32) -> i64.
	out = section(out, 1, []byte{3, 0x60, 0, 1, 0x7f, 0x60, 1, 0x7f, 1, 0x7f, 0x60, 2, 0x7f, 0x7f, 1, 0x7e})
	// The deadline instrumentation needs sched_yield imported.
	out = section(out, 2, append(name(name([]byte{1}, abi.WASIModule), "sched_yield"), 0, 0))
	exports := []string{abi.ExportABIVersion, abi.ExportAlloc, abi.ExportCapabilities, abi.ExportProject, abi.ExportTransform, abi.ExportParseResponse, abi.ExportMapError}
	types := []byte{0, 1, 2, 2, 2, 2, 2}
	for range extra {
		types = append(types, 1)
	}
	out = section(out, 3, append(uleb(nil, uint64(len(types))), types...))
	out = section(out, 5, []byte{1, 0, 1}) // one memory, min 1 page
	ex := uleb(nil, uint64(len(exports)+1))
	for i, n := range exports {
		ex = append(name(ex, n), 0, byte(i+1))
	}
	ex = append(name(ex, "memory"), 2, 0)
	out = section(out, 7, ex)
	code := uleb(nil, uint64(len(types)))
	for i, t := range types {
		var body []byte
		switch {
		case i == 0:
			body = append(sleb32([]byte{0, 0x41}, int64(abi.Version)), 0x0b)
		case t == 1: // alloc and extras: x*seed + i
			body = []byte{0, 0x20, 0, 0x41}
			body = sleb32(body, int64(seed))
			body = append(body, 0x6c, 0x41)
			body = sleb32(body, int64(i))
			body = append(body, 0x6a, 0x0b)
		default:
			body = []byte{0, 0x42, 0, 0x0b}
		}
		code = append(uleb(code, uint64(len(body))), body...)
	}
	return section(out, 10, code)
}

func dirSize(t *testing.T, dir string) int64 {
	t.Helper()
	c, err := compilecache.Open(dir, -1)
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.Size()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The cache stays under its limit across many distinct modules, keeps the
// most recently used ones, and a module rebuilt with the same bytes reuses
// its entry.
func TestEngineCacheStaysUnderLimit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	load := func(cfg engine.Config, seed uint32) engine.CompileEvent {
		t.Helper()
		var last engine.CompileEvent
		cfg.CacheDir = dir
		cfg.OnCompile = func(ev engine.CompileEvent) { last = ev }
		e, err := engine.New(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close(ctx)
		if _, err := e.Load(ctx, "stub", stubModule(seed, 40)); err != nil {
			t.Fatalf("Load(stub %d): %v", seed, err)
		}
		if !last.Done || last.Err != nil {
			t.Fatalf("last compile event %+v", last)
		}
		return last
	}
	// Measure one module's compiled code, then allow about five. The
	// compilation is logged (Info: it was not cached).
	var logs bytes.Buffer
	load(engine.Config{CacheMaxBytes: -1, Logger: slog.New(slog.NewTextHandler(&logs, nil))}, 1)
	if l := logs.String(); !strings.Contains(l, `level=INFO msg="engine: compiling module" module=stub`) || !strings.Contains(l, `msg="engine: compiled module" module=stub cached=false elapsed=`) {
		t.Errorf("the compilation was not logged at Info:\n%s", l)
	}
	one := dirSize(t, dir)
	if one == 0 {
		t.Fatal("the first compilation wrote nothing to the cache")
	}
	limit := 5*one + one/2
	cfg := engine.Config{CacheMaxBytes: limit}
	evictions := 0
	for seed := uint32(2); seed <= 60; seed++ {
		ev := load(cfg, seed)
		if ev.Cached {
			t.Fatalf("module %d reported cached before it was ever compiled", seed)
		}
		evictions += ev.Evicted
		if n := dirSize(t, dir); n > limit {
			t.Fatalf("after module %d the cache holds %d bytes, over its limit %d", seed, n, limit)
		}
		if seed == 30 {
			// Using module 27 again makes it recent: it must survive
			// the next evictions while 26 and 28 go.
			if ev := load(cfg, 27); !ev.Cached {
				t.Fatal("module 27, just compiled, was not cached")
			}
			load(cfg, 29)
			load(cfg, 30)
		}
	}
	if evictions < 50 {
		t.Errorf("%d evictions over 60 modules with room for 5", evictions)
	}
	c, _ := compilecache.Open(dir, limit)
	ents, err := c.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) > 5 || len(ents) < 3 {
		t.Errorf("%d entries left, want about 5: %+v", len(ents), ents)
	}
	// Identical bytes (a rebuild that changed nothing) reuse the entry.
	if ev := load(cfg, 60); !ev.Cached || ev.Evicted != 0 {
		t.Errorf("reloading the newest module: %+v, want cached", ev)
	}
	if ev := load(cfg, 2); ev.Cached {
		t.Errorf("module 2 was evicted long ago but reports cached")
	}
}

func TestTrimAndList(t *testing.T) {
	dir := t.TempDir()
	c, err := compilecache.Open(dir, 250)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, n int) func() error {
		return func() error {
			os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
			return os.WriteFile(filepath.Join(dir, "sub", name), make([]byte, n), 0o644)
		}
	}
	for i, d := range []string{"aa", "bb", "cc"} {
		ev, err := c.Track(d, "m"+d, write(d, 100))
		if err != nil {
			t.Fatal(err)
		}
		if i < 2 && len(ev) != 0 || i == 2 && (len(ev) != 1 || ev[0].Digest != "aa") {
			t.Errorf("track %s evicted %+v", d, ev)
		}
	}
	// An untracked file (another process, an older binary) is evicted by
	// its modification time: it is the oldest.
	os.WriteFile(filepath.Join(dir, "stray"), make([]byte, 10), 0o644)
	os.Chtimes(filepath.Join(dir, "stray"), time0, time0)
	ents, _ := c.List()
	if len(ents) != 3 || ents[0].Digest != "cc" || ents[1].Digest != "bb" || ents[2].Digest != "" || ents[0].Size != 100 {
		t.Errorf("List: %+v", ents)
	}
	if !c.Cached("bb") || c.Cached("aa") {
		t.Error("Cached disagrees with the files")
	}
	ev, err := c.Trim(150)
	if err != nil || len(ev) != 2 || ev[0].Digest != "" || ev[1].Digest != "bb" {
		t.Errorf("Trim(150) evicted %+v, %v", ev, err)
	}
	if ev, _ := c.Trim(-1); len(ev) != 1 {
		t.Errorf("Trim(-1) evicted %+v", ev)
	}
	if n, _ := c.Size(); n != 0 {
		t.Errorf("%d bytes left after removing everything", n)
	}
}

var time0 = mustTime("2001-01-01T00:00:00Z")

func mustTime(s string) (t time.Time) {
	t, _ = time.Parse(time.RFC3339, s)
	return t
}

// A load from the cache does not wait for a cold compilation in progress.
func TestWarmDoesNotWaitForCold(t *testing.T) {
	dir := t.TempDir()
	c, err := compilecache.Open(dir, -1)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string) func() error {
		return func() error { return os.WriteFile(filepath.Join(dir, name), []byte("code"), 0o644) }
	}
	if _, err := c.Track("warm", "w", write("warm")); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	started := make(chan struct{})
	coldDone := make(chan struct{})
	go func() {
		defer close(coldDone)
		c.Track("cold", "c", func() error {
			close(started)
			<-release
			return write("cold")()
		})
	}()
	<-started
	done := make(chan struct{})
	go func() {
		c.Track("warm", "w", func() error { return nil })
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Error("a load from the cache waited for a cold compilation")
	}
	close(release)
	<-coldDone
	if !c.Cached("cold") {
		t.Error("the cold compilation's file was not attributed")
	}
}
