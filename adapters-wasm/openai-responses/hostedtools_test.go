package openairesponses

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

// TestProjectHostedToolRefusals: kinds and options the Responses API has
// no form for, malformed options and malformed approval parts are refused
// with a code and the pointer of the field.
func TestProjectHostedToolRefusals(t *testing.T) {
	const user = `{"role":"user","content":"q"}`
	tests := []struct {
		name, tools, history string
		code                 abi.Code
		pointer              string
	}{
		{"web_fetch", `[{"type":"provider","name":"web_fetch"}]`, ``, abi.CodeCapabilityUnsupported, "/tools/0/name"},
		{"code_execution container and file_ids", `[{"type":"provider","name":"code_execution","options":{"container":"c","file_ids":["f"]}}]`, ``, abi.CodeInvalidRequest, "/tools/0/options"},
		{"code_execution unknown option", `[{"type":"provider","name":"code_execution","options":{"memory":"4g"}}]`, ``, abi.CodeInvalidRequest, "/tools/0/options/memory"},
		{"file_search without stores", `[{"type":"provider","name":"file_search","options":{"max_num_results":3}}]`, ``, abi.CodeInvalidRequest, "/tools/0/options/vector_store_ids"},
		{"file_search too many results", `[{"type":"provider","name":"file_search","options":{"vector_store_ids":["v"],"max_num_results":51}}]`, ``, abi.CodeInvalidRequest, "/tools/0/options/max_num_results"},
		{"file_search filters not an object", `[{"type":"provider","name":"file_search","options":{"vector_store_ids":["v"],"filters":"x"}}]`, ``, abi.CodeInvalidRequest, "/tools/0/options/filters"},
		{"mcp plain http", `[{"type":"provider","name":"mcp","options":{"server_label":"s","server_url":"http://x.test"}}]`, ``, abi.CodeInvalidRequest, "/tools/0/options/server_url"},
		{"approval request input malformed", `[]`,
			`,{"role":"assistant","content":[{"type":"approval-request","provider":"openai-responses","id":"a","name":"mcp","input":"{}"}]}`, abi.CodeInvalidRequest, "/messages/1/content/0"},
		{"approval response without its request id", `[]`,
			`,{"role":"tool","content":[{"type":"approval-response","provider":"openai-responses","approved":true}]}`, abi.CodeInvalidRequest, "/messages/1/content/0/tool_call_id"},
		{"approval request in a user message", `[]`,
			`,{"role":"user","content":[{"type":"approval-request","provider":"openai-responses","id":"a","name":"mcp","input":"{}"}]}`, abi.CodeInvalidRequest, "/messages/1/content/0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := `{"model":"gpt-4.1","tools":` + tt.tools + `,"messages":[` + user + tt.history + `]}`
			guesttest.ProjectError(t, New(), req, tt.code, tt.pointer)
		})
	}
}
