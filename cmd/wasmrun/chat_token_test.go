package main

import (
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/host/providertest"
)

// TestChatToken: --token takes OAuth2 access tokens from the documented
// environment (here IBM IAM against a loopback endpoint) and sends them as
// the bearer credential; a missing configuration names what to set.
func TestChatToken(t *testing.T) {
	mod := openaiModule(t)
	srv := demoServer(t)
	tokens := providertest.NewTokenServer("ibm-key", "iam-tok")
	defer tokens.Close()
	t.Setenv("WATSONX_APIKEY", "ibm-key")
	_, errOut, code := wasmrun(t, "chat", mod, "../../testdata/openai/stream-text-usage/request.json", "--base-url", srv.URL, "--token", "ibm-iam", "--token-url", tokens.URL)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if got := srv.Requests(); len(got) != 1 || got[0].Header.Get("Authorization") != "Bearer iam-tok" {
		t.Fatalf("requests: %+v", got)
	}
	for _, v := range []string{"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"} {
		t.Setenv(v, "")
	}
	_, errOut, code = wasmrun(t, "chat", mod, "../../testdata/openai/stream-text-usage/request.json", "--base-url", srv.URL, "--token", "azure-entra")
	if code == 0 || !strings.Contains(errOut, "AZURE_TENANT_ID") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = wasmrun(t, "chat", mod, "../../testdata/openai/stream-text-usage/request.json", "--token", "kerberos")
	if code != 2 || !strings.Contains(errOut, "azure-entra") {
		t.Errorf("bad kind: exit %d, stderr %q", code, errOut)
	}
}

func TestDefaultToken(t *testing.T) {
	tests := []struct {
		module, apiKey, clientID, want string
	}{
		{"vertex-gemini", "", "", "google"},
		{"vertex-anthropic", "", "", "google"},
		{"watsonx", "", "", "ibm-iam"},
		{"azure-openai", "", "app", "azure-entra"},
		{"azure-openai", "key", "app", ""},
		{"azure-openai", "", "", ""},
		{"openai", "", "app", ""},
	}
	for _, tt := range tests {
		t.Setenv("AZURE_OPENAI_API_KEY", tt.apiKey)
		t.Setenv("AZURE_CLIENT_ID", tt.clientID)
		if got := defaultToken(tt.module); got != tt.want {
			t.Errorf("%s (key %q, client %q): %q, want %q", tt.module, tt.apiKey, tt.clientID, got, tt.want)
		}
	}
}
