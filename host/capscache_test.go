package host

import (
	"context"
	"fmt"
	"testing"

	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/host/internal/toy"
)

// TestCapabilitiesCacheBounded: the cache keeps at most its size, the most
// recently used entries, and forgets the entries of closed modules.
func TestCapabilitiesCacheBounded(t *testing.T) {
	ctx := context.Background()
	c := NewClient(WithCapabilitiesCacheSize(100))
	m := engine.NewNative("toy", toy.Adapter{})
	defer m.Close(ctx)
	for i := range 5000 {
		if _, err := c.Capabilities(ctx, m, fmt.Sprint("model-", i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.caps.len(); n != 100 {
		t.Fatalf("cache holds %d entries, want 100", n)
	}
	if _, ok := c.caps.get(capsKey{m, "model-4999"}); !ok {
		t.Fatal("the most recent entry was dropped")
	}
	if _, ok := c.caps.get(capsKey{m, "model-0"}); ok {
		t.Fatal("the oldest entry was kept")
	}
	if NewClient().caps.max != DefaultCapabilitiesCacheSize {
		t.Fatal("default size")
	}

	old := engine.NewNative("toy", toy.Adapter{})
	if _, err := c.Capabilities(ctx, old, "gen-1"); err != nil {
		t.Fatal(err)
	}
	old.Close(ctx)
	for i := range capsSweepEvery {
		c.Capabilities(ctx, m, fmt.Sprint("sweep-", i))
	}
	c.caps.mu.Lock()
	for k := range c.caps.idx {
		if k.m == old {
			t.Error("an entry of a closed module is still held")
		}
	}
	c.caps.mu.Unlock()
	if _, ok := c.caps.get(capsKey{old, "gen-1"}); ok {
		t.Fatal("a closed module's capabilities were served from the cache")
	}
}
