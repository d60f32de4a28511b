package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/engine/registry"
	"github.com/wasmadapt/wasmadapt/internal/registrytest"
)

// push, pull and load through a real registry: signed, pinned, and a
// tampered artifact refused before anything compiles it.
func TestPushPull(t *testing.T) {
	host, root := registrytest.Start(t)
	mod := openaiModule(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "signing.key")
	pub, errOut, code := wasmrun(t, "keygen", keyFile)
	pub = strings.TrimSpace(pub)
	if code != 0 || len(pub) != 64 {
		t.Fatalf("keygen: exit %d, %q %s", code, pub, errOut)
	}
	ref := "oci://" + host + "/adapters/openai:v1"
	out, errOut, code := wasmrun(t, "push", mod, ref, "--key", keyFile)
	if code != 0 || !strings.HasPrefix(out, "pushed openai ") || !strings.Contains(out, "@sha256:") || !strings.Contains(out, "signed by "+pub[:16]) {
		t.Fatalf("push: exit %d\n%s%s", code, out, errOut)
	}
	pinned := strings.TrimSpace(out[strings.Index(out, " to ")+4:])

	modules := filepath.Join(dir, "modules")
	os.MkdirAll(modules, 0o755)
	for _, r := range []string{ref, pinned} {
		out, errOut, code = wasmrun(t, "pull", r, "--key", pub, "-o", filepath.Join(modules, "openai.wasm"))
		if code != 0 || !strings.Contains(out, "signature verified") || !strings.Contains(out, pinned[len("oci://"+host+"/adapters/openai"):]) {
			t.Fatalf("pull %s: exit %d\n%s%s", r, code, out, errOut)
		}
	}
	want, _ := os.ReadFile(mod)
	if got, _ := os.ReadFile(filepath.Join(modules, "openai.wasm")); !bytes.Equal(got, want) {
		t.Fatal("pulled bytes differ from the pushed module")
	}
	// The pulled module and its signature are what `watch --key` takes.
	if out, errOut, code = wasmrun(t, "watch", modules, "--once", "--key", pub); code != 0 || !strings.Contains(out, "active openai@") {
		t.Errorf("watch --once --key of the pulled module: exit %d\n%s%s", code, out, errOut)
	}
	// A MODULE argument may be a reference.
	if out, errOut, code = wasmrun(t, "inspect", pinned); code != 0 || !strings.Contains(out, `"name": "openai"`) {
		t.Errorf("inspect %s: exit %d\n%s%s", pinned, code, out, errOut)
	}

	// Tamper with the module's blob in the registry's storage: the pull is
	// refused and nothing is written or compiled.
	blobs := filepath.Join(root, "docker", "registry", "v2", "blobs")
	var biggest string
	var size int64
	filepath.Walk(blobs, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && fi.Size() > size {
			biggest, size = p, fi.Size()
		}
		return nil
	})
	b, _ := os.ReadFile(biggest)
	b[len(b)/2] ^= 1
	os.WriteFile(biggest, b, 0o644)
	target := filepath.Join(dir, "tampered.wasm")
	out, errOut, code = wasmrun(t, "pull", ref, "--key", pub, "-o", target, "-v")
	if code != 1 || !strings.Contains(errOut, "refused: the registry served other bytes") || strings.Contains(errOut, "compiling") {
		t.Errorf("pull of a tampered module: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(target); err == nil {
		t.Error("the tampered module was written")
	}
	if _, errOut, code = wasmrun(t, "inspect", ref, "-v"); code != 1 || !strings.Contains(errOut, "refused") || strings.Contains(errOut, "compiling") {
		t.Errorf("inspect of a tampered module: exit %d\n%s", code, errOut)
	}
}

// watch follows an OCI tag: a push that moves the tag swaps the module in;
// a module signed by another key is refused and the active one serves on.
func TestWatchOCITag(t *testing.T) {
	host, _ := registrytest.Start(t)
	dir := t.TempDir()
	v1, v2, v3 := buildSwapGuest(t, dir, "1.0.0"), buildSwapGuest(t, dir, "2.0.0"), buildSwapGuest(t, dir, "3.0.0")
	os.WriteFile(filepath.Join(dir, "v1.wasm"), v1, 0o644)
	os.WriteFile(filepath.Join(dir, "v2.wasm"), v2, 0o644)
	os.WriteFile(filepath.Join(dir, "v3.wasm"), v3, 0o644)
	key, other := filepath.Join(dir, "k"), filepath.Join(dir, "other")
	pub, _, _ := wasmrun(t, "keygen", key)
	wasmrun(t, "keygen", other)
	pub = strings.TrimSpace(pub)
	ref := "oci://" + host + "/fleet/chat:stable"
	push := func(file, k string) {
		t.Helper()
		if out, errOut, code := wasmrun(t, "push", filepath.Join(dir, file), ref, "--key", k); code != 0 {
			t.Fatalf("push %s: exit %d\n%s%s", file, code, out, errOut)
		}
	}
	push("v1.wasm", key)

	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--cache", cacheDir, "watch", ref, "--interval", "50ms", "--key", pub}, &out, &errb)
	}()
	waitFor := func(s string) {
		t.Helper()
		deadline := time.Now().Add(waitBound)
		for !strings.Contains(out.String(), s) {
			if time.Now().After(deadline) {
				cancel()
				<-done
				t.Fatalf("no %q; stdout:\n%s\nstderr:\n%s", s, out.String(), errb.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("activated chat@1.0.0")
	push("v2.wasm", key)
	waitFor("activated chat@2.0.0")
	push("v3.wasm", other) // signed by a key the watcher does not trust
	waitFor("no valid signature")
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
	}
	if !strings.HasPrefix(out.String(), "watching "+ref) || strings.Contains(out.String(), "chat@3.0.0") {
		t.Errorf("stdout:\n%s", out.String())
	}
}

// A MODULE argument may be an http(s) URL; #sha256= pins its bytes, and
// other bytes are refused before compilation.
func TestModuleFromURL(t *testing.T) {
	mod := openaiModule(t)
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Dir(mod))))
	defer srv.Close()
	b, _ := os.ReadFile(mod)
	url := srv.URL + "/" + filepath.Base(mod) + "#sha256=" + registry.Digest(b)
	if out, errOut, code := wasmrun(t, "inspect", url); code != 0 || !strings.Contains(out, `"name": "openai"`) {
		t.Errorf("inspect %s: exit %d\n%s%s", url, code, out, errOut)
	}
	wrong := srv.URL + "/" + filepath.Base(mod) + "#sha256=" + strings.Repeat("1", 64)
	if _, errOut, code := wasmrun(t, "inspect", wrong, "-v"); code != 1 || !strings.Contains(errOut, "refused") || strings.Contains(errOut, "compiling") {
		t.Errorf("inspect with a wrong pin: exit %d\n%s", code, errOut)
	}
}
