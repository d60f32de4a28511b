package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/host/providertest"
	"github.com/wasmadapt/wasmadapt/internal/testenv"
)

// cacheDir is the compilation cache every invocation of a test run
// shares, as invocations on a user's machine do.
var cacheDir string

func TestMain(m *testing.M) {
	// The key of the parallel operation tests (models_test.go): a test
	// that runs in parallel cannot t.Setenv.
	os.Setenv(opsTestKeyEnv, "k-test")
	os.Exit(testenv.RunCached(m, "wasmrun-cache", &cacheDir))
}

// built holds the modules the tests built, by name.
var built struct {
	mu    sync.Mutex
	paths map[string]string
}

// openaiModule returns the openai module (see shippedModule).
func openaiModule(t *testing.T) string { return shippedModule(t, "openai") }

// shippedModule returns the shipped module name: the one `make` built, or
// a fresh build in a temporary directory.
func shippedModule(t *testing.T, name string) string {
	t.Helper()
	built.mu.Lock()
	defer built.mu.Unlock()
	if p, ok := built.paths[name]; ok {
		return p
	}
	p, _ := filepath.Abs("../../bin/adapters/" + name + ".wasm")
	if !fileExists(p) {
		// Built once per test binary, in a directory kept for the run.
		dir, err := os.MkdirTemp("", "wasmrun-test")
		if err != nil {
			t.Fatal(err)
		}
		p = filepath.Join(dir, name+".wasm")
		if err := (testenv.Guest{Pkg: "adapters-wasm/" + name + "/module"}).Build(p); err != nil {
			t.Fatalf("building the %s module: %v", name, err)
		}
	}
	if built.paths == nil {
		built.paths = map[string]string{}
	}
	built.paths[name] = p
	return p
}

// wasmrun runs one CLI invocation in-process.
func wasmrun(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(context.Background(), append([]string{"--cache", cacheDir}, args...), &o, &e)
	return o.String(), e.String(), code
}

func TestInspect(t *testing.T) {
	mod := openaiModule(t)
	out, errOut, code := wasmrun(t, "inspect", mod, "--model", "gpt-4.1-mini")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var caps struct {
		ABIVersion string `json:"abi_version"`
		Name       string `json:"name"`
		Model      string `json:"model"`
		Auth       struct {
			Scheme string `json:"scheme"`
		} `json:"auth"`
		Capabilities struct {
			Streaming   bool   `json:"streaming"`
			ToolCalling string `json:"tool_calling"`
		} `json:"capabilities"`
	}
	if err := json.Unmarshal([]byte(out), &caps); err != nil {
		t.Fatalf("inspect printed no JSON: %v\n%s", err, out)
	}
	if caps.Name != "openai" || caps.Model != "gpt-4.1-mini" || caps.Auth.Scheme != "bearer" || !caps.Capabilities.Streaming || caps.Capabilities.ToolCalling != "native" {
		t.Errorf("unexpected capabilities: %+v", caps)
	}
}

func TestProjectMatchesGoldenCase(t *testing.T) {
	mod := openaiModule(t)
	out, errOut, code := wasmrun(t, "project", mod, "../../testdata/openai/project-full/request.json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want, err := os.ReadFile("../../testdata/openai/project-full/projection.json")
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal([]byte(out), &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("projection differs:\n got %s\nwant %s", gb, wb)
	}
}

func TestReplay(t *testing.T) {
	mod := openaiModule(t)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"stream", []string{"../../testdata/openai/stream-text-usage/body", "--request", "../../testdata/openai/stream-text-usage/request.json"}, "../../testdata/openai/stream-text-usage/events.jsonl"},
		{"whole body", []string{"../../testdata/openai/whole-text/body", "--framing", "none"}, "../../testdata/openai/whole-text/events.jsonl"},
		{"error body", []string{"../../testdata/openai/error-401/body", "--status", "401"}, "../../testdata/openai/error-401/events.jsonl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := wasmrun(t, append([]string{"replay", mod}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			want, err := os.ReadFile(tc.want)
			if err != nil {
				t.Fatal(err)
			}
			if out != string(want) {
				t.Errorf("replay printed\n%s\nwant\n%s", out, want)
			}
		})
	}
}

func TestTestCommand(t *testing.T) {
	mod := openaiModule(t)
	out, errOut, code := wasmrun(t, "test", mod, "../../testdata/openai")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, out, errOut)
	}
	last := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	if !strings.HasSuffix(last, " passed, 0 failed") || strings.HasPrefix(last, "0 passed") {
		t.Errorf("last line %q", last)
	}

	// A case whose expectation is wrong fails with exit 1 and is counted.
	dir := t.TempDir()
	bad := filepath.Join(dir, "wrong")
	if err := os.MkdirAll(bad, 0o755); err != nil {
		t.Fatal(err)
	}
	body, _ := os.ReadFile("../../testdata/openai/whole-text/body")
	os.WriteFile(filepath.Join(bad, "body"), body, 0o644)
	os.WriteFile(filepath.Join(bad, "case.json"), []byte(`{"framing":"none"}`), 0o644)
	os.WriteFile(filepath.Join(bad, "events.jsonl"), []byte(`{"type":"finish","reason":"stop","raw_reason":"stop"}`+"\n"), 0o644)
	out, _, code = wasmrun(t, "test", mod, dir)
	if code != 1 || !strings.Contains(out, "FAIL wrong") || !strings.HasSuffix(strings.TrimSpace(out), "0 passed, 1 failed") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}

func TestRunErrors(t *testing.T) {
	mod := openaiModule(t)
	notWasm := filepath.Join(t.TempDir(), "x.wasm")
	os.WriteFile(notWasm, []byte("not a module"), 0o644)
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		inStderr string
	}{
		{"no command", nil, 2, ""},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"missing argument", []string{"inspect"}, 2, "expected MODULE"},
		{"unknown option", []string{"inspect", mod, "--nope"}, 2, "unknown option --nope"},
		{"bad framing", []string{"replay", mod, "x", "--framing", "xml"}, 2, "unknown framing"},
		{"missing module", []string{"inspect", "/nonexistent.wasm"}, 1, "reading module"},
		{"not a module", []string{"inspect", notWasm}, 1, "abi_mismatch"},
		{"invalid request", []string{"project", mod, "../../testdata/openai/stream-text-usage/body"}, 1, "invalid_request"},
		{"refused projection", []string{"project", mod, "../../testdata/openai/project-refuse-temperature-reasoning/request.json"}, 1, "capability_unsupported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := wasmrun(t, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.inStderr) {
				t.Errorf("exit %d (want %d), stderr %q (want it to contain %q)", code, tc.code, errOut, tc.inStderr)
			}
		})
	}
}

func demoEvents(t *testing.T) string {
	var want []byte
	for _, c := range []string{"01-tool-calls", "02-answer"} {
		b, err := os.ReadFile(filepath.Join("testdata/demo", c, "events.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, b...)
	}
	return string(want)
}

func TestDemo(t *testing.T) {
	mod := openaiModule(t)
	out, errOut, code := wasmrun(t, "demo", "--module", mod, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if want := demoEvents(t); out != want {
		t.Errorf("demo events:\n%s\nwant\n%s", out, want)
	}
	out, errOut, code = wasmrun(t, "demo", "--module", mod)
	if code != 0 || !strings.Contains(out, "final answer (stop): It's 14 °C and cloudy in Paris, and 19 °C with clear skies in Tokyo.") ||
		!strings.Contains(out, `tool result for call_Qm4xWeatherParis (ok): {"city":"Paris"`) {
		t.Errorf("exit %d, narrated demo:\n%s\n%s", code, out, errOut)
	}
}

func TestChatRecordThenTest(t *testing.T) {
	mod := openaiModule(t)
	cs, err := loadDemoCases()
	if err != nil {
		t.Fatal(err)
	}
	srv := providertest.NewServer(cs[1:], providertest.WithCuts(3, 10), providertest.WithGzip())
	defer srv.Close()
	t.Setenv("WASMRUN_TEST_KEY", "sk-test-secret-123")
	rec := filepath.Join(t.TempDir(), "recorded")
	out, errOut, code := wasmrun(t, "chat", mod, "../../testdata/openai/stream-text-usage/request.json",
		"--base-url", srv.URL, "--api-key-env", "WASMRUN_TEST_KEY", "--record", rec)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want, _ := os.ReadFile("testdata/demo/02-answer/events.jsonl")
	if out != string(want) {
		t.Errorf("chat printed\n%s\nwant\n%s", out, want)
	}
	if got := srv.Requests(); len(got) != 1 || got[0].Header.Get("Authorization") != "Bearer sk-test-secret-123" {
		t.Fatalf("requests: %+v", got)
	}
	// The recorded case holds no credential and passes `wasmrun test`.
	filepath.Walk(rec, func(p string, info os.FileInfo, err error) error {
		if b, _ := os.ReadFile(p); bytes.Contains(b, []byte("sk-test-secret-123")) {
			t.Errorf("%s holds the API key", p)
		}
		return nil
	})
	out, errOut, code = wasmrun(t, "test", mod, filepath.Dir(rec))
	if code != 0 || !strings.Contains(out, "1 passed, 0 failed") {
		t.Errorf("test of the recorded case: exit %d\n%s%s", code, out, errOut)
	}
	// The directory --record wrote is itself a case `test` accepts.
	out, errOut, code = wasmrun(t, "test", mod, rec)
	if code != 0 || out != "ok   recorded\n1 passed, 0 failed\n" {
		t.Errorf("test of the recorded case directory: exit %d\n%s%s", code, out, errOut)
	}
}

func TestChatErrors(t *testing.T) {
	mod := openaiModule(t)
	srv := providertest.NewServer(nil, providertest.WithFailures(providertest.Unauthorized()))
	defer srv.Close()
	t.Setenv("WASMRUN_TEST_KEY", "wrong")
	out, errOut, code := wasmrun(t, "chat", mod, "../../testdata/openai/stream-text-usage/request.json", "--base-url", srv.URL, "--api-key-env", "WASMRUN_TEST_KEY")
	// The provider's error is an event line on stdout, and the run ends
	// non-zero; the error is printed once, not again on stderr.
	if code != 1 || !strings.HasPrefix(out, `{"type":"error","code":"authentication"`) || strings.Contains(errOut, "authentication") || strings.Contains(errOut, "API key") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	t.Setenv("OPENAI_API_KEY", "")
	_, errOut, code = wasmrun(t, "chat", mod, "../../testdata/openai/stream-text-usage/request.json", "--base-url", srv.URL)
	if code != 2 || !strings.Contains(errOut, "--api-key-env") || !strings.Contains(errOut, "OPENAI_API_KEY is unset") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// TestTimeoutOptions: --call-timeout and --init-timeout are global options
// (anywhere, with or without "="), and a bad duration is a usage error.
func TestTimeoutOptions(t *testing.T) {
	tests := []struct {
		args       []string
		call, init time.Duration
		bad        bool
	}{
		{args: []string{"replay", "--call-timeout", "5s", "m.wasm"}, call: 5 * time.Second},
		{args: []string{"--init-timeout=1m", "replay"}, init: time.Minute},
		{args: []string{"replay", "--call-timeout"}, bad: true},
		{args: []string{"--call-timeout=-1s"}, bad: true},
		{args: []string{"--init-timeout", "soon"}, bad: true},
	}
	for _, tt := range tests {
		e := &env{}
		_, _, _, err := extractGlobals(e, tt.args)
		if (err != nil) != tt.bad || e.callTimeout != tt.call || e.initTimeout != tt.init {
			t.Errorf("%q: call %v init %v err %v", tt.args, e.callTimeout, e.initTimeout, err)
		}
	}
}
