package servertool

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

func TestParseMCP(t *testing.T) {
	tests := []struct {
		name    string
		options string
		want    MCP
		code    abi.Code
		pointer string
	}{
		{name: "all options", options: `{"server_label":"wiki","server_url":"https://mcp.example.com/mcp","authorization":"tok","allowed_tools":["ask"],"require_approval":"never","headers":{"X-A":"1"}}`,
			want: MCP{ServerLabel: "wiki", ServerURL: "https://mcp.example.com/mcp", Authorization: "tok", AllowedTools: []string{"ask"}, RequireApproval: json.RawMessage(`"never"`), Headers: json.RawMessage(`{"X-A":"1"}`)}},
		{name: "approval object", options: `{"server_label":"wiki","server_url":"https://x.test","require_approval":{"never":{"tool_names":["ask"]}}}`,
			want: MCP{ServerLabel: "wiki", ServerURL: "https://x.test", RequireApproval: json.RawMessage(`{"never":{"tool_names":["ask"]}}`)}},
		{name: "no options", options: ``, code: abi.CodeInvalidRequest, pointer: "/tools/0/options/server_label"},
		{name: "no url", options: `{"server_label":"wiki"}`, code: abi.CodeInvalidRequest, pointer: "/tools/0/options/server_url"},
		{name: "plain http", options: `{"server_label":"wiki","server_url":"http://x.test"}`, code: abi.CodeInvalidRequest, pointer: "/tools/0/options/server_url"},
		{name: "bad approval", options: `{"server_label":"wiki","server_url":"https://x.test","require_approval":"sometimes"}`, code: abi.CodeInvalidRequest, pointer: "/tools/0/options/require_approval"},
		{name: "empty allowed tools", options: `{"server_label":"wiki","server_url":"https://x.test","allowed_tools":[]}`, code: abi.CodeInvalidRequest, pointer: "/tools/0/options/allowed_tools"},
		{name: "unknown option", options: `{"server_label":"wiki","server_url":"https://x.test","timeout":3}`, code: abi.CodeInvalidRequest, pointer: "/tools/0/options/timeout"},
		{name: "options not an object", options: `[1]`, code: abi.CodeInvalidRequest, pointer: "/tools/0/options"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			td := abi.ToolDefinition{Type: abi.ToolProvider, Name: abi.ProviderToolMCP, Options: json.RawMessage(tt.options)}
			got, err := ParseMCP(&td, "/tools/0")
			if tt.code != "" {
				var e *abi.Error
				if !errors.As(err, &e) || e.Code != tt.code || e.Pointer != tt.pointer {
					t.Fatalf("error %v, want %s at %s", err, tt.code, tt.pointer)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ServerLabel != tt.want.ServerLabel || got.ServerURL != tt.want.ServerURL || got.Authorization != tt.want.Authorization ||
				!slices.Equal(got.AllowedTools, tt.want.AllowedTools) || string(got.RequireApproval) != string(tt.want.RequireApproval) ||
				string(got.Headers) != string(tt.want.Headers) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMCPCallInput(t *testing.T) {
	tests := []struct {
		args, want string
		ok         bool
	}{
		{`{"q": "a"}`, `{"server":"s","tool":"t","arguments":{"q":"a"}}`, true},
		{``, `{"server":"s","tool":"t","arguments":{}}`, true},
		{`[1]`, ``, false},
		{`{"q":`, ``, false},
	}
	for _, tt := range tests {
		got, ok := MCPCallInput("s", "t", []byte(tt.args))
		if ok != tt.ok || got != tt.want {
			t.Errorf("MCPCallInput(%q) = %q, %v; want %q, %v", tt.args, got, ok, tt.want, tt.ok)
		}
	}
}
