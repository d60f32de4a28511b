package modules

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/engine"
)

func needGo(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command:", err)
	}
}

func TestBuildAndLoad(t *testing.T) {
	needGo(t)
	ctx := context.Background()
	dir, err := Source(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !isSource(dir) {
		t.Fatalf("Source() = %s, not the module root", dir)
	}
	ns, err := Names(ctx)
	if err != nil || len(ns) < 10 || ns[0] != "anthropic" {
		t.Fatalf("Names: %v, %v", ns, err)
	}
	a, err := Build(ctx, "openai")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := Build(ctx, "openai"); err != nil || !bytes.Equal(a, b) || !bytes.HasPrefix(a, []byte("\x00asm")) {
		t.Fatalf("two builds differ, or are not Wasm: %v", err)
	}
	if raceEnabled {
		t.Log("race detector on: not compiling the module (over a minute)")
	} else {
		eng, err := engine.New(ctx, engine.Config{})
		if err != nil {
			t.Fatal(err)
		}
		defer eng.Close(ctx)
		m, err := Load(ctx, eng, "openai")
		if err != nil {
			t.Fatal(err)
		}
		caps, err := m.Capabilities(ctx, "gpt-4.1")
		if err != nil || caps.Name != "openai" {
			t.Fatalf("capabilities %+v, %v", caps, err)
		}
	}
	var unknown *UnknownModuleError
	if _, err := Build(ctx, "nope"); !errors.As(err, &unknown) || !strings.Contains(err.Error(), "openai") {
		t.Errorf("Build(nope) = %v", err)
	}
	t.Setenv(SourceEnv, t.TempDir())
	if _, err := Build(ctx, "openai"); err == nil || !strings.Contains(err.Error(), SourceEnv) {
		t.Errorf("Build with a bad $%s = %v", SourceEnv, err)
	}
}

func TestGoflags(t *testing.T) {
	if got := goflags("-buildvcs=false -mod=vendor -v"); got != "-buildvcs=false -v -mod=readonly" {
		t.Errorf("goflags = %q", got)
	}
}

// proxyVersion is the version the scratch test publishes this module as.
const proxyVersion = "v0.0.1-scratch"

// writeProxy lays out a file-based module proxy (GOPROXY=file://dir)
// serving the sources at src as ModulePath@proxyVersion, as a published
// release would be.
func writeProxy(t *testing.T, src, dir string) {
	t.Helper()
	vdir := filepath.Join(dir, ModulePath, "@v")
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		t.Fatal(err)
	}
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	prefix := ModulePath + "@" + proxyVersion + "/"
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || rel == "bin" || fileExists(filepath.Join(p, "go.mod"))) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		w, err := zw.Create(prefix + filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	})
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"list":                 []byte(proxyVersion + "\n"),
		proxyVersion + ".info": []byte(`{"Version":"` + proxyVersion + `","Time":"2026-01-01T00:00:00Z"}`),
		proxyVersion + ".mod":  gomod,
		proxyVersion + ".zip":  zb.Bytes(),
	} {
		if err := os.WriteFile(filepath.Join(vdir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

const scratchMain = `package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/modules"
)

func main() {
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4.1-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hello from \"}}]}\n\n")
		fmt.Fprint(w, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4.1-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"loopback\"},\"finish_reason\":\"stop\"}]}\n\n")
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	defer srv.Close()
	eng, err := engine.New(ctx, engine.Config{})
	if err != nil {
		panic(err)
	}
	defer eng.Close(ctx)
	mod, err := modules.Load(ctx, eng, "openai")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("SCRATCH_KEY", "sk-scratch")
	p := host.Provider{Module: mod, BaseURL: srv.URL, Credentials: host.EnvKey("SCRATCH_KEY")}
	req := &abi.Request{Model: "gpt-4.1-mini", Stream: true, Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("Hi")}}}
	for ev, err := range host.NewClient().Stream(ctx, p, req) {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Print(ev.Text)
	}
	fmt.Println()
}
`

// From a scratch module that only requires this one (served by a module
// proxy, so its sources exist only in the module cache), a program loads
// the shipped openai adapter and streams from a loopback provider. Slow:
// it fills a fresh module cache and builds the program (5 minutes on a
// busy 2-core machine with a cold build cache, 1.5 with a warm one), so it
// runs only with
// WASMADAPT_SCRATCH_TEST=1.
func TestScratchModule(t *testing.T) {
	if os.Getenv("WASMADAPT_SCRATCH_TEST") != "1" {
		t.Skip("builds a program and all its dependencies (minutes): set WASMADAPT_SCRATCH_TEST=1 to run")
	}
	needGo(t)
	ctx := context.Background()
	src, err := Source(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	proxy := filepath.Join(tmp, "proxy")
	writeProxy(t, src, proxy)
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	realCache := strings.TrimSpace(string(out))
	scratch := filepath.Join(tmp, "scratch")
	os.MkdirAll(scratch, 0o755)
	os.WriteFile(filepath.Join(scratch, "go.mod"), []byte("module scratch\n\ngo 1.26.0\n\nrequire "+ModulePath+" "+proxyVersion+"\n"), 0o644)
	os.WriteFile(filepath.Join(scratch, "main.go"), []byte(scratchMain), 0o644)
	// A module cache of its own (the published copy lands there), filled
	// from the test proxy and, for the dependencies, offline from the
	// machine's module cache.
	env := append(os.Environ(),
		"GOMODCACHE="+filepath.Join(tmp, "modcache"),
		"GOPROXY=file://"+proxy+",file://"+filepath.Join(realCache, "cache", "download"),
		"GOSUMDB=off", "GOFLAGS=-mod=mod -buildvcs=false", "GOWORK=off", SourceEnv+"=")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir, cmd.Env = scratch, env
		start := time.Now()
		b, err := cmd.CombinedOutput()
		t.Logf("go %s: %s", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
		}
		return string(b)
	}
	run("mod", "tidy")
	// -trimpath: the program cannot find the sources from its own file
	// paths, only through the module cache (go list -m).
	run("build", "-trimpath", "-o", "scratch")
	cmd := exec.Command(filepath.Join(scratch, "scratch"))
	cmd.Dir, cmd.Env = scratch, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil || string(b) != "Hello from loopback\n" {
		t.Fatalf("scratch program: %v\nstdout %q\nstderr:\n%s", err, b, &stderr)
	}
	// The library said what the slow step was.
	if !strings.Contains(stderr.String(), "engine: compiled module") {
		t.Errorf("no compile event logged:\n%s", &stderr)
	}
	// The adapter was built from the module cache's copy.
	if _, err := os.Stat(filepath.Join(tmp, "modcache", ModulePath+"@"+proxyVersion, "adapters-wasm", "openai", "module", "main.go")); err != nil {
		t.Error(err)
	}
	// The module cache is read-only: make it removable for t.TempDir.
	exec.Command("chmod", "-R", "u+w", filepath.Join(tmp, "modcache")).Run()
}
