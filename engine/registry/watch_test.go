package registry

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/engine"
)

// watch runs WatchDir on dir until the test ends or stop is called.
func watch(t *testing.T, dir string, r *Registry, opts WatchOptions) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- WatchDir(ctx, dir, r, opts) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// TestWatchDir: a file written in two halves loads only whole; a writer
// that renames a temporary file into place is picked up whole; a file that
// pauses longer than the debounce mid-write is rejected (it does not
// compile) and the active version keeps serving until the rest arrives.
func TestWatchDir(t *testing.T) {
	dir := t.TempDir()
	r, log := newRegistry(t, Options{}, engine.Config{PoolSize: 1})
	v1, v2 := swapWasm(t, "v1"), swapWasm(t, "v2")
	path := filepath.Join(dir, "chat.wasm")
	h := r.Module("chat")

	// Half, then at once the rest: the pause between the two writes is
	// far shorter than this debounce, however slow the machine.
	stop := watch(t, dir, r, WatchOptions{Interval: 20 * time.Millisecond, Debounce: 3 * time.Second})
	if err := os.WriteFile(path, v1[:len(v1)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(v1[len(v1)/2:])
	f.Close()
	if c := log.wait(t, ChangeActivated, "chat"); c.Version.Digest != Digest(v1) {
		t.Fatalf("activated %s, want the whole file's digest", c.Version)
	}
	if n := log.count(ChangeRejected) + log.count(ChangeLoaded); n != 1 {
		t.Fatalf("changes %v: want exactly one load and no rejection", log.all())
	}
	// The rest with a short debounce (a new watcher finds chat.wasm
	// unchanged).
	stop()
	watch(t, dir, r, WatchOptions{Interval: 20 * time.Millisecond, Debounce: 30 * time.Millisecond})

	// Atomic rename.
	tmp := filepath.Join(dir, ".chat.wasm.tmp")
	if err := os.WriteFile(tmp, v2, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	if c := log.wait(t, ChangeActivated, "chat"); c.Version.Digest != Digest(v2) || c.Previous.Digest != Digest(v1) {
		t.Fatalf("activated %s (previous %s), want v2 replacing v1", c.Version, c.Previous)
	}

	// Half, a pause longer than the debounce, then the rest. The half
	// appears at once (renamed into place): written in place, a machine
	// that stalls longer than the 30 ms debounce between the truncation
	// and the write would show the watcher an empty or shorter file first.
	if err := os.WriteFile(tmp, v1[:len(v1)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	c := log.wait(t, ChangeRejected, "chat")
	if c.Version.Digest != Digest(v1[:len(v1)/2]) {
		t.Fatalf("rejected %s, want the half file", c.Version.Digest)
	}
	if h.Digest() != Digest(v2) {
		t.Fatal("the half file replaced the active version")
	}
	// The rest arrives, renamed into place as the half was (appended in
	// place, the 30 ms debounce could show the watcher another partial
	// file on a stalled machine).
	if err := os.WriteFile(tmp, v1, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	// v1 is a known version: activated again without a new load.
	if c := log.wait(t, ChangeActivated, "chat"); c.Version.Digest != Digest(v1) {
		t.Fatalf("activated %s, want v1", c.Version)
	}
	if n := log.count(ChangeLoaded); n != 2 {
		t.Fatalf("%d loads, want 2 (v1, v2)", n)
	}
}

// TestWatchDirSigned: with keys configured, NAME.wasm.sig must sign the
// bytes; fixing the signature alone triggers a reload.
func TestWatchDirSigned(t *testing.T) {
	dir := t.TempDir()
	pub, priv, _ := signers(t)
	r, log := newRegistry(t, Options{PublicKeys: []ed25519.PublicKey{pub}}, engine.Config{PoolSize: 1})
	b := swapWasm(t, "v1")
	path := filepath.Join(dir, "chat.wasm")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	watch(t, dir, r, WatchOptions{Interval: 10 * time.Millisecond, Debounce: 30 * time.Millisecond})
	if c := log.wait(t, ChangeRejected, "chat"); c.Err == nil {
		t.Fatal("unsigned file not rejected")
	}
	sig := base64.StdEncoding.EncodeToString(ed25519.Sign(priv, b))
	if err := os.WriteFile(path+".sig", []byte(sig+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if c := log.wait(t, ChangeActivated, "chat"); !c.Version.Signed {
		t.Fatalf("activated %+v, want a signed version", c.Version)
	}
}

// TestWatchDirOnce: with Once, WatchDir returns after handling every file.
func TestWatchDirOnce(t *testing.T) {
	dir := t.TempDir()
	r, log := newRegistry(t, Options{}, engine.Config{PoolSize: 1})
	os.WriteFile(filepath.Join(dir, "chat.wasm"), swapWasm(t, "v1"), 0o644)
	os.WriteFile(filepath.Join(dir, "junk.wasm"), []byte("junk"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o644)
	if err := WatchDir(context.Background(), dir, r, WatchOptions{Interval: 10 * time.Millisecond, Debounce: 30 * time.Millisecond, Once: true}); err != nil {
		t.Fatal(err)
	}
	if log.count(ChangeActivated) != 1 || log.count(ChangeRejected) != 1 {
		t.Fatalf("changes %v: want chat activated and junk rejected", log.all())
	}
	if err := WatchDir(context.Background(), filepath.Join(dir, "missing"), r, WatchOptions{Once: true}); err == nil {
		t.Fatal("a missing directory is not an error")
	}
}
