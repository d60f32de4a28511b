package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/wasmadapt/wasmadapt/gateway/config"
	"github.com/wasmadapt/wasmadapt/gateway/demoprovider"
	"github.com/wasmadapt/wasmadapt/internal/testenv"
)

// cacheDir is the compilation cache every gateway this package starts
// shares (the run's shared one under make test): each start then loads
// its modules compiled, as a restarted replica with -cache-dir does,
// instead of compiling them again (minutes under -race).
var cacheDir string

// watchEvery is the -watch interval of the tests that reload on a file
// or tag change: how often the command rescans, not a deadline. Every
// verdict waits for its condition with testenv.Poll, so a slow machine
// only sees the change later.
const watchEvery = "20ms"

func TestMain(m *testing.M) { os.Exit(testenv.RunCached(m, "gateway-cache", &cacheDir)) }

// send sends a request to url with body ("": none) and one header, name:
// value, and returns the answer's status and body.
func send(t *testing.T, method, url, body, name, value string) (int, []byte) {
	t.Helper()
	resp, b := testenv.Do(t, method, url, strings.NewReader(body), name+": "+value)
	return resp.StatusCode, b
}

// TestDemo runs the command as `make demo-gateway` does, with the built
// openai module, reads the URL and key it prints, lists the models,
// streams one exchange, and stops it as SIGTERM does.
func TestDemo(t *testing.T) {
	mods := filepath.Join("..", "..", "bin", "adapters")
	if _, err := os.Stat(filepath.Join(mods, "openai.wasm")); err != nil {
		t.Skip("bin/adapters/openai.wasm is not built (make builds it before the tests): skipping the demo run")
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-demo", "-cache-dir", cacheDir, "-modules", mods, "-demo-cases", filepath.Join("..", "wasmrun", "testdata", "demo")}, pw, io.Discard)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var url, key string
	for (url == "" || key == "") && sc.Scan() {
		if m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
		}
		if m := regexp.MustCompile(`gateway key:\s+(\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			key = m[1]
		}
	}
	go io.Copy(io.Discard, pr)
	if url == "" || key == "" {
		cancel()
		t.Fatalf("no URL or key printed (run: %v)", <-done)
	}
	status, b := send(t, "GET", url+"/v1/models", "", "Authorization", "Bearer "+key)
	if status != 200 || !strings.Contains(string(b), `"id":"demo-weather"`) {
		t.Fatalf("models: %d %s", status, b)
	}
	status, b = send(t, "POST", url+"/v1/messages", `{"model":"demo-weather","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"Weather in Paris and Tokyo?"}]}`, "x-api-key", key)
	if status != 200 || !strings.Contains(string(b), `"id":"call_R8kzWeatherTokyo"`) || !strings.HasSuffix(string(b), "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n") {
		t.Fatalf("messages: %d %s", status, b)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestConfigErrors: an invalid file stops the command before it listens,
// each problem with its line.
func TestConfigErrors(t *testing.T) {
	p := filepath.Join(t.TempDir(), "gw.yaml")
	os.WriteFile(p, []byte("models:\n  - name: a\n    targets:\n      - model: m\n"), 0o600)
	err := run(context.Background(), []string{"-config", p}, io.Discard, io.Discard)
	if err == nil || err.Error() != p+":4: target without a module" {
		t.Fatalf("error %v", err)
	}
	os.WriteFile(p, []byte("models:\n  - name: a\n    targets:\n      - model: m\n        module: nowhere\n"), 0o600)
	err = run(context.Background(), []string{"-config", p, "-modules", t.TempDir()}, io.Discard, io.Discard)
	if err == nil || !strings.HasPrefix(err.Error(), p+":4: module \"nowhere\": ") {
		t.Fatalf("error %v", err)
	}
}

// TestReload: the running command reloads its configuration on SIGHUP and
// when the file changes; an invalid file is refused with its line and
// the running configuration keeps serving.
func TestReload(t *testing.T) {
	mods := filepath.Join("..", "..", "bin", "adapters")
	if _, err := os.Stat(filepath.Join(mods, "openai.wasm")); err != nil {
		testenv.SkipMissing(t, "bin/adapters/openai.wasm is not built (make bin/adapters/openai.wasm): skipping the reload run")
	}
	psrv, err := demoprovider.Server(filepath.Join("..", "wasmrun", "testdata", "demo"))
	if err != nil {
		t.Fatal(err)
	}
	defer psrv.Close()
	const key = "wag-reload-test-key"
	t.Setenv("RELOAD_TEST_PROVIDER_KEY", "not-a-secret")
	yaml := func(models ...string) string {
		var b strings.Builder
		b.WriteString("models:\n")
		for _, m := range models {
			fmt.Fprintf(&b, "  - name: %s\n    targets:\n      - module: openai\n        model: gpt-4.1-mini\n        base_url: %s\n        credential_env: RELOAD_TEST_PROVIDER_KEY\n", m, psrv.URL)
		}
		fmt.Fprintf(&b, "keys:\n  - name: t\n    sha256: %s\n    models: [\"*\"]\n", config.HashKey(key))
		return b.String()
	}
	for _, tc := range []struct {
		name    string
		watch   string
		trigger func()
	}{
		{"SIGHUP", "0", func() { syscall.Kill(os.Getpid(), syscall.SIGHUP) }},
		{"file change", watchEvery, func() {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "gw.yaml")
			os.WriteFile(p, []byte(yaml("first")), 0o600)
			url, logs, stop := startCommand(context.Background(), t, "-config", p, "-modules", mods, "-listen", "127.0.0.1:0", "-watch", tc.watch)
			models := func() string {
				_, b := send(t, "GET", url+"/v1/models", "", "Authorization", "Bearer "+key)
				return string(b)
			}
			// An invalid file (a target without a module, line 4) is refused.
			os.WriteFile(p, []byte("models:\n  - name: broken\n    targets:\n      - model: m\n"), 0o600)
			tc.trigger()
			testenv.Poll(t, "the refusal", func() bool { return strings.Contains(logs.String(), p+":4: target without a module") })
			if m := models(); !strings.Contains(m, `"id":"first"`) {
				t.Fatalf("after a refused reload: %s", m)
			}
			os.WriteFile(p, []byte(yaml("first", "second")), 0o600)
			tc.trigger()
			testenv.Poll(t, "the new model", func() bool { return strings.Contains(models(), `"id":"second"`) })
			stop()
		})
	}
}

// startCommand runs the command with args until ctx ends or stop is
// called, and waits for its listening line: it returns the gateway's URL,
// its logs and stop, which ends the command and fails the test unless it
// returned nil. A command that fails to start fails the test with its
// logs. Without -cache-dir in args it uses the package's cacheDir.
func startCommand(ctx context.Context, t *testing.T, args ...string) (url string, logs *testenv.SyncBuffer, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	if !slices.Contains(args, "-cache-dir") {
		args = append([]string{"-cache-dir", cacheDir}, args...)
	}
	logs = &testenv.SyncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, io.Discard, logs) }()
	testenv.Poll(t, "the listening line", func() bool {
		if m := regexp.MustCompile(`url=(http://\S+)`).FindStringSubmatch(logs.String()); m != nil {
			url = m[1]
		}
		return url != "" || strings.Contains(logs.String(), "level=ERROR")
	})
	if url == "" {
		t.Fatalf("the gateway did not start:\n%s", logs)
	}
	return url, logs, func() {
		t.Helper()
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
