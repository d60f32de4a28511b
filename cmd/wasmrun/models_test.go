package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

// TestModelsCommand runs `wasmrun models MODULE --base-url` against a
// loopback server that answers each request with the recorded body of the
// module's golden operation case whose projection it is (testdata/<module>/
// op-models*), for the providers that publish model lists: the printed
// models are those of the recorded answers, every page and every per-model
// follow-up included.
func TestModelsCommand(t *testing.T) {
	t.Parallel() // each run loads a module: slow under -race
	for _, tc := range []struct {
		module string
		// last answers the request for the page after the recorded ones
		// (the path's last page), "" when the recordings have one page.
		last string
		want []string
	}{
		{"anthropic", `{"data":[{"type":"model","id":"claude-last-page","display_name":"Last","max_input_tokens":200000,"max_tokens":8192}],"has_more":false}`,
			[]string{"claude-sonnet-4-5-20250929", "claude-text-only-test", "claude-last-page"}},
		{"gemini", `{"models":[{"name":"models/gemini-last-page","inputTokenLimit":1000,"outputTokenLimit":100,"supportedGenerationMethods":["generateContent"]}]}`, nil},
		{"mistral", "", nil},
		{"ollama", "", nil},
		{"openrouter", "", nil},
		{"openai-compatible", "", nil},
	} {
		t.Run(tc.module, func(t *testing.T) {
			t.Parallel()
			mod := shippedModule(t, tc.module)
			answers, ids := recordedOps(t, tc.module, abi.OpModels)
			want := tc.want
			if want == nil {
				want = ids
				if tc.last != "" {
					want = append(want, "gemini-last-page")
				}
			}
			srv := recordedServer(t, answers, func(w http.ResponseWriter, r *http.Request) bool {
				if tc.last != "" && r.Method == "GET" && r.URL.RawQuery != "" {
					w.Write([]byte(tc.last))
					return true
				}
				return false
			})
			out, errOut, code := wasmrun(t, "models", mod, "--base-url", srv.URL, "--api-key-env", opsTestKeyEnv)
			var res abi.ModelsResult
			if code != 0 || json.Unmarshal([]byte(out), &res) != nil {
				t.Fatalf("wasmrun models %s: exit %d\n%s%s", tc.module, code, out, errOut)
			}
			var got []string
			for _, m := range res.Models {
				got = append(got, m.ID)
				if m.Incomplete {
					t.Errorf("%s is still incomplete: the follow-up was not made", m.ID)
				}
				if m.Capabilities == nil {
					t.Errorf("%s has no capabilities", m.ID)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("models %v, want %v", got, want)
			}
		})
	}
}

// recordedAnswer is a golden case's recorded answer: its body and the
// response headers case.json gives.
type recordedAnswer struct {
	body    []byte
	headers map[string]string
}

// serve writes the answer.
func (a recordedAnswer) serve(w http.ResponseWriter) {
	for k, v := range a.headers {
		w.Header().Set(k, v)
	}
	w.Write(a.body)
}

// recordedServer serves answers (recordedOps) on loopback until t ends:
// the answer whose request the request is; else other's, when other
// answers it; else 404.
func recordedServer(t *testing.T, answers map[string]recordedAnswer, other func(http.ResponseWriter, *http.Request) bool) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if a, ok := answers[requestKey(r.Method, r.URL.Path, r.URL.Query(), body)]; ok {
			a.serve(w)
			return
		}
		if other != nil && other(w, r) {
			return
		}
		w.WriteHeader(404)
		w.Write([]byte(`{"error":{"message":"no recorded answer for ` + r.Method + " " + r.URL.String() + `"}}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// recordedOps reads the golden operation cases of module for op: the
// recorded answer of each, keyed by its projected request (requestKey),
// and the IDs of the models the first page lists (cases without a
// request.json page or model).
func recordedOps(t *testing.T, module, op string) (map[string]recordedAnswer, []string) {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join("../../testdata", module, "op-*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no operation cases for %s", module)
	}
	answers := map[string]recordedAnswer{}
	var ids []string
	for _, d := range dirs {
		var meta struct {
			Op      string            `json:"op"`
			Status  int               `json:"status"`
			Headers map[string]string `json:"headers"`
		}
		var pr struct {
			Method string            `json:"method"`
			Path   string            `json:"path"`
			Query  map[string]string `json:"query"`
			Body   json.RawMessage   `json:"body"`
		}
		if readJSON(t, filepath.Join(d, "case.json"), &meta); meta.Op != op || meta.Status >= 400 {
			continue
		}
		body, err := os.ReadFile(filepath.Join(d, "body"))
		if err != nil {
			continue // a projection-only case
		}
		readJSON(t, filepath.Join(d, "projection.json"), &pr)
		q := map[string][]string{}
		for k, v := range pr.Query {
			q[k] = []string{v}
		}
		answers[requestKey(pr.Method, pr.Path, q, pr.Body)] = recordedAnswer{body, meta.Headers}
		var req map[string]any
		readJSON(t, filepath.Join(d, "request.json"), &req)
		if len(req) > 0 {
			continue // a later page or a per-model follow-up
		}
		var res abi.ModelsResult
		readJSON(t, filepath.Join(d, "result.json"), &res)
		for _, m := range res.Models {
			ids = append(ids, m.ID)
		}
	}
	return answers, ids
}

// requestKey identifies a request by method, unescaped path, sorted query
// and compacted JSON body.
func requestKey(method, path string, query map[string][]string, body []byte) string {
	if p, err := url.PathUnescape(path); err == nil {
		path = p
	}
	keys := make([]string, 0, len(query))
	for k, vs := range query {
		keys = append(keys, k+"="+strings.Join(vs, ","))
	}
	sort.Strings(keys)
	var b bytes.Buffer
	if len(body) > 0 && json.Compact(&b, body) != nil {
		b.Reset()
		b.Write(body)
	}
	return method + " " + path + "?" + strings.Join(keys, "&") + " " + b.String()
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// opsTestKeyEnv names the API key variable of the operation tests, set
// by TestMain for the whole run.
const opsTestKeyEnv = "WASMRUN_OPS_TEST_KEY"

// TestEmbedCommand runs `wasmrun embed MODULE REQUEST.json --base-url`
// through the host's Client.Embed and the real module against a loopback
// server that answers with the module's recorded embed answer: the printed
// result is the case's result.json.
func TestEmbedCommand(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ module, caseDir string }{
		{"openai", "op-embed-float"},
		{"openai", "op-embed-base64"},
		{"mistral", "op-embed"},
		{"gemini", "op-embed"},
		{"ollama", "op-embed"},
		{"openai-compatible", "op-embed"},
	} {
		t.Run(tc.module+"/"+tc.caseDir, func(t *testing.T) {
			t.Parallel()
			embedCase(t, tc.module, tc.caseDir, "--api-key-env", opsTestKeyEnv)
		})
	}
}

// TestEmbedCommandSigV4: bedrock's embed cases, signed with the AWS
// variables (Titan; Cohere, whose usage comes in a response header).
func TestEmbedCommandSigV4(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
	for _, c := range []string{"op-embed-titan", "op-embed-cohere"} {
		t.Run(c, func(t *testing.T) { embedCase(t, "bedrock", c, "--region", "us-east-1") })
	}
}

// embedCase runs wasmrun embed on a golden embed case of module (extra:
// its credential options) and compares the result with result.json.
func embedCase(t *testing.T, module, caseDir string, extra ...string) {
	t.Helper()
	mod := shippedModule(t, module)
	answers, _ := recordedOps(t, module, abi.OpEmbed)
	srv := recordedServer(t, answers, nil)
	dir := filepath.Join("../../testdata", module, caseDir)
	out, errOut, code := wasmrun(t, append([]string{"embed", mod, filepath.Join(dir, "request.json"), "--base-url", srv.URL}, extra...)...)
	var got, want abi.EmbedResult
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil {
		t.Fatalf("wasmrun embed: exit %d\n%s%s", code, out, errOut)
	}
	readJSON(t, filepath.Join(dir, "result.json"), &want)
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Errorf("result\n%s\nwant (result.json)\n%s", g, w)
	}
}
