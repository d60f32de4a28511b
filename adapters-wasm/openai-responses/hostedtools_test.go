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
	req := func(tools, history string) string {
		return `{"model":"gpt-4.1","tools":` + tools + `,"messages":[` + user + history + `]}`
	}
	guesttest.ProjectErrors(t, New(), map[string]guesttest.Refusal{
		"web_fetch":                                {Req: req(`[{"type":"provider","name":"web_fetch"}]`, ``), Code: abi.CodeCapabilityUnsupported, Pointer: "/tools/0/name"},
		"code_execution container and file_ids":    {Req: req(`[{"type":"provider","name":"code_execution","options":{"container":"c","file_ids":["f"]}}]`, ``), Code: abi.CodeInvalidRequest, Pointer: "/tools/0/options"},
		"code_execution unknown option":            {Req: req(`[{"type":"provider","name":"code_execution","options":{"memory":"4g"}}]`, ``), Code: abi.CodeInvalidRequest, Pointer: "/tools/0/options/memory"},
		"file_search without stores":               {Req: req(`[{"type":"provider","name":"file_search","options":{"max_num_results":3}}]`, ``), Code: abi.CodeInvalidRequest, Pointer: "/tools/0/options/vector_store_ids"},
		"file_search too many results":             {Req: req(`[{"type":"provider","name":"file_search","options":{"vector_store_ids":["v"],"max_num_results":51}}]`, ``), Code: abi.CodeInvalidRequest, Pointer: "/tools/0/options/max_num_results"},
		"file_search filters not an object":        {Req: req(`[{"type":"provider","name":"file_search","options":{"vector_store_ids":["v"],"filters":"x"}}]`, ``), Code: abi.CodeInvalidRequest, Pointer: "/tools/0/options/filters"},
		"mcp plain http":                           {Req: req(`[{"type":"provider","name":"mcp","options":{"server_label":"s","server_url":"http://x.test"}}]`, ``), Code: abi.CodeInvalidRequest, Pointer: "/tools/0/options/server_url"},
		"approval request input malformed":         {Req: req(`[]`, `,{"role":"assistant","content":[{"type":"approval-request","provider":"openai-responses","id":"a","name":"mcp","input":"{}"}]}`), Code: abi.CodeInvalidRequest, Pointer: "/messages/1/content/0"},
		"approval response without its request id": {Req: req(`[]`, `,{"role":"tool","content":[{"type":"approval-response","provider":"openai-responses","approved":true}]}`), Code: abi.CodeInvalidRequest, Pointer: "/messages/1/content/0/tool_call_id"},
		"approval request in a user message":       {Req: req(`[]`, `,{"role":"user","content":[{"type":"approval-request","provider":"openai-responses","id":"a","name":"mcp","input":"{}"}]}`), Code: abi.CodeInvalidRequest, Pointer: "/messages/1/content/0"},
	})
}
