package openaicompatible_test

import (
	"slices"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/llamacpp"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/lmstudio"
	openaicompatible "github.com/wasmadapt/wasmadapt/adapters-wasm/openai-compatible"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/vllm"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

// TestPresets: each server preset is a module of its own (name, default
// base URL, auth) that keeps the generic module's behaviour: its options
// and the model-name suffixes.
func TestPresets(t *testing.T) {
	tests := []struct {
		adapter guest.Adapter
		name    string
		baseURL string
		auth    string
		options []string // some of the preset's own options
	}{
		{openaicompatible.New(), "openai-compatible", "", abi.AuthBearer, nil},
		{vllm.New(), "vllm", "http://localhost:8000", abi.AuthBearer, []string{"structured_outputs", "guided_json", "min_tokens"}},
		{llamacpp.New(), "llamacpp", "http://localhost:8080", abi.AuthBearer, []string{"cache_prompt", "grammar", "reasoning_format"}},
		{lmstudio.New(), "lmstudio", "http://localhost:1234", abi.AuthNone, []string{"ttl", "draft_model"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.adapter.Capabilities("some-model")
			if c.Name != tt.name || c.Provider != tt.name || c.DefaultBaseURL != tt.baseURL || c.Auth.Scheme != tt.auth {
				t.Errorf("capabilities: name %q provider %q base %q auth %q", c.Name, c.Provider, c.DefaultBaseURL, c.Auth.Scheme)
			}
			for _, o := range append([]string{"tool_mode", "think", "chat_template_kwargs"}, tt.options...) {
				if !slices.Contains(c.ProviderOptions, o) {
					t.Errorf("provider option %s not listed in %v", o, c.ProviderOptions)
				}
			}
			if c := tt.adapter.Capabilities("m+no-auth+emulated-tools"); c.Auth.Scheme != abi.AuthNone || c.Features.ToolCalling != abi.SupportEmulated {
				t.Errorf("suffixes: auth %q tools %q", c.Auth.Scheme, c.Features.ToolCalling)
			}
			pr, err := tt.adapter.Project(guesttest.Request(t, `{"model":"m+no-auth","messages":[{"role":"user","content":"hi"}],"provider_options":{"think":false}}`))
			if err != nil {
				t.Fatal(err)
			}
			guesttest.BodyHas(t, pr.Body, []string{`"model":"m"`}, []string{"think"})
			if _, err := tt.adapter.Project(guesttest.Request(t, `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"no_such_option":1}}`)); abi.CodeOf(err) != abi.CodeInvalidRequest {
				t.Errorf("unknown option: %v", err)
			}
		})
	}
	if _, err := vllm.New().Project(guesttest.Request(t, `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"cache_prompt":true}}`)); abi.CodeOf(err) != abi.CodeInvalidRequest {
		t.Errorf("a llama.cpp option on vllm: %v", err)
	}
}
