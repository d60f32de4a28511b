package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/engine/compilecache"
	"github.com/wasmadapt/wasmadapt/host/providertest"
	"github.com/wasmadapt/wasmadapt/internal/testenv"
)

// Every command has help: `wasmrun help CMD`, `CMD --help` and `CMD -h`
// print its usage and options to stdout and exit 0, wherever -h stands.
func TestHelpForEveryCommand(t *testing.T) {
	if len(commands) < 8 {
		t.Fatalf("only %d commands registered", len(commands))
	}
	for _, c := range commands {
		for _, args := range [][]string{{"help", c.name}, {c.name, "--help"}, {c.name, "-h"}, {c.name, "x", "-help"}} {
			out, errOut, code := wasmrun(t, args...)
			if code != 0 || errOut != "" || !strings.HasPrefix(out, "usage: wasmrun "+c.name) || !strings.Contains(out, "Global options") {
				t.Errorf("wasmrun %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, errOut)
			}
		}
	}
	out, _, code := wasmrun(t, "help", "test")
	if code != 0 || !strings.Contains(out, "-run") || !strings.Contains(out, "-update") {
		t.Errorf("help test lists no options: %q", out)
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		if out, _, code := wasmrun(t, args...); code != 0 || !strings.Contains(out, "wasmrun test MODULE") {
			t.Errorf("wasmrun %v: exit %d, %q", args, code, out)
		}
	}
	if _, errOut, code := wasmrun(t, "help", "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("help of an unknown command: exit %d, %q", code, errOut)
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"inspect", "x.wasm", "--version"}} {
		out, errOut, code := wasmrun(t, args...)
		if code != 0 || errOut != "" {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
		for _, want := range []string{"wasmrun ", "abi " + abi.VersionString(abi.Version), runtime.Version(), "backend wazero"} {
			if !strings.Contains(out, want) {
				t.Errorf("wasmrun %v lacks %q:\n%s", args, want, out)
			}
		}
	}
}

// Global options are accepted after the command and its arguments too.
func TestGlobalOptionsAnywhere(t *testing.T) {
	mod := openaiModule(t)
	// The last --cache wins: were the one after the command ignored, the
	// first (a file, not a directory) would fail the run. The shared
	// cache keeps the module compiled (a cold compile under -race takes
	// over a minute).
	notDir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notDir, nil, 0o644)
	var o, e bytes.Buffer
	code := run(t.Context(), []string{"--cache", notDir, "inspect", mod, "--cache", cacheDir, "-v", "--model", "gpt-4.1"}, &o, &e)
	if code != 0 || !strings.Contains(o.String(), `"name": "openai"`) {
		t.Fatalf("exit %d: %s%s", code, o.String(), e.String())
	}
	if !strings.Contains(e.String(), "wasmrun: compiling openai.wasm (") {
		t.Errorf("-v after the command shows no compile progress: %q", e.String())
	}
	if code := run(t.Context(), []string{"inspect", mod, "--cache", notDir}, &o, &e); code != 1 {
		t.Errorf("--cache naming a file: exit %d, want 1", code)
	}
	if _, errOut, code := wasmrun(t, "inspect", mod, "--cache"); code != 2 || !strings.Contains(errOut, "needs a directory") {
		t.Errorf("--cache without a value: exit %d, %q", code, errOut)
	}
}

func TestKeyVariables(t *testing.T) {
	for name, want := range map[string]string{
		"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY", "gemini": "GEMINI_API_KEY GOOGLE_API_KEY",
		"mistral": "MISTRAL_API_KEY", "my-provider": "MY_PROVIDER_API_KEY",
	} {
		if got := strings.Join(keyVariables(name), " "); got != want {
			t.Errorf("keyVariables(%q) = %q, want %q", name, got, want)
		}
	}
}

// chat reads the module's conventional key variable when --api-key-env
// is not given.
func TestChatConventionalKey(t *testing.T) {
	mod := openaiModule(t)
	srv := demoServer(t)
	t.Setenv("OPENAI_API_KEY", "sk-from-the-usual-place")
	_, errOut, code := wasmrun(t, "chat", mod, "../../testdata/openai/stream-text-usage/request.json", "--base-url", srv.URL)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if got := srv.Requests(); len(got) != 1 || got[0].Header.Get("Authorization") != "Bearer sk-from-the-usual-place" {
		t.Fatalf("requests: %+v", got)
	}
}

// demoServer is a loopback provider answering with the recorded demo
// exchanges after the first (an OpenAI stream), closed with the test.
func demoServer(t *testing.T) *providertest.Server {
	t.Helper()
	cs, err := loadDemoCases()
	if err != nil {
		t.Fatal(err)
	}
	srv := providertest.NewServer(cs[1:])
	t.Cleanup(srv.Close)
	return srv
}

func copyCase(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTestOneCaseAndRun(t *testing.T) {
	mod := openaiModule(t)
	out, errOut, code := wasmrun(t, "test", mod, "../../testdata/openai/whole-text")
	if code != 0 || out != "ok   whole-text\n1 passed, 0 failed\n" {
		t.Errorf("one case directory: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = wasmrun(t, "test", "-run", "^(whole-text|error-401)$", mod, "../../testdata/openai")
	if code != 0 || out != "ok   error-401\nok   whole-text\n2 passed, 0 failed\n" {
		t.Errorf("-run: exit %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code = wasmrun(t, "test", mod, "../../testdata/openai", "-run", "^nothing$"); code != 1 || !strings.Contains(errOut, "no case") {
		t.Errorf("-run matching nothing: exit %d, %q", code, errOut)
	}
	if _, errOut, code = wasmrun(t, "test", mod, "../../testdata/openai", "-run", "("); code != 2 {
		t.Errorf("-run with a bad pattern: exit %d, %q", code, errOut)
	}
}

func TestTestUpdate(t *testing.T) {
	mod := openaiModule(t)
	dir := t.TempDir()
	for _, c := range []string{"whole-text", "stream-text-usage", "project-full"} {
		copyCase(t, filepath.Join("../../testdata/openai", c), filepath.Join(dir, c))
	}
	events := filepath.Join(dir, "whole-text", "events.jsonl")
	want, _ := os.ReadFile(events)
	os.WriteFile(events, []byte(`{"type":"finish","reason":"stop"}`+"\n"), 0o644)
	proj := filepath.Join(dir, "project-full", "projection.json")
	wantProj, _ := os.ReadFile(proj)
	os.WriteFile(proj, []byte(`{"method":"GET"}`), 0o644)

	out, errOut, code := wasmrun(t, "test", mod, dir)
	if code != 1 || !strings.Contains(out, "1 passed, 2 failed") {
		t.Fatalf("before --update: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = wasmrun(t, "test", mod, dir, "--update")
	wantOut := "updated " + proj + "\nok   project-full\nok   stream-text-usage\nupdated " + events + "\nok   whole-text\n3 passed, 0 failed, 2 file(s) updated\n"
	if code != 0 || out != wantOut {
		t.Errorf("--update: exit %d\n%s%s\nwant\n%s", code, out, errOut, wantOut)
	}
	if got, _ := os.ReadFile(events); !bytes.Equal(got, want) {
		t.Errorf("events.jsonl after --update:\n%s\nwant\n%s", got, want)
	}
	if got, _ := os.ReadFile(proj); !jsonEqual(got, wantProj) {
		t.Errorf("projection.json after --update differs from the shipped one:\n%s", got)
	}
	out, _, code = wasmrun(t, "test", mod, dir, "--update")
	if code != 0 || !strings.HasSuffix(out, "3 passed, 0 failed, 0 file(s) updated\n") || strings.Contains(out, "updated /") {
		t.Errorf("second --update: exit %d\n%s", code, out)
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return bytes.Equal(xb, yb)
}

func TestCacheCommand(t *testing.T) {
	dir := t.TempDir()
	c, err := compilecache.Open(dir, -1)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range []string{"0123456789abcdef", "fedcba9876543210"} {
		if _, err := c.Track(d, fmt.Sprintf("mod%d", i), func() error {
			return os.WriteFile(filepath.Join(dir, d), make([]byte, (i+1)<<20), 0o644)
		}); err != nil {
			t.Fatal(err)
		}
	}
	out, errOut, code := wasmrun(t, "cache", "list", "--cache", dir)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 || !strings.HasPrefix(strings.Join(strings.Fields(lines[0]), " "), "fedcba987654 2.0 MiB") || !strings.HasSuffix(lines[0], "mod1") ||
		!strings.HasPrefix(lines[1], "0123456789ab") || !strings.HasSuffix(lines[2], fmt.Sprintf(": 2 module(s), 3.0 MiB of %.1f MiB", float64(engine.DefaultCacheMaxBytes)/(1<<20))) {
		t.Errorf("cache list: exit %d\n%s%s", code, out, errOut)
	}
	out, _, code = wasmrun(t, "cache", "clean", "--max", "2.5MiB", "--cache", dir)
	if code != 0 || !strings.HasPrefix(out, "removed 1 module(s), 1.0 MiB; 2.0 MiB left") {
		t.Errorf("cache clean --max: exit %d\n%s", code, out)
	}
	out, _, code = wasmrun(t, "cache", "clean", "--cache", dir)
	if code != 0 || !strings.HasPrefix(out, "removed 1 module(s), 2.0 MiB; 0.0 MiB left") {
		t.Errorf("cache clean: exit %d\n%s", code, out)
	}
	if _, errOut, code := wasmrun(t, "cache", "prune"); code != 2 || !strings.Contains(errOut, "list or clean") {
		t.Errorf("cache prune: exit %d, %q", code, errOut)
	}
}

// Without -v, a compilation is announced only once it has run for
// progressDelay, then its duration; a quick one prints nothing.
func TestCompileProgress(t *testing.T) {
	var buf syncBuffer
	// The delay is the test's: an hour for the quick compilation (it ends
	// long before), a millisecond for the slow one, whose announcement the
	// test waits for; no verdict depends on the machine's speed.
	quickEnv := &env{stderr: &buf, cacheDir: "/cache", progressDelay: time.Hour}
	p := quickEnv.compileProgress()
	quick := engine.CompileEvent{Module: "quick", Digest: "d1"}
	p(quick)
	quick.Done, quick.Elapsed = true, time.Millisecond
	p(quick)
	slowEnv := &env{stderr: &buf, cacheDir: "/cache", progressDelay: time.Millisecond}
	p = slowEnv.compileProgress()
	slow := engine.CompileEvent{Module: "openai", Digest: "d2"}
	p(slow)
	for deadline := time.Now().Add(testenv.PollBound); !strings.Contains(buf.String(), "compiling openai.wasm") && time.Now().Before(deadline); {
		runtime.Gosched()
	}
	slow.Done, slow.Elapsed = true, 4200*time.Millisecond
	p(slow)
	want := "wasmrun: compiling openai.wasm (first time)…\nwasmrun: compiled openai.wasm in 4.2s\n"
	if buf.String() != want {
		t.Errorf("stderr %q, want %q", buf.String(), want)
	}
}

func TestMissingModuleName(t *testing.T) {
	_, errOut, code := wasmrun(t, "inspect", "opena")
	if code != 1 || !strings.Contains(errOut, "no file opena, and no shipped module of that name (anthropic,") {
		t.Errorf("exit %d, %q", code, errOut)
	}
}
