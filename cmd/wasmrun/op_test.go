package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

// TestOp runs `wasmrun op` against a loopback server that serves the
// anthropic golden cases' recorded answers.
func TestOp(t *testing.T) {
	mod := shippedModule(t, "anthropic")
	read := func(c string) []byte {
		b, err := os.ReadFile(filepath.Join("../../testdata/anthropic", c, "body"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	last := `{"data":[{"type":"model","id":"claude-last-page","display_name":"Last","max_input_tokens":200000,"max_tokens":8192}],"has_more":false}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != "k-test" {
			w.WriteHeader(401)
			w.Write([]byte(`{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/v1/models" && r.URL.Query().Get("after_id") == "":
			w.Write(read("op-models-list"))
		case r.URL.Path == "/v1/models" && r.URL.Query().Get("after_id") == "claude-text-only-test":
			w.Write([]byte(last))
		case r.URL.Path == "/v1/messages/count_tokens" && r.Method == "POST":
			w.Write(read("op-count-tokens"))
		default:
			w.WriteHeader(404)
			w.Write([]byte(`{"type":"error","error":{"type":"not_found_error","message":"no such path"}}`))
		}
	}))
	defer srv.Close()
	t.Setenv("WASMRUN_OP_KEY", "k-test")

	out, errOut, code := wasmrun(t, "op", mod, "models", "--base-url", srv.URL, "--api-key-env", "WASMRUN_OP_KEY")
	var models abi.ModelsResult
	if code != 0 || json.Unmarshal([]byte(out), &models) != nil {
		t.Fatalf("op models: exit %d\n%s%s", code, out, errOut)
	}
	var ids []string
	for _, m := range models.Models {
		ids = append(ids, m.ID)
	}
	if strings.Join(ids, ",") != "claude-sonnet-4-5-20250929,claude-text-only-test,claude-last-page" {
		t.Errorf("models %v: want both pages in order", ids)
	}
	if c := models.Models[2].Capabilities; c == nil || c.Features.Source != abi.SourceDiscovered || c.Details.ContextWindow != 200000 {
		t.Errorf("last model's capabilities %+v: want discovered with its context window", c)
	}

	out, errOut, code = wasmrun(t, "op", mod, "count-tokens", "../../testdata/anthropic/op-count-tokens/request.json", "--base-url", srv.URL, "--api-key-env", "WASMRUN_OP_KEY")
	if code != 0 || strings.TrimSpace(out) != "{\n  \"input_tokens\": 412\n}" {
		t.Errorf("op count-tokens: exit %d\n%s%s", code, out, errOut)
	}

	dir := t.TempDir()
	embedReq, badReq := filepath.Join(dir, "embed.json"), filepath.Join(dir, "bad.json")
	if err := os.WriteFile(embedReq, []byte(`{"model":"m","inputs":["a"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(badReq, []byte(`{"model":"m","inputz":["a"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"embed unsupported", []string{"embed", embedReq}, 1, "capability_unsupported"},
		{"unknown operation", []string{"rerank"}, 2, "unknown operation"},
		{"models with a request", []string{"models", "x.json"}, 2, "takes no REQUEST.json"},
		{"count-tokens without one", []string{"count-tokens"}, 2, "needs REQUEST.json"},
		{"count-tokens with an unknown field", []string{"count-tokens", badReq}, 1, badReq + ` is not a valid normalized request: json: unknown field "inputz"`},
		{"embed with an unknown field", []string{"embed", badReq}, 1, badReq + ` is not a valid embed request: json: unknown field "inputz"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := wasmrun(t, append(append([]string{"op", mod}, tt.args...), "--base-url", srv.URL, "--api-key-env", "WASMRUN_OP_KEY")...)
			if code != tt.code || !strings.Contains(errOut, tt.msg) {
				t.Errorf("exit %d, stderr %q: want %d and %q", code, errOut, tt.code, tt.msg)
			}
		})
	}
	t.Setenv("WASMRUN_OP_KEY", "wrong")
	_, errOut, code = wasmrun(t, "op", mod, "models", "--base-url", srv.URL, "--api-key-env", "WASMRUN_OP_KEY")
	if code != 1 || !strings.Contains(errOut, "authentication") {
		t.Errorf("op models with a wrong key: exit %d, stderr %q", code, errOut)
	}
}
