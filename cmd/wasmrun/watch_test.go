package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

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
	os.WriteFile(filepath.Join(dir, "openai.wasm"), wasm, 0o644)
	deadline := time.Now().Add(2 * time.Minute)
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
	if lines := strings.Count(out.String(), "\n"); lines != 3 {
		t.Errorf("want 3 lines (loaded, activated, drained), got:\n%s", out.String())
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
