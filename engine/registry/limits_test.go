package registry

import (
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
)

// TestWatchDirRefusesOversizedFiles: a huge sparse .wasm, or a huge .sig
// next to a small .wasm, is reported as rejected at step "size" without
// being read (reading it would exhaust memory).
func TestWatchDirRefusesOversizedFiles(t *testing.T) {
	dir := t.TempDir()
	huge := func(path string, size int64) {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		if err := os.Truncate(path, size); err != nil {
			t.Skipf("no sparse files here: %v", err)
		}
	}
	huge(filepath.Join(dir, "big.wasm"), 1<<40)
	if err := os.WriteFile(filepath.Join(dir, "signed.wasm"), []byte("\x00asm"), 0o644); err != nil {
		t.Fatal(err)
	}
	huge(filepath.Join(dir, "signed.wasm.sig"), 1<<40)
	pub, _, _ := signers(t)
	r, log := newRegistry(t, Options{PublicKeys: []ed25519.PublicKey{pub}}, engine.Config{PoolSize: 1})
	err := WatchDir(context.Background(), dir, r, WatchOptions{Interval: time.Millisecond, Debounce: time.Millisecond, Once: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"big", "signed"} {
		c := log.wait(t, ChangeRejected, name)
		if rejectStep(c.Err) != "size" || !errors.Is(c.Err, engine.ErrModuleTooLarge) {
			t.Errorf("%s: rejection %v, want step size caused by ErrModuleTooLarge", name, c.Err)
		}
	}
	if n := log.count(ChangeRejected); n != 2 {
		t.Errorf("%d rejections, want one per file: %v", n, log.all())
	}
}

// TestLoadRefusesOversizedModule: Engine.Load and Registry.Load refuse
// bytes over Config.MaxModuleBytes before compiling them.
func TestLoadRefusesOversizedModule(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, engine.Config{PoolSize: 1, MaxModuleBytes: 1024})
	if got := e.MaxModuleBytes(); got != 1024 {
		t.Fatalf("MaxModuleBytes() = %d, want the configured 1024", got)
	}
	_, err := e.Load(ctx, "x", make([]byte, 2048))
	if code := abi.CodeOf(err); code != abi.CodeABIMismatch || !strings.Contains(err.Error(), "2048 bytes") {
		t.Fatalf("Load of 2048 bytes: code %q (%v), want %s mentioning \"2048 bytes\"", code, err, abi.CodeABIMismatch)
	}
	if !errors.Is(err, engine.ErrModuleTooLarge) {
		t.Fatalf("err = %v, want ErrModuleTooLarge", err)
	}
	r, _ := newRegistry(t, Options{}, engine.Config{PoolSize: 1, MaxModuleBytes: 1024})
	_, err = r.Load(ctx, "x", make([]byte, 2048))
	if rejectStep(err) != "size" || !errors.Is(err, engine.ErrModuleTooLarge) {
		t.Fatalf("registry: %v", err)
	}
}

// TestEmptyDigestPinRefused: an empty or malformed pin pins nothing, so it
// is refused before anything is compiled.
func TestEmptyDigestPinRefused(t *testing.T) {
	ctx := context.Background()
	r, _ := newRegistry(t, Options{}, engine.Config{PoolSize: 1})
	for _, pin := range []string{"", "  ", "abc", strings.Repeat("g", 64)} {
		_, err := r.LoadPinned(ctx, "chat", pin, []byte("not a module"))
		if rejectStep(err) != "digest pin" {
			t.Errorf("pin %q: %v, want a rejection at digest pin", pin, err)
		}
	}
}

// TestKnownBytesStillVerified: with PublicKeys set, loading bytes the
// registry already holds verifies the signature again: a wrong or missing
// one is refused, not a no-op.
func TestKnownBytesStillVerified(t *testing.T) {
	ctx := context.Background()
	pub, priv, otherPriv := signers(t)
	b := swapWasm(t, "v1")
	r, _ := newRegistry(t, Options{PublicKeys: []ed25519.PublicKey{pub}}, engine.Config{PoolSize: 1})
	if _, err := r.Load(ctx, "chat", b, WithSignature(ed25519.Sign(priv, b))); err != nil {
		t.Fatal(err)
	}
	for name, opts := range map[string][]LoadOption{
		"other signer": {WithSignature(ed25519.Sign(otherPriv, b)), WithActivate()},
		"no signature": {WithActivate()},
	} {
		_, err := r.Load(ctx, "chat", b, opts...)
		if rejectStep(err) != "signature" {
			t.Errorf("%s: %v, want a rejection at signature", name, err)
		}
	}
	if _, err := r.Load(ctx, "chat", b, WithSignature(ed25519.Sign(priv, b)), WithActivate()); err != nil {
		t.Fatalf("the valid signature again: %v", err)
	}
}
