package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/gateway/config"
	"github.com/wasmadapt/wasmadapt/gateway/demoprovider"
	"github.com/wasmadapt/wasmadapt/internal/registrytest"
	"github.com/wasmadapt/wasmadapt/internal/testenv"
	"github.com/wasmadapt/wasmadapt/modules/oci"
)

// TestReloadOCITag: a target's module named by an OCI tag is pulled from
// a loopback registry; when the tag moves to another version, the poll of
// -watch reloads it without a restart, while a digest-pinned reference to
// the first version stays on it; requests go on being served.
func TestReloadOCITag(t *testing.T) {
	wasm, host, providerURL := ociFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tag := "oci://" + host + "/adapters/openai:stable"
	v1, err := oci.Push(ctx, tag, wasm, oci.PushOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pinned := "oci://" + host + "/adapters/openai@" + v1.Digest.String()
	const key = "wag-oci-test-key"
	var b strings.Builder
	b.WriteString("models:\n")
	for name, module := range map[string]string{"tagged": tag, "pinned": pinned} {
		fmt.Fprintf(&b, "  - name: %s\n    targets:\n      - module: %s\n        model: gpt-4.1-mini\n        base_url: %s\n        credential_env: OCI_TEST_PROVIDER_KEY\n", name, module, providerURL)
	}
	fmt.Fprintf(&b, "keys:\n  - name: t\n    sha256: %s\n    models: [\"*\"]\n", config.HashKey(key))
	p := filepath.Join(t.TempDir(), "gw.yaml")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	url, logs, stop := startCommand(ctx, t, "-config", p, "-modules", t.TempDir(), "-listen", "127.0.0.1:0", "-watch", watchEvery)
	defer func() {
		if t.Failed() {
			t.Logf("gateway logs:\n%s", logs)
		}
	}()
	// digests are the loaded module versions by module reference.
	digests := func() map[string]string {
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		out := map[string]string{}
		for _, m := range regexp.MustCompile(`wasmadapt_gateway_module_info\{digest="([^"]*)",module="([^"]*)"\} 1`).FindAllStringSubmatch(string(body), -1) {
			out[m[2]] = m[1]
		}
		return out
	}
	chat := func(model string) { t.Helper(); chatOK(t, url, key, model) }
	first := digests()
	if first[tag] == "" || first[tag] != first[pinned] {
		t.Fatalf("module versions at start %v: want %s and %s loaded at the same digest", first, tag, pinned)
	}
	chat("tagged")

	// The next version: the same module with a custom section appended
	// (other bytes, so another digest; make test compiles it ahead).
	v2 := testenv.NextVersion(wasm)
	if _, err := oci.Push(ctx, tag, v2, oci.PushOptions{}); err != nil {
		t.Fatal(err)
	}
	testenv.Poll(t, "the tagged module's new version", func() bool {
		d := digests()
		return d[tag] != "" && d[tag] != first[tag]
	})
	if d := digests(); d[pinned] != first[pinned] {
		t.Errorf("the pinned module changed version: %s -> %s", first[pinned], d[pinned])
	}
	if !strings.Contains(logs.String(), "module tag moved: reloading") {
		t.Errorf("no reload logged:\n%s", logs)
	}
	chat("tagged")
	chat("pinned")
	stop()
}

// TestTagWatch: a tag reloads once per new digest (not again while that
// version fails to load), never for the loaded digest or a pinned
// reference, and a tag that does not resolve is skipped.
func TestTagWatch(t *testing.T) {
	const tag, pinned, gone = "oci://r.test/a:stable", "oci://r.test/a@sha256:aaaa", "oci://r.test/gone:stable"
	current := map[string]string{tag: "sha256:v1", pinned: "sha256:v9"}
	w := newTagWatch(func(_ context.Context, ref string) (string, error) {
		if d, ok := current[ref]; ok {
			return d, nil
		}
		return "", fmt.Errorf("no such tag %s", ref)
	})
	cfg := &config.Config{Models: []config.Model{{Name: "m", Targets: []config.Target{{Module: gone}, {Module: "openai"}, {Module: pinned}, {Module: tag}}}}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	w.pulled(tag, "sha256:v1")
	w.pulled(pinned, "sha256:aaaa")
	for i, step := range []struct {
		push, load, want string
	}{
		{want: ""}, // loaded at the current digest; the pinned one never moves
		{push: "sha256:v2", want: tag + " -> sha256:v2"}, // the tag moved
		{want: ""}, // v2 failed to load: not retried
		{push: "sha256:v3", load: "sha256:v3", want: ""}, // loaded by another reload (SIGHUP)
		{push: "sha256:v1", want: tag + " -> sha256:v1"}, // moved back
	} {
		if step.push != "" {
			current[tag] = step.push
		}
		if step.load != "" {
			w.pulled(tag, step.load)
		}
		if got := w.moved(context.Background(), cfg, log); got != step.want {
			t.Fatalf("step %d: moved %q, want %q", i, got, step.want)
		}
	}
}

// TestSignedOCIModules: with public keys (the file's module_public_keys,
// or -module-keys), a module signed by one of them loads and serves; an
// unsigned one, or one signed by another key, is refused at start with
// the target's line and what is wrong; without keys the unsigned one
// loads. A reload that adds a key applies it to the modules it loads.
func TestSignedOCIModules(t *testing.T) {
	wasm, host, providerURL := ociFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pub, priv, _ := ed25519.GenerateKey(nil)
	otherPub, otherPriv, _ := ed25519.GenerateKey(nil)
	pubHex, otherHex := hex.EncodeToString(pub), hex.EncodeToString(otherPub)
	push := func(repo string, key ed25519.PrivateKey) string {
		ref := "oci://" + host + "/adapters/" + repo + ":v1"
		if _, err := oci.Push(ctx, ref, wasm, oci.PushOptions{Key: key}); err != nil {
			t.Fatal(err)
		}
		return ref
	}
	signed, unsigned, foreign := push("signed", priv), push("unsigned", nil), push("foreign", otherPriv)
	const key = "wag-signed-test-key"
	// configFile writes a configuration serving module as model "m",
	// requiring keys.
	configFile := func(module string, keys ...string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "models:\n  - name: m\n    targets:\n      - module: %s\n        model: gpt-4.1-mini\n        base_url: %s\n        credential_env: OCI_TEST_PROVIDER_KEY\n", module, providerURL)
		fmt.Fprintf(&b, "keys:\n  - name: t\n    sha256: %s\n    models: [\"*\"]\n", config.HashKey(key))
		if len(keys) > 0 {
			fmt.Fprintf(&b, "module_public_keys: [%s]\n", strings.Join(keys, ", "))
		}
		p := filepath.Join(t.TempDir(), "gw.yaml")
		if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	chat := func(url string) { t.Helper(); chatOK(t, url, key, "m") }
	// One compilation cache for every start: the module compiles once.
	cache := cacheDir
	for _, tc := range []struct {
		name   string
		args   []string
		refuse string // what the start error says; "" starts and serves
	}{
		{"signed, key in the file", []string{"-config", configFile(signed, otherHex, pubHex)}, ""},
		{"signed, key by flag", []string{"-config", configFile(signed), "-module-keys", otherHex + "," + base64.StdEncoding.EncodeToString(pub)}, ""},
		{"unsigned without keys", []string{"-config", configFile(unsigned)}, ""},
		{"unsigned, key in the file", []string{"-config", configFile(unsigned, pubHex)}, "gw.yaml:4: "},
		{"unsigned, key by flag", []string{"-config", configFile(unsigned), "-module-keys", pubHex}, "gw.yaml:4: "},
		{"signed by another key", []string{"-config", configFile(foreign, pubHex)}, "gw.yaml:4: "},
		{"a flag that is not a key", []string{"-config", configFile(signed), "-module-keys", "xyz"}, `-module-keys: "xyz" is not an ed25519 public key`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"-modules", t.TempDir(), "-listen", "127.0.0.1:0", "-watch", "0", "-cache-dir", cache}, tc.args...)
			if tc.refuse != "" {
				err := run(ctx, args, io.Discard, io.Discard)
				if err == nil || !strings.Contains(err.Error(), tc.refuse) {
					t.Fatalf("start: %v, want a refusal saying %q", err, tc.refuse)
				}
				if strings.Contains(tc.refuse, "gw.yaml") && !strings.Contains(err.Error(), "signature") {
					t.Fatalf("start: %v, want the signature named as what is wrong", err)
				}
				return
			}
			url, _, stop := startCommand(ctx, t, args...)
			chat(url)
			stop()
		})
	}

	// A reload that requires a key the running module lacks is refused,
	// and the module keeps serving; then the key is withdrawn again.
	p := configFile(unsigned)
	url, logs, stop := startCommand(ctx, t, "-config", p, "-modules", t.TempDir(), "-listen", "127.0.0.1:0", "-watch", watchEvery, "-cache-dir", cache)
	chat(url)
	strict, _ := os.ReadFile(configFile(unsigned, pubHex))
	if err := os.WriteFile(p, strict, 0o600); err != nil {
		t.Fatal(err)
	}
	testenv.Poll(t, "the refused reload", func() bool { return strings.Contains(logs.String(), "reload refused") })
	if !strings.Contains(logs.String(), "signature") {
		t.Fatalf("the refused reload does not name the signature:\n%s", logs)
	}
	chat(url)
	stop()
}

// ociFixture is what the OCI tests need: the openai module's bytes, a
// loopback registry's host:port and the demo's recorded provider (its
// URL; the credential variable OCI_TEST_PROVIDER_KEY is set). It skips,
// saying so, without the built module or the registry.
func ociFixture(t *testing.T) (wasm []byte, host, providerURL string) {
	t.Helper()
	wasm, err := os.ReadFile(filepath.Join("..", "..", "bin", "adapters", "openai.wasm"))
	if err != nil {
		testenv.SkipMissing(t, "bin/adapters/openai.wasm is not built (make bin/adapters/openai.wasm): skipping the OCI run")
	}
	host, _ = registrytest.Start(t)
	psrv, err := demoprovider.Server(filepath.Join("..", "wasmrun", "testdata", "demo"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(psrv.Close)
	t.Setenv("OCI_TEST_PROVIDER_KEY", "not-a-secret")
	return wasm, host, psrv.URL
}

// chatOK sends the demo's question to model through the gateway at url
// with the gateway key, and fails unless it is answered 200.
func chatOK(t *testing.T, url, key, model string) {
	t.Helper()
	status, body := send(t, "POST", url+"/v1/chat/completions",
		`{"model":"`+model+`","messages":[{"role":"user","content":"Weather in Paris and Tokyo?"}]}`, "Authorization", "Bearer "+key)
	if status != 200 {
		t.Fatalf("%s: %d %s", model, status, body)
	}
}
