package anthropic

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

// TestProjectServerToolRefusals: provider tool kinds and options the
// Messages API has no form for, and malformed server-tool parts, are
// refused with a code and the pointer of the field, never dropped.
func TestProjectServerToolRefusals(t *testing.T) {
	req := func(tools, history string) string {
		return `{"model":"claude-sonnet-4-5","tools":` + tools + `,"messages":[{"role":"user","content":"q"}` + history + `]}`
	}
	guesttest.ProjectErrors(t, New(), map[string]guesttest.Refusal{
		"file_search":                                   {Req: req(`[{"type":"provider","name":"file_search","options":{"vector_store_ids":["v"]}}]`, ``), Code: abi.CodeCapabilityUnsupported, Pointer: "/tools/0/name"},
		"code_execution takes no options":               {Req: req(`[{"type":"provider","name":"code_execution","options":{"max_uses":1}}]`, ``), Code: abi.CodeInvalidRequest, Pointer: "/tools/0/options/max_uses"},
		"web_fetch user_location is web_search's":       {Req: req(`[{"type":"provider","name":"web_fetch","options":{"user_location":{}}}]`, ``), Code: abi.CodeInvalidRequest, Pointer: "/tools/0/options/user_location"},
		"web_fetch max_content_tokens must be positive": {Req: req(`[{"type":"provider","name":"web_fetch","options":{"max_content_tokens":0}}]`, ``), Code: abi.CodeInvalidRequest, Pointer: "/tools/0/options/max_content_tokens"},
		"web_fetch allowed and blocked":                 {Req: req(`[{"type":"provider","name":"web_fetch","options":{"allowed_domains":["a"],"blocked_domains":["b"]}}]`, ``), Code: abi.CodeInvalidRequest, Pointer: "/tools/0/options"},
		"mcp headers":                                   {Req: req(`[{"type":"provider","name":"mcp","options":{"server_label":"s","server_url":"https://x.test","headers":{"A":"b"}}}]`, ``), Code: abi.CodeCapabilityUnsupported, Pointer: "/tools/0/options/headers"},
		"mcp approval object":                           {Req: req(`[{"type":"provider","name":"mcp","options":{"server_label":"s","server_url":"https://x.test","require_approval":{"never":{}}}}]`, ``), Code: abi.CodeCapabilityUnsupported, Pointer: "/tools/0/options/require_approval"},
		"server-tool part in a user message": {Req: req(`[{"type":"provider","name":"web_search"}]`,
			`,{"role":"user","content":[{"type":"server-tool-call","provider":"anthropic","id":"s","name":"web_search","input":"{}"}]}`), Code: abi.CodeInvalidRequest, Pointer: "/messages/1/content/0"},
		"server-tool call input not an object": {Req: req(`[{"type":"provider","name":"web_search"}]`,
			`,{"role":"assistant","content":[{"type":"server-tool-call","provider":"anthropic","id":"s","name":"web_search","input":"[1]"}]}`), Code: abi.CodeInvalidRequest, Pointer: "/messages/1/content/0/input"},
		"mcp call input without server": {Req: req(`[{"type":"provider","name":"web_search"}]`,
			`,{"role":"assistant","content":[{"type":"server-tool-call","provider":"anthropic","id":"s","name":"mcp","input":"{\"tool\":\"t\",\"arguments\":{}}"}]}`), Code: abi.CodeInvalidRequest, Pointer: "/messages/1/content/0/input"},
		"server-tool result content not JSON": {Req: req(`[{"type":"provider","name":"web_search"}]`,
			`,{"role":"assistant","content":[{"type":"server-tool-result","provider":"anthropic","id":"s","name":"web_search","content":"{"}]}`), Code: abi.CodeInvalidRequest, Pointer: "/messages/1/content/0/content"},
		"cache marker on a server-tool part": {Req: req(`[{"type":"provider","name":"web_search"}]`,
			`,{"role":"assistant","content":[{"type":"server-tool-result","provider":"anthropic","id":"s","name":"web_search","content":"[]","cache":{}}]}`), Code: abi.CodeCapabilityUnsupported, Pointer: "/messages/1/content/0/cache"},
	})
}
