package sandboxtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/internal/testenv"
)

// repoRoot is the repository root, relative to this package.
const repoRoot = "../.."

// corpusDir is the hostile-module corpus.
var corpusDir = filepath.Join(repoRoot, "testdata", "hostile")

// corpusConfig is the engine configuration every corpus expectation is
// written against (testdata/hostile/README.md). Its deadlines are so long
// that only the fault a case provokes (a memory bomb reaching the cap, an
// oversized result...) can end the call, however slow the machine: the
// cases about the deadline run under deadlineConfig instead.
func corpusConfig() engine.Config {
	return engine.Config{
		// Backend "": WASMADAPT_BACKEND selects it (wazero by default);
		// every expectation holds on both backends.
		CacheDir:         cacheDir,
		PoolSize:         1,
		CallTimeout:      faultDeadline,
		InitTimeout:      faultDeadline,
		MemoryLimitBytes: 32 << 20,
		MaxOutputBytes:   1 << 20,
		Logger:           slog.New(slog.DiscardHandler),
		// The corpus faults dozens of times in a row on purpose:
		// crash-loop suspension (engine/suspend_test.go) is off.
		Crashes: engine.CrashPolicy{Limit: -1},
	}
}

// faultDeadline is the deadline of calls whose expected outcome is not
// adapter_timeout: long enough that it never decides a verdict.
const faultDeadline = 10 * time.Minute

// deadlineConfig is corpusConfig with the short deadlines of the
// expectations that are about the deadline (adapter_timeout): such a call
// never ends by itself, so the deadline is the only thing that can end it.
func deadlineConfig() engine.Config {
	c := corpusConfig()
	c.CallTimeout = scaled(500 * time.Millisecond)
	c.InitTimeout = scaled(500 * time.Millisecond)
	return c
}

// scaled stretches a deadline under the race detector, which slows the
// host's side of a guest's work (memory growth, instantiation) several
// times: a memory bomb must reach the memory cap before its deadline.
func scaled(d time.Duration) time.Duration {
	if raceEnabled {
		return 4 * d
	}
	return d
}

// timeoutSlack is how much later than the deadline an adapter_timeout may
// be reported. It is generous so that no verdict depends on the machine's
// speed (the overshoot measured on a loaded 2-core machine stays under
// 1.5 s: engine/RATIONALE.md); what it catches is a deadline escape, which
// ran for minutes to hours before the budget covered every path.
var timeoutSlack = 2 * time.Minute

// expectation is one entry of a corpus case's expect.json.
type expectation struct {
	// Export is "load" (the module must be refused by Engine.Load) or the
	// export to call: capabilities, project, transform, parse_response,
	// map_error, selftest.
	Export string `json:"export"`
	// Input is the call's input: the model (capabilities, project), the
	// chunk data (transform) or the body (parse_response, map_error).
	Input string `json:"input"`
	// Code is the *abi.Error code the call must fail with; "" means it
	// must succeed.
	Code abi.Code `json:"code"`
	// Contains must appear in the error's message.
	Contains string `json:"contains"`
	// Text, when set, is what a successful call must return: the text of
	// its text-delta events (the model for capabilities, the body for
	// project, the message for map_error).
	Text *string `json:"text"`
	// After is a call the same module must then serve (for example
	// "calls" answering 1: a fresh instance replaced the faulted one).
	After *expectation `json:"after"`
}

type corpusCase struct {
	Description string        `json:"description"`
	Expect      []expectation `json:"expect"`
}

func loadCorpus(t *testing.T) map[string]corpusCase {
	t.Helper()
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]corpusCase{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(corpusDir, e.Name(), "expect.json"))
		if err != nil {
			t.Fatalf("corpus case %s: %v (every case needs expect.json)", e.Name(), err)
		}
		var c corpusCase
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			t.Fatalf("corpus case %s: expect.json: %v", e.Name(), err)
		}
		if len(c.Expect) == 0 {
			t.Fatalf("corpus case %s: expect.json has no expectations", e.Name())
		}
		out[e.Name()] = c
	}
	if len(out) == 0 {
		t.Fatal("empty hostile corpus")
	}
	return out
}

var (
	buildMu  sync.Mutex
	buildDir string
	// cacheDir is wazero's compilation cache, shared by every engine of
	// the test binary: each module is compiled once.
	cacheDir string
)

// newestMod returns the latest modification time of the regular files
// under dirs.
func newestMod(dirs ...string) time.Time {
	var newest time.Time
	for _, d := range dirs {
		filepath.WalkDir(d, func(p string, de fs.DirEntry, err error) error {
			if err != nil || de.IsDir() {
				return nil
			}
			if info, err := de.Info(); err == nil && info.ModTime().After(newest) {
				newest = info.ModTime()
			}
			return nil
		})
	}
	return newest
}

// corpusModule loads the corpus module file (see corpusWasm) under name
// into a new engine with cfg, closed when the test ends.
func corpusModule(tb testing.TB, cfg engine.Config, name, file string) engine.Module {
	tb.Helper()
	return loadCorpusModule(tb, newEngine(tb, cfg), name, file)
}

// newEngine returns an engine of cfg, closed when the test ends.
func newEngine(tb testing.TB, cfg engine.Config) *engine.Engine {
	tb.Helper()
	ctx := context.Background()
	e, err := engine.New(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { e.Close(ctx) })
	return e
}

// loadCorpusModule loads the corpus module file (see corpusWasm) under
// name into e.
func loadCorpusModule(tb testing.TB, e *engine.Engine, name, file string) engine.Module {
	tb.Helper()
	m, err := e.Load(context.Background(), name, corpusWasm(tb, file))
	if err != nil {
		tb.Fatalf("%s: %v", file, err)
	}
	return m
}

// corpusWasm returns the bytes of corpus module name: bin/hostile/<name>.wasm
// as `make hostile` built it when it is newer than the case's sources, else
// a fresh build into a temporary directory (wat2wasm for module.wat, go
// build otherwise). A WAT case is skipped when wat2wasm is missing.
func corpusWasm(tb testing.TB, name string) []byte {
	tb.Helper()
	dir := filepath.Join(corpusDir, name)
	srcDirs := []string{dir}
	var pkg, tags string
	if b, err := os.ReadFile(filepath.Join(dir, "source")); err == nil {
		f := strings.Fields(string(b))
		if len(f) > 0 {
			pkg = f[0]
			srcDirs = append(srcDirs, filepath.Join(repoRoot, pkg))
		}
		if len(f) > 1 {
			tags = f[1]
		}
	} else {
		pkg = "./" + filepath.ToSlash(filepath.Join("testdata", "hostile", name))
	}
	built := filepath.Join(repoRoot, "bin", "hostile", name+".wasm")
	if info, err := os.Stat(built); err == nil && !info.ModTime().Before(newestMod(srcDirs...)) {
		b, err := os.ReadFile(built)
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	if buildDir == "" {
		d, err := os.MkdirTemp("", "sandboxtest-corpus-")
		if err != nil {
			tb.Fatal(err)
		}
		buildDir = d
	}
	out := filepath.Join(buildDir, name+".wasm")
	if b, err := os.ReadFile(out); err == nil {
		return b
	}
	var cmd *exec.Cmd
	if _, err := os.Stat(filepath.Join(dir, "module.wat")); err == nil {
		if _, err := exec.LookPath("wat2wasm"); err != nil {
			testenv.SkipMissing(tb, "%s is a WAT module and wat2wasm is missing: run `make hostile` (it installs Debian's wabt)", name)
		}
		// wat2wasm-flags: extra flags, e.g. --no-check for a module
		// that must be invalid as written.
		var flags []string
		if b, err := os.ReadFile(filepath.Join(dir, "wat2wasm-flags")); err == nil {
			flags = strings.Fields(string(b))
		}
		cmd = exec.Command("wat2wasm", append(flags, filepath.Join(dir, "module.wat"), "-o", out)...)
	} else {
		if err := (testenv.Guest{Pkg: pkg, Tags: tags}).Build(out); err != nil {
			tb.Fatalf("building corpus module %s: %v", name, err)
		}
	}
	if cmd != nil {
		if b, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("building corpus module %s: %v\n%s", name, err, b)
		}
	}
	b, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestMain(m *testing.M) {
	code := testenv.RunCached(m, "sandboxtest-cache-", &cacheDir)
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// eventText concatenates the text of text-delta events.
func eventText(evs []abi.Event) string {
	var b strings.Builder
	for _, e := range evs {
		if e.Type == abi.EventTextDelta {
			b.WriteString(e.Text)
		}
	}
	return b.String()
}

// callExport runs one corpus call and returns what it answered as text.
func callExport(ctx context.Context, m engine.Module, export, input string) (string, error) {
	switch export {
	case "capabilities":
		c, err := m.Capabilities(ctx, input)
		if err != nil {
			return "", err
		}
		return c.Model, nil
	case "project":
		pr, err := m.Project(ctx, &abi.Request{Model: input, Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("hi")}}})
		if err != nil {
			return "", err
		}
		return string(pr.Body), nil
	case "transform":
		_, evs, err := m.Transform(ctx, &abi.TransformInput{Chunks: []abi.Chunk{{Data: []byte(input)}}})
		return eventText(evs), err
	case "parse_response":
		evs, err := m.ParseResponse(ctx, &abi.ResponseInput{Status: 200, Body: []byte(input)})
		return eventText(evs), err
	case "map_error":
		ev, err := m.MapError(ctx, &abi.ResponseInput{Status: 500, Body: []byte(input)})
		return ev.Message, err
	case "selftest":
		b, err := engine.SelfTest(ctx, m)
		return string(b), err
	case "project_op", "parse_op":
		// input is the operation; its request is a one-message chat
		// request (count_tokens) or one input (embed) or empty (models).
		opr, ok := m.(api.Operator)
		if !ok {
			return "", fmt.Errorf("module %T does not implement api.Operator", m)
		}
		call := &abi.OpCall{Op: input, Request: []byte(`{"model":"m","inputs":["hi"],"messages":[{"role":"user","content":"hi"}]}`)}
		if export == "project_op" {
			pr, err := opr.ProjectOp(ctx, call)
			if err != nil {
				return "", err
			}
			return string(pr.Body), nil
		}
		res, err := opr.ParseOp(ctx, call, &abi.ResponseInput{Status: 200, Body: []byte(`{}`)})
		if err != nil {
			return "", err
		}
		return fmt.Sprint(res), nil
	}
	return "", fmt.Errorf("expect.json names an unknown export %q", export)
}

// check runs x against m and reports how it differs from the expectation.
func (x *expectation) check(ctx context.Context, cfg engine.Config, m engine.Module) error {
	start := time.Now()
	text, err := callExport(ctx, m, x.Export, x.Input)
	elapsed := time.Since(start)
	if err := x.match(err, elapsed, cfg); err != nil {
		return fmt.Errorf("%s(%q): %w", x.Export, x.Input, err)
	}
	if x.Text != nil && err == nil && text != *x.Text {
		return fmt.Errorf("%s(%q) answered %q, want %q", x.Export, x.Input, text, *x.Text)
	}
	return nil
}

// match checks err against the expected code and message, and that a
// timeout came within the deadline.
func (x *expectation) match(err error, elapsed time.Duration, cfg engine.Config) error {
	if x.Code == "" {
		if err != nil {
			return fmt.Errorf("failed with %v, want success", err)
		}
		return nil
	}
	if err == nil {
		return fmt.Errorf("succeeded, want %s", x.Code)
	}
	if got := abi.CodeOf(err); got != x.Code {
		return fmt.Errorf("failed with code %q (%v), want %s", got, err, x.Code)
	}
	if !strings.Contains(err.Error(), x.Contains) {
		return fmt.Errorf("error %q does not mention %q", err, x.Contains)
	}
	if x.Code == abi.CodeAdapterTimeout && elapsed > cfg.CallTimeout+timeoutSlack {
		return fmt.Errorf("adapter_timeout after %v, deadline %v", elapsed, cfg.CallTimeout)
	}
	return nil
}

func corpusNames(c map[string]corpusCase) []string {
	names := make([]string, 0, len(c))
	for n := range c {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
