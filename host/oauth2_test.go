package host_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	azure "github.com/wasmadapt/wasmadapt/adapters-wasm/azure-openai"
	vertexgemini "github.com/wasmadapt/wasmadapt/adapters-wasm/vertex-gemini"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/watsonx"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/host"
)

// loopbackTokens is a token endpoint answering every request with
// "tok-<n>" valid for an hour.
func loopbackTokens(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("grant_type") == "" {
			http.Error(w, `{"error":"invalid_request"}`, 400)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"Bearer","expires_in":3600,"expiration":%d}`, n.Add(1), time.Now().Add(time.Hour).Unix())
	}))
	t.Cleanup(s.Close)
	return s, &n
}

// googleKeyFile writes a service account key file whose token_uri is
// tokenURL and returns its path.
func googleKeyFile(t *testing.T, tokenURL string) string {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	b, _ := json.Marshal(map[string]string{"type": "service_account", "client_email": "sa@p.iam.gserviceaccount.com",
		"private_key_id": "k1", "private_key": string(pemKey), "token_uri": tokenURL})
	path := filepath.Join(t.TempDir(), "sa.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestOAuth2ProvidersEndToEnd: a Provider of each module that takes OAuth2
// access tokens gets them from its documented environment, sends them as
// bearer tokens (azure-openai in place of its api-key header), and when
// the provider refuses the first token (401) the Client drops it, fetches
// a fresh one and sends the request once more.
func TestOAuth2ProvidersEndToEnd(t *testing.T) {
	tests := []struct {
		name    string
		adapter guest.Adapter
		env     func(t *testing.T, tokenURL string) map[string]string
		source  func(ctx context.Context, tokenURL string) (*host.TokenSource, error)
		req     string
		body    string // a golden stream of the module
	}{
		{"vertex-gemini google adc", vertexgemini.New(),
			func(t *testing.T, u string) map[string]string {
				return map[string]string{host.EnvGoogleCredentials: googleKeyFile(t, u+"/token")}
			},
			func(ctx context.Context, _ string) (*host.TokenSource, error) {
				return host.GoogleCredentials(ctx, nil, host.TokenOptions{})
			},
			`{"model":"gemini-2.5-flash","stream":true,"messages":[{"role":"user","content":"Hi"}],"provider_options":{"project":"my-proj-123","location":"us-central1"}}`,
			"../testdata/vertex-gemini/stream-text-usage/body"},
		{"azure-openai entra", azure.New(),
			func(*testing.T, string) map[string]string {
				return map[string]string{host.EnvAzureTenant: "t1", host.EnvAzureClientID: "c1", host.EnvAzureClientSecret: "s1"}
			},
			func(_ context.Context, u string) (*host.TokenSource, error) {
				return host.AzureEntraFromEnv(host.TokenOptions{TokenURL: u})
			},
			`{"model":"gpt-4o-deploy","stream":true,"messages":[{"role":"user","content":"Hi"}]}`,
			"../testdata/azure-openai/stream-tool-call/body"},
		{"watsonx ibm iam", watsonx.New(),
			func(*testing.T, string) map[string]string { return map[string]string{host.EnvWatsonxAPIKey: "ibm-key"} },
			func(_ context.Context, u string) (*host.TokenSource, error) {
				return host.IBMIAMFromEnv(host.TokenOptions{TokenURL: u})
			},
			`{"model":"meta-llama/llama-3-3-70b-instruct","stream":true,"messages":[{"role":"user","content":"Hi"}],"provider_options":{"project_id":"7a3c9e21-4b5d-4f6a-8c1e-2d3f4a5b6c7d"}}`,
			"../testdata/watsonx/stream-text-usage/body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tokens, fetches := loopbackTokens(t)
			for k, v := range tt.env(t, tokens.URL) {
				t.Setenv(k, v)
			}
			body, err := os.ReadFile(tt.body)
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var seen []string
			provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				seen = append(seen, r.Header.Get("Authorization")+"|"+r.Header.Get("api-key"))
				mu.Unlock()
				if r.Header.Get("Authorization") != "Bearer tok-2" {
					w.WriteHeader(401) // tok-1 was revoked
					return
				}
				w.Header().Set("Content-Type", "text/event-stream")
				w.Write(body)
			}))
			defer provider.Close()
			src, err := tt.source(context.Background(), tokens.URL)
			if err != nil {
				t.Fatal(err)
			}
			m := engine.NewNative(tt.name, tt.adapter)
			defer m.Close(context.Background())
			var req abi.Request
			if err := json.Unmarshal([]byte(tt.req), &req); err != nil {
				t.Fatal(err)
			}
			client := host.NewClient()
			resp, err := client.Generate(context.Background(), host.Provider{Module: m, BaseURL: provider.URL, Credentials: src}, &req)
			if err != nil {
				t.Fatalf("Generate: %v (requests %q)", err, seen)
			}
			if resp.FinishReason == "" {
				t.Errorf("no finish: %+v", resp)
			}
			want := []string{"Bearer tok-1|", "Bearer tok-2|"}
			if strings.Join(seen, " ") != strings.Join(want, " ") || fetches.Load() != 2 {
				t.Errorf("requests %q with %d token fetches, want %q with 2", seen, fetches.Load(), want)
			}
		})
	}
}

// TestOAuth2RefusedTwice: a provider that refuses the fresh token too gets
// exactly two requests; the error is the module's authentication error.
func TestOAuth2RefusedTwice(t *testing.T) {
	tokens, fetches := loopbackTokens(t)
	t.Setenv(host.EnvWatsonxAPIKey, "ibm-key")
	var calls atomic.Int32
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(401)
		w.Write([]byte(`{"errors":[{"code":"authentication_token_expired","message":"Failed to authenticate the request due to an expired token"}],"trace":"t","status_code":401}`))
	}))
	defer provider.Close()
	src, err := host.IBMIAMFromEnv(host.TokenOptions{TokenURL: tokens.URL})
	if err != nil {
		t.Fatal(err)
	}
	m := engine.NewNative("watsonx", watsonx.New())
	defer m.Close(context.Background())
	req := &abi.Request{Model: "ibm/granite-3-8b-instruct", Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("hi")}},
		ProviderOptions: map[string]json.RawMessage{"project_id": json.RawMessage(`"p"`)}}
	_, err = host.NewClient().Generate(context.Background(), host.Provider{Module: m, BaseURL: provider.URL, Credentials: src}, req)
	if abi.CodeOf(err) != abi.CodeAuthentication || calls.Load() != 2 || fetches.Load() != 2 {
		t.Fatalf("err %v after %d requests and %d token fetches, want authentication after 2 and 2", err, calls.Load(), fetches.Load())
	}
}

// TestOAuth2MissingConfiguration: each source names what to set.
func TestOAuth2MissingConfiguration(t *testing.T) {
	for _, v := range []string{host.EnvWatsonxAPIKey, host.EnvIBMCloudAPIKey, host.EnvAzureTenant, host.EnvAzureClientID, host.EnvAzureClientSecret} {
		t.Setenv(v, "")
	}
	t.Setenv(host.EnvGoogleCredentials, filepath.Join(t.TempDir(), "missing.json"))
	_, gerr := host.GoogleCredentials(context.Background(), nil, host.TokenOptions{})
	_, aerr := host.AzureEntraFromEnv(host.TokenOptions{})
	_, ierr := host.IBMIAMFromEnv(host.TokenOptions{})
	tests := []struct {
		name string
		err  error
		want []string
	}{
		{"google", gerr, []string{host.EnvGoogleCredentials, "gcloud auth application-default login"}},
		{"azure", aerr, []string{host.EnvAzureTenant, host.EnvAzureClientID, host.EnvAzureClientSecret}},
		{"ibm", ierr, []string{host.EnvWatsonxAPIKey, host.EnvIBMCloudAPIKey}},
	}
	for _, tt := range tests {
		if abi.CodeOf(tt.err) != abi.CodeAuthentication {
			t.Errorf("%s: %v, want an authentication error", tt.name, tt.err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(tt.err.Error(), w) {
				t.Errorf("%s: %q does not name %s", tt.name, tt.err, w)
			}
		}
	}
}

// A Provider of a module that takes Google OAuth2 access tokens (the
// Vertex modules): the source finds the application-default credentials
// once, fetches a token on first use, replaces it before it expires, and
// the Client retries a 401 once with a fresh one.
func ExampleGoogleCredentials() {
	ctx := context.Background()
	src, err := host.GoogleCredentials(ctx, nil, host.TokenOptions{}) // or a service account key file's contents
	if err != nil {
		fmt.Println(err) // names GOOGLE_APPLICATION_CREDENTIALS and gcloud
		return
	}
	var vertexGemini engine.Module // loaded from bin/adapters/vertex-gemini.wasm
	p := host.Provider{Module: vertexGemini, Credentials: src}
	_ = p
}
