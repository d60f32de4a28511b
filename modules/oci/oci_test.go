package oci

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/internal/registrytest"
)

func fakeModule(t *testing.T) []byte {
	b := make([]byte, 64<<10)
	rand.Read(b)
	return append([]byte("\x00asm\x01\x00\x00\x00"), b...)
}

func TestParseReference(t *testing.T) {
	d := "sha256:" + strings.Repeat("ab", 32)
	for in, want := range map[string]Reference{
		"oci://localhost:5000/adapters/openai:v1": {Registry: "localhost:5000", Repository: "adapters/openai", Tag: "v1"},
		"ghcr.io/x/openai":                        {Registry: "ghcr.io", Repository: "x/openai", Tag: "latest"},
		"oci://127.0.0.1:5000/openai@" + d:        {Registry: "127.0.0.1:5000", Repository: "openai", Digest: d},
		"h:1/openai:v2@" + d:                      {Registry: "h:1", Repository: "openai", Tag: "v2", Digest: d},
	} {
		got, err := ParseReference(in)
		if err != nil || got != want {
			t.Errorf("ParseReference(%q) = %+v, %v, want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"openai", "oci://host/x@sha256:zz", "oci:///x"} {
		if _, err := ParseReference(bad); err == nil {
			t.Errorf("ParseReference(%q) accepted", bad)
		}
	}
}

func TestPushPullRoundTrip(t *testing.T) {
	host, root := registrytest.Start(t)
	ctx := context.Background()
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
	wasm := fakeModule(t)
	caps := &abi.Capabilities{ABIVersion: "1.1.0", Name: "openai", Version: "1.2.3"}
	ref := "oci://" + host + "/adapters/openai:v1"

	man, err := Push(ctx, ref, wasm, PushOptions{Capabilities: caps, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	// Same bytes, same capabilities: the same manifest (reproducible).
	if again, err := Push(ctx, ref, wasm, PushOptions{Capabilities: caps, Key: key}); err != nil || again.Digest != man.Digest {
		t.Errorf("second push: %v, %v (first %s)", again.Digest, err, man.Digest)
	}
	if d, err := Resolve(ctx, ref, Options{}); err != nil || d != man.Digest.String() {
		t.Errorf("Resolve = %s, %v", d, err)
	}

	a, err := Pull(ctx, ref, PullOptions{PublicKeys: []ed25519.PublicKey{otherPub, pub}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Wasm, wasm) || a.Manifest != man.Digest.String() || len(a.Signature) != ed25519.SignatureSize ||
		a.Annotations[AnnotationModule] != "openai" || a.Annotations[AnnotationABIVersion] != "1.1.0" || !strings.Contains(a.Annotations[AnnotationCapabilities], `"version":"1.2.3"`) {
		t.Errorf("pulled %d bytes, manifest %s, annotations %v", len(a.Wasm), a.Manifest, a.Annotations)
	}
	// Digest pinning.
	pinned := "oci://" + host + "/adapters/openai@" + man.Digest.String()
	if a, err := Pull(ctx, pinned, PullOptions{}); err != nil || !bytes.Equal(a.Wasm, wasm) {
		t.Errorf("pinned pull: %v", err)
	}
	other := "oci://" + host + "/adapters/openai@sha256:" + strings.Repeat("0", 64)
	if _, err := Pull(ctx, other, PullOptions{}); err == nil {
		t.Error("a pin to a digest the registry does not hold was served")
	}

	var ve *VerifyError
	// A key that signed nothing: refused.
	if _, err := Pull(ctx, ref, PullOptions{PublicKeys: []ed25519.PublicKey{otherPub}}); !errors.As(err, &ve) || !strings.Contains(err.Error(), "signature") {
		t.Errorf("pull with a foreign key: %v", err)
	}
	// An unsigned module, when a signature is required: refused.
	unsigned := "oci://" + host + "/adapters/openai:unsigned"
	if _, err := Push(ctx, unsigned, fakeModule(t), PushOptions{Capabilities: caps}); err != nil {
		t.Fatal(err)
	}
	if _, err := Pull(ctx, unsigned, PullOptions{PublicKeys: []ed25519.PublicKey{pub}}); !errors.As(err, &ve) {
		t.Errorf("unsigned pull with keys: %v", err)
	}

	// The registry serves other bytes for the module's layer (tampered
	// storage): refused, whatever the signature.
	hex := strings.TrimPrefix(a.Layer, "sha256:")
	data := filepath.Join(root, "docker", "registry", "v2", "blobs", "sha256", hex[:2], hex, "data")
	b, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	b[100] ^= 0xff
	if err := os.WriteFile(data, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Pull(ctx, ref, PullOptions{}); !errors.As(err, &ve) || !strings.Contains(err.Error(), "other bytes") {
		t.Errorf("tampered layer: %v", err)
	}
}

// A registry that is down, or accepts and never answers, fails the pull
// within the caller's deadline.
func TestRegistryDownOrSlow(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := l.Addr().String()
	l.Close()
	if _, err := Pull(context.Background(), "oci://"+down+"/x:v1", PullOptions{}); err == nil {
		t.Error("pull from a registry that is down succeeded")
	}

	slow, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	go func() {
		for {
			c, err := slow.Accept()
			if err != nil {
				return
			}
			defer c.Close() // hold it open, say nothing
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := Pull(ctx, "oci://"+slow.Addr().String()+"/x:v1", PullOptions{}); err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("pull from a silent registry: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the deadline was not kept: %s", d)
	}
}

// WatchTag hands each new digest, verified, to the Load hook.
func TestWatchTagLoadHook(t *testing.T) {
	host, _ := registrytest.Start(t)
	ctx := context.Background()
	ref := "oci://" + host + "/fleet/openai:stable"
	w1, w2 := fakeModule(t), fakeModule(t)
	caps := &abi.Capabilities{ABIVersion: "1.1.0", Name: "openai", Version: "1"}
	if _, err := Push(ctx, ref, w1, PushOptions{Capabilities: caps}); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 4)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 1)
	go func() {
		errs <- WatchTag(wctx, ref, nil, WatchOptions{Interval: 20 * time.Millisecond, Load: func(_ context.Context, name string, a *Artifact) error {
			if name != "openai" {
				t.Errorf("name %q", name)
			}
			got <- a.Wasm
			return nil
		}})
	}()
	next := func() []byte {
		select {
		case b := <-got:
			return b
		case <-time.After(20 * time.Second):
			t.Fatal("the watcher loaded nothing")
		}
		return nil
	}
	if !bytes.Equal(next(), w1) {
		t.Fatal("first load is not the pushed module")
	}
	if _, err := Push(ctx, ref, w2, PushOptions{Capabilities: caps}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(next(), w2) {
		t.Fatal("the moved tag's module was not loaded")
	}
	select {
	case b := <-got:
		t.Fatalf("loaded again (%d bytes) without a tag move", len(b))
	case <-time.After(200 * time.Millisecond):
	}
	cancel()
	if err := <-errs; err != nil {
		t.Error(err)
	}
}
