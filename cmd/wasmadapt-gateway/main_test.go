package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

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
		done <- run(ctx, []string{"-demo", "-modules", mods, "-demo-cases", filepath.Join("..", "wasmrun", "testdata", "demo")}, pw, io.Discard)
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
	req, _ := http.NewRequest("GET", url+"/v1/models", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"id":"demo-weather"`) {
		t.Fatalf("models: %d %s", resp.StatusCode, b)
	}
	req, _ = http.NewRequest("POST", url+"/v1/messages", strings.NewReader(`{"model":"demo-weather","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"Weather in Paris and Tokyo?"}]}`))
	req.Header.Set("x-api-key", key)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"id":"call_R8kzWeatherTokyo"`) || !strings.HasSuffix(string(b), "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n") {
		t.Fatalf("messages: %d %s", resp.StatusCode, b)
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
