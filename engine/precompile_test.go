package engine

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

// TestPrecompile: Precompile fills the cache without instantiating, so a
// Load of the same bytes by another engine on that directory is a cache
// load; what Load refuses before instantiation, Precompile refuses too.
func TestPrecompile(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "cache")
	var mu sync.Mutex
	var events []CompileEvent
	record := func(ev CompileEvent) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, ev)
	}
	// A small WAT module: compiling a Go guest on the empty cache would
	// take minutes under the race detector.
	wasm := eventsModule(t, 1)
	if err := newEngine(t, Config{CacheDir: dir, OnCompile: record}).Precompile(ctx, "echo", wasm); err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || events[0].Cached || events[1].Err != nil {
		t.Fatalf("Precompile on an empty cache: compile events %+v, want one uncached compilation", events)
	}
	events = nil
	m, err := newEngine(t, Config{CacheDir: dir, OnCompile: record}).Load(ctx, "echo", wasm)
	if err != nil {
		t.Fatal(err)
	}
	m.Close(ctx)
	if len(events) != 2 || !events[0].Cached {
		t.Fatalf("Load after Precompile: compile events %+v, want a cached load", events)
	}

	e := newEngine(t, Config{}) // the run's cache: raw-missing is compiled ahead
	for name, bad := range map[string][]byte{
		"not wasm":        []byte("hello, this is text"),
		"missing exports": wasmOf(t, "raw-missing"),
	} {
		err := e.Precompile(ctx, name, bad)
		if ae := (*abi.Error)(nil); !errors.As(err, &ae) || ae.Code != abi.CodeABIMismatch {
			t.Errorf("Precompile(%s) = %v, want abi_mismatch", name, err)
		}
	}
	e.Close(ctx)
	if err := e.Precompile(ctx, "echo", wasm); err == nil {
		t.Error("Precompile on a closed engine succeeded")
	}
}
