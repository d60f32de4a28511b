// Package demoprovider is the recorded provider of the gateway's demo:
// the two-step weather exchange `wasmrun demo` replays (a turn of two
// parallel tool calls, then the answer from their results), served on
// loopback so the gateway runs with no provider key.
package demoprovider

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/wasmadapt/wasmadapt/gateway/config"
	"github.com/wasmadapt/wasmadapt/host/providertest"
)

// Model is the public model name of the demo.
const Model = "demo-weather"

// ProviderModel is the provider model the recorded cases answer for.
const ProviderModel = "gpt-4.1-mini"

// Module is the adapter module that speaks the recorded cases' wire format.
const Module = "openai"

// Case names of the recorded exchange (directories of the cases dir).
const (
	caseToolCalls = "01-tool-calls"
	caseAnswer    = "02-answer"
)

// Handler replays the cases in dir: a request that carries tool results
// gets the answer, any other the tool calls. The bodies are cut into
// random pieces (seeded, so every run is the same) to exercise framing.
func Handler(dir string) (http.Handler, error) {
	cs, err := providertest.LoadCases(dir)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, c := range cs {
		names[c.Name] = true
	}
	if !names[caseToolCalls] || !names[caseAnswer] {
		return nil, fmt.Errorf("demoprovider: %s must hold the cases %s and %s", dir, caseToolCalls, caseAnswer)
	}
	h := providertest.NewHandler(cs, providertest.WithCuts(7, 48))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		name := caseToolCalls
		if bytes.Contains(b, []byte(`"role":"tool"`)) {
			name = caseAnswer
		}
		r.Header.Set("X-Providertest-Case", name)
		h.ServeHTTP(w, r)
	}), nil
}

// Server starts Handler(dir) on a loopback port.
func Server(dir string) (*httptest.Server, error) {
	h, err := Handler(dir)
	if err != nil {
		return nil, err
	}
	return httptest.NewServer(h), nil
}

// CredentialEnv is the variable the demo's target reads its provider key
// from; Getenv answers it with a placeholder, since the recorded provider
// checks no key.
const CredentialEnv = "WASMADAPT_DEMO_PROVIDER_KEY"

// Getenv is os.Getenv-like lookup for the demo: CredentialEnv gets the
// placeholder key, any other name the value of next.
func Getenv(next func(string) string) func(string) string {
	return func(name string) string {
		if name == CredentialEnv {
			return "demo-key-not-a-secret"
		}
		return next(name)
	}
}

// Config is the demo's routing: Model served by module (a name or path)
// at baseURL with a placeholder provider key, and one gateway key (its
// digest) allowed every model.
func Config(module, baseURL, keyDigest string) *config.Config {
	return &config.Config{
		Models: []config.Model{{Name: Model, Line: 1, Targets: []config.Target{{Module: module, Model: ProviderModel, BaseURL: baseURL, CredentialEnv: CredentialEnv, Line: 1}}}},
		Keys:   []config.Key{{Name: "demo", SHA256: keyDigest, Models: []string{"*"}, Line: 1}},
	}
}
