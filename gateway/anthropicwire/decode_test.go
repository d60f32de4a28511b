package anthropicwire

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/gateway/internal/wiretest"
)

// TestDecodeContentForms: system, message content and tool_result content
// are a string or an array of blocks; anything else is invalid_request
// naming the field, and an empty tool_result content is an empty result.
func TestDecodeContentForms(t *testing.T) {
	const head = `{"model":"m","max_tokens":10,`
	for _, tc := range []struct{ body, says string }{
		{head + `"system":{"type":"text","text":"x"},"messages":[{"role":"user","content":"x"}]}`, "system: content must be a string or an array of content blocks"},
		{head + `"messages":[{"role":"user","content":7}]}`, "messages.0.content: content must be a string or an array of content blocks"},
		{head + `"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":{"text":"x"}}]}]}`, "messages.0.content: 0.content: must be a string or an array of text blocks"},
		{head + `"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"image"}]}]}]}`, `only text blocks are supported in a tool result, not "image"`},
	} {
		_, err := DecodeRequest([]byte(tc.body))
		wiretest.Rejected(t, tc.body, err, tc.says)
	}
	for body, want := range map[string]abi.Message{
		head + `"messages":[{"role":"user","content":"hi"}]}`:                                                                                                         {Role: abi.RoleUser, Content: abi.Text("hi")},
		head + `"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t"}]}]}`:                                                                   {Role: abi.RoleTool, Content: []abi.Part{{Type: abi.PartToolResult, ToolCallID: "t"}}},
		head + `"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]}]}`: {Role: abi.RoleTool, Content: []abi.Part{{Type: abi.PartToolResult, ToolCallID: "t", Content: "ab"}}},
	} {
		req, err := DecodeRequest([]byte(body))
		if err != nil || len(req.Messages) != 1 {
			t.Fatalf("%s: %+v, %v", body, req, err)
		}
		wiretest.SameJSON(t, body, req.Messages[0], want)
	}
}
