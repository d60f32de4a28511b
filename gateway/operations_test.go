package gateway_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/gateway"
	"github.com/wasmadapt/wasmadapt/gateway/config"
	"github.com/wasmadapt/wasmadapt/gateway/limits"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
)

// opProvider replays the named recorded cases of testdata/<adapter> on
// loopback, matching each request to a case by its projection when there
// are several.
func opProvider(t *testing.T, adapter string, cases ...string) *providertest.Server {
	t.Helper()
	var cs []providertest.Case
	for _, name := range cases {
		c, err := providertest.LoadCase(filepath.Join("..", "testdata", adapter, name))
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	p := providertest.NewServer(cs)
	t.Cleanup(p.Close)
	return p
}

// opGateway serves the public model "m" with the given targets (module,
// provider model, base URL) to testKey, within lim, counting in store.
func opGateway(t *testing.T, lim *config.Limits, store limits.Store, targets ...config.Target) *httptest.Server {
	t.Helper()
	for i := range targets {
		targets[i].CredentialEnv, targets[i].Line = "OP_KEY", i+1
	}
	cfg := &config.Config{
		Models: []config.Model{{Name: "m", Line: 1, Targets: targets}},
		Keys: []config.Key{{Name: "k", SHA256: config.HashKey(testKey), Models: []string{"*"}, Limits: lim, Line: 1},
			{Name: "narrow", SHA256: config.HashKey(narrowKey), Models: []string{"other"}, Line: 2}},
	}
	gw, err := gateway.New(context.Background(), cfg, gateway.Options{
		Loader:     nativeLoader,
		Client:     host.NewClient(host.WithRetry(host.RetryPolicy{MaxRetries: -1})),
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Getenv:     func(string) string { return "provider-key" },
		LimitStore: store,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return srv
}

const embedModel = "text-embedding-3-small"

type embeddingsAnswer struct {
	Object string `json:"object"`
	Data   []struct {
		Object    string          `json:"object"`
		Index     int             `json:"index"`
		Embedding json.RawMessage `json:"embedding"`
	} `json:"data"`
	Model string `json:"model"`
	Usage struct {
		PromptTokens int `json:"prompt_tokens"`
		TotalTokens  int `json:"total_tokens"`
	} `json:"usage"`
}

// TestEmbeddings: /v1/embeddings projects the recorded provider requests
// (float and base64), answers in OpenAI's shape under the public model
// name, and maps provider errors and refusals to OpenAI errors.
func TestEmbeddings(t *testing.T) {
	p := opProvider(t, "openai", "op-embed-float", "op-embed-base64")
	srv := opGateway(t, nil, nil, config.Target{Module: "openai", Model: embedModel, BaseURL: p.URL})
	auth := "Authorization: Bearer " + testKey

	status, _, body := post(t, srv.URL+"/v1/embeddings", `{"model":"m","input":["The food was delicious","The waiter was friendly"],"dimensions":3,"user":"u1"}`, auth)
	if status != 200 {
		t.Fatalf("float: %d %s", status, body)
	}
	var a embeddingsAnswer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatal(err)
	}
	if a.Object != "list" || a.Model != "m" || len(a.Data) != 2 || a.Usage.PromptTokens != 10 || a.Usage.TotalTokens != 10 {
		t.Fatalf("float answer %s", body)
	}
	// The provider answered out of order; the answer is in input order.
	for i, want := range []string{`[-0.006929283,-0.005336422,0.024047505]`, `[0.5,-0.25,0.125]`} {
		if d := a.Data[i]; d.Object != "embedding" || d.Index != i || string(d.Embedding) != want {
			t.Errorf("data[%d] = %+v (%s), want index %d embedding %s", i, d, d.Embedding, i, want)
		}
	}

	status, _, body = post(t, srv.URL+"/v1/embeddings", `{"model":"m","input":"hi","encoding_format":"base64"}`, auth)
	if status != 200 {
		t.Fatalf("base64: %d %s", status, body)
	}
	a = embeddingsAnswer{}
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatal(err)
	}
	var s string
	if len(a.Data) != 1 || json.Unmarshal(a.Data[0].Embedding, &s) != nil {
		t.Fatalf("base64 answer %s", body)
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := abi.DecodeFloat32s(raw); err != nil || len(v) != 3 || v[0] != 1 || v[1] != -2 || v[2] != 3 {
		t.Fatalf("base64 embedding decodes to %v, %v; want [1 -2 3]", v, err)
	}
	reqs := p.Requests()
	if len(reqs) != 2 || reqs[0].Case != "op-embed-float" || reqs[1].Case != "op-embed-base64" {
		t.Fatalf("provider requests %+v: want the float then the base64 case", reqs)
	}

	for _, tc := range []struct {
		name, body, header string
		status             int
		code, message      string
	}{
		{"token array", `{"model":"m","input":[[1,2,3]]}`, auth, 400, "invalid_request", "token arrays"},
		{"flat token array", `{"model":"m","input":[1,2,3]}`, auth, 400, "invalid_request", "token arrays"},
		{"no input", `{"model":"m"}`, auth, 400, "invalid_request", "input is required"},
		{"empty input", `{"model":"m","input":[]}`, auth, 400, "invalid_request", "empty array"},
		{"encoding", `{"model":"m","input":"hi","encoding_format":"int8"}`, auth, 400, "invalid_request", "encoding_format"},
		{"dimensions", `{"model":"m","input":"hi","dimensions":0}`, auth, 400, "invalid_request", "dimensions"},
		{"unknown model", `{"model":"nope","input":"hi"}`, auth, 404, "not_found", "does not exist"},
		{"model not allowed", `{"model":"m","input":"hi"}`, "Authorization: Bearer " + narrowKey, 403, "permission", "may not use"},
		{"no key", `{"model":"m","input":"hi"}`, "X-Other: 1", 401, "authentication", "missing gateway API key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := post(t, srv.URL+"/v1/embeddings", tc.body, tc.header)
			checkOpenAIError(t, status, body, tc.status, tc.code, tc.message)
		})
	}
	if n := len(p.Requests()); n != 2 {
		t.Errorf("refused requests reached the provider: %d requests", n)
	}
	_, text := get(t, srv.URL+"/metrics")
	for _, want := range []string{
		`wasmadapt_gateway_requests_total{endpoint="/v1/embeddings",model="m",status="200"} 2`,
		`wasmadapt_gateway_requests_total{endpoint="/v1/embeddings",model="nope",status="404"} 1`,
		`wasmadapt_gateway_tokens_total{model="m",type="input"} 11`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// checkOpenAIError checks an answer in OpenAI's error shape.
func checkOpenAIError(t *testing.T, status int, body string, wantStatus int, code, message string) {
	t.Helper()
	var e struct {
		Error struct {
			Message string `json:"message"`
			Type    string `json:"type"`
			Code    string `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || status != wantStatus || e.Error.Code != code ||
		!strings.Contains(e.Error.Message, message) || e.Error.Type == "" {
		t.Fatalf("%d %s; want %d with code %s and a message holding %q", status, body, wantStatus, code, message)
	}
}

// TestEmbeddingsTargets: a target whose module does not serve embed hands
// over to the next; a route with none is capability_unsupported (400); a
// provider's refusal maps like a chat error.
func TestEmbeddingsTargets(t *testing.T) {
	auth := "Authorization: Bearer " + testKey
	body := `{"model":"m","input":"hi","encoding_format":"base64"}`
	p := opProvider(t, "openai", "op-embed-base64")
	srv := opGateway(t, nil, nil,
		config.Target{Module: "anthropic", Model: "claude-sonnet-4-5", BaseURL: p.URL},
		config.Target{Module: "openai", Model: embedModel, BaseURL: p.URL})
	if status, _, b := post(t, srv.URL+"/v1/embeddings", body, auth); status != 200 || !strings.Contains(b, `"embedding":"AACAPwAAAMAAAEBA"`) {
		t.Fatalf("second target: %d %s", status, b)
	}

	srv = opGateway(t, nil, nil, config.Target{Module: "anthropic", Model: "claude-sonnet-4-5", BaseURL: p.URL})
	status, _, b := post(t, srv.URL+"/v1/embeddings", body, auth)
	checkOpenAIError(t, status, b, 400, "capability_unsupported", "no target whose module serves the embed operation")

	perr := opProvider(t, "openai", "op-embed-error-400")
	srv = opGateway(t, nil, nil, config.Target{Module: "openai", Model: embedModel, BaseURL: perr.URL})
	status, _, b = post(t, srv.URL+"/v1/embeddings", `{"model":"m","input":"hi","dimensions":512}`, auth)
	checkOpenAIError(t, status, b, 400, "invalid_request", "does not support specifying dimensions")
	if len(p.Requests()) != 1 {
		t.Errorf("the provider had %d requests; want the one of the serving target", len(p.Requests()))
	}
}

// TestEmbeddingsTenantLimits: an embeddings request counts against its
// key's requests a minute and settles its token reservation with the
// usage the provider reported.
func TestEmbeddingsTenantLimits(t *testing.T) {
	p := opProvider(t, "openai", "op-embed-float")
	store := &ledger{Store: limits.NewMemoryStore(nil), net: map[string]int64{}}
	srv := opGateway(t, &config.Limits{RequestsPerMinute: 1, TokenBudget: 1000, BudgetPeriod: "1h"}, store,
		config.Target{Module: "openai", Model: embedModel, BaseURL: p.URL})
	body := `{"model":"m","input":["The food was delicious","The waiter was friendly"],"dimensions":3}`
	auth := "Authorization: Bearer " + testKey
	if status, _, b := post(t, srv.URL+"/v1/embeddings", body, auth); status != 200 {
		t.Fatalf("%d %s", status, b)
	}
	if got := store.sum(limits.LimitBudget); got != 10 {
		t.Errorf("budget counter %d after one request; want the reported usage 10", got)
	}
	status, _, b := post(t, srv.URL+"/v1/embeddings", body, auth)
	checkOpenAIError(t, status, b, 429, "rate_limited", "")
	if len(p.Requests()) != 1 {
		t.Errorf("the limited request reached the provider (%d requests)", len(p.Requests()))
	}
}

// TestCountTokens: /v1/messages/count_tokens decodes a Messages body
// (max_tokens optional), projects the recorded provider request and
// answers {"input_tokens": n}; provider errors and a route without the
// operation are Anthropic errors.
func TestCountTokens(t *testing.T) {
	const body = `{"model":"m","system":"Be brief.","messages":[{"role":"user","content":"Hello, Claude"}],` +
		`"tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}]}`
	auth := "x-api-key: " + testKey
	p := opProvider(t, "anthropic", "op-count-tokens")
	srv := opGateway(t, nil, nil, config.Target{Module: "anthropic", Model: "claude-sonnet-4-5", BaseURL: p.URL})
	status, _, b := post(t, srv.URL+"/v1/messages/count_tokens", body, auth)
	if status != 200 || b != `{"input_tokens":412}` {
		t.Fatalf("%d %s", status, b)
	}
	if reqs := p.Requests(); len(reqs) != 1 || reqs[0].Case != "op-count-tokens" {
		t.Fatalf("provider requests %+v", reqs)
	}
	status, _, b = post(t, srv.URL+"/v1/messages/count_tokens", `{"model":"m","messages":[]}`, auth)
	checkErrorShape(t, "/v1/messages", b, "invalid_request_error")
	if status != 400 {
		t.Fatalf("no messages: %d %s", status, b)
	}

	p429 := opProvider(t, "anthropic", "op-count-tokens-error-429")
	srv = opGateway(t, nil, nil, config.Target{Module: "anthropic", Model: "claude-sonnet-4-5", BaseURL: p429.URL})
	status, _, b = post(t, srv.URL+"/v1/messages/count_tokens", body, auth)
	checkErrorShape(t, "/v1/messages", b, "rate_limit_error")
	if status != 429 {
		t.Fatalf("rate limited: %d %s", status, b)
	}

	srv = opGateway(t, nil, nil, config.Target{Module: "openai", Model: "gpt-4.1-mini", BaseURL: p.URL})
	status, _, b = post(t, srv.URL+"/v1/messages/count_tokens", body, auth)
	checkErrorShape(t, "/v1/messages", b, "invalid_request_error")
	if status != 400 || !strings.Contains(b, "capability_unsupported") || !strings.Contains(b, "count_tokens operation") {
		t.Fatalf("openai target: %d %s", status, b)
	}
}
