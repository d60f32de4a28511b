package anthropicwire

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/gateway/internal/wiretest"
	"github.com/wasmadapt/wasmadapt/host"
)

// streamLines feeds events to a Stream and returns what it wrote and a
// line per SSE event: the type, then the content block or delta it carries.
func streamLines(t *testing.T, events []abi.Event) (string, []string) {
	t.Helper()
	var buf bytes.Buffer
	s := NewStream(&buf, func() {}, "pub")
	for _, ev := range events {
		if err := s.Event(&ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.End(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range strings.Split(strings.TrimSpace(buf.String()), "\n\n") {
		name, data, _ := strings.Cut(ev, "\n")
		data = strings.TrimPrefix(data, "data: ")
		var d struct {
			Type         string          `json:"type"`
			Index        int             `json:"index"`
			ContentBlock json.RawMessage `json:"content_block"`
			Delta        json.RawMessage `json:"delta"`
		}
		if err := json.Unmarshal([]byte(data), &d); err != nil || "event: "+d.Type != name {
			t.Fatalf("event %q data %q", name, data)
		}
		line := d.Type
		if d.ContentBlock != nil {
			line += " " + string(d.ContentBlock)
		}
		if d.Delta != nil && d.Type == "content_block_delta" {
			line += " " + string(d.Delta)
		}
		if d.Type == "message_delta" {
			line += " " + string(d.Delta)
		}
		got = append(got, line)
	}
	return buf.String(), got
}

// TestStreamThinking: reasoning with its signature becomes a thinking
// block (thinking_delta, then signature_delta), redacted reasoning a
// redacted_thinking block, then the text and a tool_use block, each
// opened, filled and closed in order.
func TestStreamThinking(t *testing.T) {
	out, got := streamLines(t, []abi.Event{
		{Type: abi.EventResponseStart, ID: "msg_1", Model: "m"},
		{Type: abi.EventReasoningDelta, Text: "Let me "},
		{Type: abi.EventReasoningDelta, Text: "think."},
		{Type: abi.EventReasoningSignature, Signature: "sig=="},
		{Type: abi.EventReasoningRedacted, Data: "opaque"},
		{Type: abi.EventTextDelta, Text: "Checking."},
		{Type: abi.EventToolCallStart, Index: 0, ID: "toolu_1", Name: "get_weather"},
		{Type: abi.EventToolCallDelta, Index: 0, Arguments: `{"city":`},
		{Type: abi.EventToolCallDelta, Index: 0, Arguments: `"Paris"}`},
		{Type: abi.EventToolCall, Index: 0, ID: "toolu_1", Name: "get_weather", Arguments: `{"city":"Paris"}`},
		{Type: abi.EventToolCall, Index: 1, ID: "toolu_2", Name: "get_time", Arguments: `{}`},
		{Type: abi.EventUsage, Usage: abi.Usage{InputTokens: 10, OutputTokens: 5}},
		{Type: abi.EventFinish, Reason: abi.FinishToolCalls},
	})
	want := []string{
		"message_start",
		`content_block_start {"signature":"","thinking":"","type":"thinking"}`,
		`content_block_delta {"thinking":"Let me ","type":"thinking_delta"}`,
		`content_block_delta {"thinking":"think.","type":"thinking_delta"}`,
		`content_block_delta {"signature":"sig==","type":"signature_delta"}`,
		"content_block_stop",
		`content_block_start {"data":"opaque","type":"redacted_thinking"}`,
		"content_block_stop",
		`content_block_start {"text":"","type":"text"}`,
		`content_block_delta {"text":"Checking.","type":"text_delta"}`,
		"content_block_stop",
		`content_block_start {"id":"toolu_1","input":{},"name":"get_weather","type":"tool_use"}`,
		`content_block_delta {"partial_json":"{\"city\":","type":"input_json_delta"}`,
		`content_block_delta {"partial_json":"\"Paris\"}","type":"input_json_delta"}`,
		"content_block_stop",
		`content_block_start {"id":"toolu_2","input":{},"name":"get_time","type":"tool_use"}`,
		`content_block_delta {"partial_json":"{}","type":"input_json_delta"}`,
		"content_block_stop",
		`message_delta {"stop_reason":"tool_use","stop_sequence":null}`,
		"message_stop",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(out, `"id":"msg_1"`) || !strings.Contains(out, `"model":"pub"`) {
		t.Fatalf("message_start without the id and public model: %s", out)
	}
}

// TestDecodeThinkingAndToolResults: thinking blocks keep their
// signatures, tool_result blocks become a tool message ahead of the
// user's text, and tool_choice "any" means required.
func TestDecodeThinkingAndToolResults(t *testing.T) {
	req, err := DecodeRequest([]byte(`{"model":"pub","max_tokens":100,"system":[{"type":"text","text":"Be brief."}],
	 "thinking":{"type":"enabled","budget_tokens":2048},"tool_choice":{"type":"any"},
	 "messages":[{"role":"user","content":"Weather?"},
	 {"role":"assistant","content":[{"type":"thinking","thinking":"Use the tool.","signature":"sig=="},{"type":"redacted_thinking","data":"opaque"},{"type":"tool_use","id":"t1","name":"w","input":{"city":"Paris"}}]},
	 {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"14C","is_error":false},{"type":"text","text":"And Tokyo?"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []abi.Message{
		{Role: abi.RoleSystem, Content: abi.Text("Be brief.")},
		{Role: abi.RoleUser, Content: abi.Text("Weather?")},
		{Role: abi.RoleAssistant, Content: []abi.Part{
			{Type: abi.PartReasoning, Text: "Use the tool.", Signature: "sig=="},
			{Type: abi.PartReasoning, Redacted: "opaque"},
			{Type: abi.PartToolCall, ID: "t1", Name: "w", Arguments: `{"city":"Paris"}`}}},
		{Role: abi.RoleTool, Content: []abi.Part{{Type: abi.PartToolResult, ToolCallID: "t1", Content: "14C"}}},
		{Role: abi.RoleUser, Content: abi.Text("And Tokyo?")},
	}
	wiretest.SameJSON(t, "messages", req.Messages, want)
	if req.Reasoning == nil || *req.Reasoning.BudgetTokens != 2048 || req.ToolChoice.Mode != abi.ToolChoiceRequired || *req.MaxOutputTokens != 100 {
		t.Fatalf("request %+v", req)
	}
}

func TestMessageWhole(t *testing.T) {
	b := Message(&host.Response{ID: "msg_1", Text: "Hi", Reasoning: []abi.Part{{Type: abi.PartReasoning, Text: "hm", Signature: "s"}},
		ToolCalls:    []abi.Part{{Type: abi.PartToolCall, ID: "t1", Name: "w", Arguments: `{"a":1}`}},
		FinishReason: abi.FinishToolCalls, Usage: abi.Usage{InputTokens: 3, OutputTokens: 4}}, "pub")
	want := `{"id":"msg_1","type":"message","role":"assistant","model":"pub","content":[{"signature":"s","thinking":"hm","type":"thinking"},{"text":"Hi","type":"text"},{"id":"t1","input":{"a":1},"name":"w","type":"tool_use"}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":4,"cache_read_input_tokens":0}}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}

// TestStreamAnnouncedThenWhole: a tool_use announced and then given whole
// (no deltas) gets its input as one input_json_delta.
func TestStreamAnnouncedThenWhole(t *testing.T) {
	var buf bytes.Buffer
	s := NewStream(&buf, func() {}, "pub")
	for _, ev := range []abi.Event{
		{Type: abi.EventToolCallStart, Index: 0, ID: "t1", Name: "w"},
		{Type: abi.EventToolCall, Index: 0, ID: "t1", Name: "w", Arguments: `{"b":2}`},
	} {
		s.Event(&ev)
	}
	s.End()
	if !strings.Contains(buf.String(), `"partial_json":"{\"b\":2}"`) {
		t.Fatalf("no input delta:\n%s", buf.String())
	}
}

// TestStreamFail: a failure mid-stream is one SSE error event carrying
// the Anthropic error body, flushed.
func TestStreamFail(t *testing.T) {
	e := abi.Errorf(abi.CodeRateLimited, "slow <down>")
	var rec wiretest.Recorder
	err := NewStream(&rec, rec.Flush, "m").Fail(e)
	rec.FailWrote(t, err, "event: error\ndata: "+string(ErrorBody(e))+"\n\n")
}

// TestStreamInterleavedToolCalls: parallel calls whose deltas interleave
// (as Chat Completions providers send them) become one tool_use block
// after the other, each with its whole input: a later call's deltas wait
// until the blocks before it close, and none is lost.
func TestStreamInterleavedToolCalls(t *testing.T) {
	tests := []struct {
		name   string
		events []abi.Event
		want   []string
	}{
		{"second completes last", []abi.Event{
			{Type: abi.EventToolCallStart, Index: 0, ID: "a", Name: "f"},
			{Type: abi.EventToolCallDelta, Index: 0, Arguments: `{"x":`},
			{Type: abi.EventToolCallStart, Index: 1, ID: "b", Name: "g"},
			{Type: abi.EventToolCallDelta, Index: 1, Arguments: `{"y":`},
			{Type: abi.EventToolCallDelta, Index: 0, Arguments: `1}`},
			{Type: abi.EventToolCall, Index: 0, ID: "a", Name: "f", Arguments: `{"x":1}`},
			{Type: abi.EventToolCallDelta, Index: 1, Arguments: `2}`},
			{Type: abi.EventToolCall, Index: 1, ID: "b", Name: "g", Arguments: `{"y":2}`},
			{Type: abi.EventFinish, Reason: abi.FinishToolCalls},
		}, []string{
			"message_start",
			`content_block_start {"id":"a","input":{},"name":"f","type":"tool_use"}`,
			`content_block_delta {"partial_json":"{\"x\":","type":"input_json_delta"}`,
			`content_block_delta {"partial_json":"1}","type":"input_json_delta"}`,
			"content_block_stop",
			`content_block_start {"id":"b","input":{},"name":"g","type":"tool_use"}`,
			`content_block_delta {"partial_json":"{\"y\":","type":"input_json_delta"}`,
			`content_block_delta {"partial_json":"2}","type":"input_json_delta"}`,
			"content_block_stop",
			`message_delta {"stop_reason":"tool_use","stop_sequence":null}`,
			"message_stop",
		}},
		{"second completes first", []abi.Event{
			{Type: abi.EventToolCallStart, Index: 0, ID: "a", Name: "f"},
			{Type: abi.EventToolCallStart, Index: 1, ID: "b", Name: "g"},
			{Type: abi.EventToolCallStart, Index: 2, ID: "c", Name: "h"},
			{Type: abi.EventToolCallDelta, Index: 1, Arguments: `{"y":2}`},
			{Type: abi.EventToolCall, Index: 1, ID: "b", Name: "g", Arguments: `{"y":2}`},
			{Type: abi.EventToolCallDelta, Index: 2, Arguments: `{"z"`},
			{Type: abi.EventToolCallDelta, Index: 0, Arguments: `{"x":1}`},
			{Type: abi.EventToolCall, Index: 0, ID: "a", Name: "f", Arguments: `{"x":1}`},
			{Type: abi.EventToolCallDelta, Index: 2, Arguments: `:3}`},
			{Type: abi.EventToolCall, Index: 2, ID: "c", Name: "h", Arguments: `{"z":3}`},
		}, []string{
			"message_start",
			`content_block_start {"id":"a","input":{},"name":"f","type":"tool_use"}`,
			`content_block_delta {"partial_json":"{\"x\":1}","type":"input_json_delta"}`,
			"content_block_stop",
			`content_block_start {"id":"b","input":{},"name":"g","type":"tool_use"}`,
			`content_block_delta {"partial_json":"{\"y\":2}","type":"input_json_delta"}`,
			"content_block_stop",
			`content_block_start {"id":"c","input":{},"name":"h","type":"tool_use"}`,
			`content_block_delta {"partial_json":"{\"z\"","type":"input_json_delta"}`,
			`content_block_delta {"partial_json":":3}","type":"input_json_delta"}`,
			"content_block_stop",
			`message_delta {"stop_reason":"end_turn","stop_sequence":null}`,
			"message_stop",
		}},
		{"stream ends before the open call completes", []abi.Event{
			{Type: abi.EventToolCallStart, Index: 0, ID: "a", Name: "f"},
			{Type: abi.EventToolCallStart, Index: 1, ID: "b", Name: "g"},
			{Type: abi.EventToolCall, Index: 1, ID: "b", Name: "g", Arguments: `{}`},
		}, []string{
			"message_start",
			`content_block_start {"id":"a","input":{},"name":"f","type":"tool_use"}`,
			"content_block_stop",
			`content_block_start {"id":"b","input":{},"name":"g","type":"tool_use"}`,
			`content_block_delta {"partial_json":"{}","type":"input_json_delta"}`,
			"content_block_stop",
			`message_delta {"stop_reason":"end_turn","stop_sequence":null}`,
			"message_stop",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got := streamLines(t, tt.events)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestDecodeServerTools: the Messages API's server tools and MCP servers
// are the contract's provider tools, their fields its options; an MCP
// server never asks approval (require_approval "never"), as the MCP
// connector does not; custom tools stay function tools.
func TestDecodeServerTools(t *testing.T) {
	for _, tc := range []struct {
		name, fields string
		want         []abi.ToolDefinition
	}{
		{"custom", `"tools":[{"name":"w","description":"d","input_schema":{"type":"object"}},{"type":"custom","name":"v"}]`,
			[]abi.ToolDefinition{{Name: "w", Description: "d", Parameters: json.RawMessage(`{"type":"object"}`)}, {Name: "v"}}},
		{"web_search", `"tools":[{"type":"web_search_20250305","name":"web_search","max_uses":3,"allowed_domains":["a.com"],"user_location":{"type":"approximate","city":"Paris"},"cache_control":{"type":"ephemeral"}}]`,
			[]abi.ToolDefinition{{Type: abi.ToolProvider, Name: abi.ProviderToolWebSearch,
				Options: json.RawMessage(`{"allowed_domains":["a.com"],"max_uses":3,"user_location":{"type":"approximate","city":"Paris"}}`)}}},
		{"web_fetch", `"tools":[{"type":"web_fetch_20250910","name":"web_fetch","blocked_domains":["b.com"],"citations":{"enabled":true},"max_content_tokens":5000}]`,
			[]abi.ToolDefinition{{Type: abi.ToolProvider, Name: abi.ProviderToolWebFetch,
				Options: json.RawMessage(`{"blocked_domains":["b.com"],"citations":true,"max_content_tokens":5000}`)}}},
		{"code_execution", `"tools":[{"type":"code_execution_20250825","name":"code_execution"}]`,
			[]abi.ToolDefinition{{Type: abi.ToolProvider, Name: abi.ProviderToolCodeExecution}}},
		{"mcp servers", `"mcp_servers":[{"type":"url","url":"https://mcp.example.com/sse","name":"wiki","authorization_token":"tok","tool_configuration":{"enabled":true,"allowed_tools":["search"]}},{"type":"url","url":"https://b.example.com","name":"b"}]`,
			[]abi.ToolDefinition{
				{Type: abi.ToolProvider, Name: abi.ProviderToolMCP,
					Options: json.RawMessage(`{"allowed_tools":["search"],"authorization":"tok","require_approval":"never","server_label":"wiki","server_url":"https://mcp.example.com/sse"}`)},
				{Type: abi.ToolProvider, Name: abi.ProviderToolMCP, Options: json.RawMessage(`{"require_approval":"never","server_label":"b","server_url":"https://b.example.com"}`)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := DecodeRequest([]byte(`{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"x"}],` + tc.fields + `}`))
			if err != nil {
				t.Fatal(err)
			}
			wiretest.SameJSON(t, "tools", req.Tools, tc.want)
		})
	}
}

// TestDecodeServerToolHistory: the server tool blocks of an assistant's
// turn sent back (to continue a paused turn) are the contract's
// server-tool parts, as the anthropic adapter reports them.
func TestDecodeServerToolHistory(t *testing.T) {
	for _, tc := range []struct {
		name, blocks string
		want         []abi.Part
	}{
		{"web search", `{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{"query": "weather"}},` +
			`{"type":"web_search_tool_result","tool_use_id":"srvtoolu_1","content":[{"type":"web_search_result","url":"https://w.com","title":"W"}]},{"type":"text","text":"Sunny."}`,
			[]abi.Part{{Type: abi.PartServerToolCall, ID: "srvtoolu_1", Name: "web_search", Input: `{"query":"weather"}`},
				{Type: abi.PartServerToolResult, ID: "srvtoolu_1", Name: "web_search", Content: `[{"type":"web_search_result","url":"https://w.com","title":"W"}]`},
				{Type: abi.PartText, Text: "Sunny."}}},
		{"an error result", `{"type":"server_tool_use","id":"srvtoolu_2","name":"web_fetch"},` +
			`{"type":"web_fetch_tool_result","tool_use_id":"srvtoolu_2","content":{"type":"web_fetch_tool_error","error_code":"url_not_accessible"}}`,
			[]abi.Part{{Type: abi.PartServerToolCall, ID: "srvtoolu_2", Name: "web_fetch", Input: `{}`},
				{Type: abi.PartServerToolResult, ID: "srvtoolu_2", Name: "web_fetch", Content: `{"type":"web_fetch_tool_error","error_code":"url_not_accessible"}`, IsError: true}}},
		{"code execution", `{"type":"server_tool_use","id":"srvtoolu_3","name":"bash_code_execution","input":{"command":"ls"}},` +
			`{"type":"bash_code_execution_tool_result","tool_use_id":"srvtoolu_3","content":{"type":"bash_code_execution_result","stdout":"a\n","stderr":"","return_code":0}}`,
			[]abi.Part{{Type: abi.PartServerToolCall, ID: "srvtoolu_3", Name: "bash_code_execution", Input: `{"command":"ls"}`},
				{Type: abi.PartServerToolResult, ID: "srvtoolu_3", Name: "bash_code_execution", Content: `{"type":"bash_code_execution_result","stdout":"a\n","stderr":"","return_code":0}`}}},
		{"mcp", `{"type":"mcp_tool_use","id":"mcptoolu_1","name":"search","server_name":"wiki","input":{"q":"x"}},` +
			`{"type":"mcp_tool_result","tool_use_id":"mcptoolu_1","is_error":true,"content":[{"type":"text","text":"down"}]}`,
			[]abi.Part{{Type: abi.PartServerToolCall, ID: "mcptoolu_1", Name: "mcp", Input: `{"server":"wiki","tool":"search","arguments":{"q":"x"}}`},
				{Type: abi.PartServerToolResult, ID: "mcptoolu_1", Name: "mcp", Content: `[{"type":"text","text":"down"}]`, IsError: true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := DecodeRequest([]byte(`{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"x"},{"role":"assistant","content":[` + tc.blocks + `]}]}`))
			if err != nil {
				t.Fatal(err)
			}
			wiretest.SameJSON(t, "messages", req.Messages, []abi.Message{{Role: abi.RoleUser, Content: abi.Text("x")}, {Role: abi.RoleAssistant, Content: tc.want}})
		})
	}
}

// TestDecodeErrors: what the contract cannot carry, and malformed server
// tools and blocks, are invalid_request errors naming the field.
func TestDecodeErrors(t *testing.T) {
	const msgs = `"model":"m","max_tokens":10,"messages":[{"role":"user","content":"x"}]`
	for _, tc := range []struct{ body, says string }{
		{`{` + msgs + `,"tools":[{"type":"bash_20250124","name":"bash"}]}`, `tools.0.type: "bash_20250124" is not supported`},
		{`{` + msgs + `,"tools":[{"type":"web_search_20260209","name":"web_search"}]}`, `tools.0.type: "web_search_20260209" is not supported`},
		{`{` + msgs + `,"tools":[{"type":"code_execution_20250522","name":"code_execution"}]}`, `tools.0.type: "code_execution_20250522" is not supported`},
		{`{` + msgs + `,"tools":[{"type":"web_search_20250305","name":"search"}]}`, `tools.0.name: a web_search_20250305 tool is named "web_search"`},
		{`{` + msgs + `,"tools":[{"type":"web_search_20250305","name":"web_search","citations":{"enabled":true}}]}`, "tools.0.citations.enabled: not supported on a web_search_20250305 tool"},
		{`{` + msgs + `,"tools":[{"type":"code_execution_20250825","name":"code_execution","max_uses":1}]}`, "tools.0.max_uses: not supported on a code_execution_20250825 tool"},
		{`{` + msgs + `,"tools":[{"description":"no name"}]}`, "tools.0.name: field required"},
		{`{` + msgs + `,"tools":[7]}`, "not a valid messages request: json: cannot unmarshal number into Go struct field request.tools"},
		{`{` + msgs + `,"tools":[{"name":5}]}`, "not a valid messages request: json: cannot unmarshal number into Go struct field tool.tools.name"},
		{`{` + msgs + `,"tools":[{"type":5,"name":"w"}]}`, "not a valid messages request: json: cannot unmarshal number into Go struct field tool.tools.type"},
		{`{` + msgs + `,"mcp_servers":[{"type":"stdio","name":"s","url":"https://s"}]}`, `mcp_servers.0.type: must be "url"`},
		{`{` + msgs + `,"mcp_servers":[{"type":"url","name":"s"}]}`, "mcp_servers.0: name and url are required"},
		{`{` + msgs + `,"mcp_servers":[{"type":"url","name":"s","url":"https://s","tool_configuration":{"enabled":false}}]}`, "mcp_servers.0.tool_configuration.enabled: only true"},
		{`{` + msgs + `,"mcp_servers":[{"type":"url","name":"s","url":"https://s","headers":{"a":"b"}}]}`, "mcp_servers.0.headers: not supported"},
		{`{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"server_tool_use","id":"s","name":"web_search","input":{}}]}]}`, "a server_tool_use block belongs in an assistant message"},
		{`{"model":"m","max_tokens":10,"messages":[{"role":"assistant","content":[{"type":"server_tool_use","name":"web_search","input":{}}]}]}`, "a server_tool_use block needs id and name"},
		{`{"model":"m","max_tokens":10,"messages":[{"role":"assistant","content":[{"type":"server_tool_use","id":"s","name":"web_search","input":[1]}]}]}`, "must be an object"},
		{`{"model":"m","max_tokens":10,"messages":[{"role":"assistant","content":[{"type":"mcp_tool_use","id":"m","name":"t","input":{}}]}]}`, "an mcp_tool_use block needs server_name"},
		{`{"model":"m","max_tokens":10,"messages":[{"role":"assistant","content":[{"type":"web_search_tool_result","content":[]}]}]}`, "a web_search_tool_result block needs tool_use_id"},
		{`{"model":"m","max_tokens":10,"messages":[{"role":"assistant","content":[{"type":"container_upload","file_id":"f"}]}]}`, `content block type "container_upload" is not supported`},
	} {
		_, err := DecodeRequest([]byte(tc.body))
		wiretest.Rejected(t, tc.body, err, tc.says)
	}
}

// TestStreamServerTools: server tool events are the Messages API's
// blocks, in place among the text (a call's input as one input_json_delta,
// an MCP call as mcp_tool_use, a result whole); names the API has no block
// for write nothing; a server tool event that comes while a tool_use block
// is open is sent once that block closes.
func TestStreamServerTools(t *testing.T) {
	call := abi.Event{Type: abi.EventServerToolCall, ID: "srvtoolu_1", Name: "web_search", Input: `{"query":"tides"}`}
	result := abi.Event{Type: abi.EventServerToolResult, ID: "srvtoolu_1", Name: "web_search", Content: `[{"type":"web_search_result","url":"https://t"}]`}
	callLines := []string{
		`content_block_start {"id":"srvtoolu_1","input":{},"name":"web_search","type":"server_tool_use"}`,
		`content_block_delta {"partial_json":"{\"query\":\"tides\"}","type":"input_json_delta"}`,
		"content_block_stop",
		`content_block_start {"content":[{"type":"web_search_result","url":"https://t"}],"tool_use_id":"srvtoolu_1","type":"web_search_tool_result"}`,
		"content_block_stop",
	}
	for _, tc := range []struct {
		name   string
		events []abi.Event
		want   []string
	}{
		{"around text, then an MCP call and a pause", []abi.Event{
			{Type: abi.EventTextDelta, Text: "Looking."}, call, result, {Type: abi.EventTextDelta, Text: "Done."},
			{Type: abi.EventServerToolCall, ID: "mcpl_1", Name: "mcp_list_tools", Input: `{"server":"wiki"}`},
			{Type: abi.EventServerToolCall, ID: "mcptoolu_1", Name: "mcp", Input: `{"server":"wiki","tool":"search","arguments":{"q":"x"}}`},
			{Type: abi.EventServerToolResult, ID: "mcptoolu_1", Name: "mcp", Content: `[{"type":"text","text":"none"}]`, IsError: true},
			{Type: abi.EventFinish, Reason: abi.FinishPause}},
			append(append([]string{"message_start", `content_block_start {"text":"","type":"text"}`, `content_block_delta {"text":"Looking.","type":"text_delta"}`, "content_block_stop"},
				callLines...),
				`content_block_start {"text":"","type":"text"}`, `content_block_delta {"text":"Done.","type":"text_delta"}`, "content_block_stop",
				`content_block_start {"id":"mcptoolu_1","input":{},"name":"search","server_name":"wiki","type":"mcp_tool_use"}`,
				`content_block_delta {"partial_json":"{\"q\":\"x\"}","type":"input_json_delta"}`, "content_block_stop",
				`content_block_start {"content":[{"type":"text","text":"none"}],"is_error":true,"tool_use_id":"mcptoolu_1","type":"mcp_tool_result"}`, "content_block_stop",
				`message_delta {"stop_reason":"pause_turn","stop_sequence":null}`, "message_stop")},
		{"held while a tool call streams", []abi.Event{
			{Type: abi.EventToolCallStart, Index: 0, ID: "toolu_1", Name: "w"}, {Type: abi.EventToolCallDelta, Index: 0, Arguments: `{}`},
			call, result, {Type: abi.EventToolCall, Index: 0, ID: "toolu_1", Name: "w", Arguments: `{}`}, {Type: abi.EventFinish, Reason: abi.FinishToolCalls}},
			append(append([]string{"message_start", `content_block_start {"id":"toolu_1","input":{},"name":"w","type":"tool_use"}`,
				`content_block_delta {"partial_json":"{}","type":"input_json_delta"}`, "content_block_stop"}, callLines...),
				`message_delta {"stop_reason":"tool_use","stop_sequence":null}`, "message_stop")},
		{"held until the end", []abi.Event{{Type: abi.EventToolCallStart, Index: 0, ID: "toolu_1", Name: "w"}, call, result},
			append(append([]string{"message_start", `content_block_start {"id":"toolu_1","input":{},"name":"w","type":"tool_use"}`, "content_block_stop"}, callLines...),
				`message_delta {"stop_reason":"end_turn","stop_sequence":null}`, "message_stop")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got := streamLines(t, tc.events)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestMessageServerTools: a whole message carries the server tool blocks
// where they came in the text (their input in place); names the Messages
// API has no block for are left out; a refusal after text is a text block
// of its own before the tool calls.
func TestMessageServerTools(t *testing.T) {
	var acc host.Accumulator
	for _, ev := range []abi.Event{{Type: abi.EventResponseStart, ID: "msg_1"}, {Type: abi.EventTextDelta, Text: "Looking."},
		{Type: abi.EventServerToolCall, ID: "s1", Name: "web_fetch", Input: `{"url":"https://a"}`},
		{Type: abi.EventServerToolResult, ID: "s1", Name: "web_fetch", Content: `{"type":"web_fetch_tool_error","error_code":"x"}`, IsError: true},
		{Type: abi.EventServerToolCall, ID: "ws_1", Name: "file_search", Input: `{"queries":[]}`},
		{Type: abi.EventTextDelta, Text: "Done."}, {Type: abi.EventRefusal, Text: "No more."},
		{Type: abi.EventToolCall, Index: 0, ID: "t1", Name: "w", Arguments: `{}`}, {Type: abi.EventFinish, Reason: abi.FinishToolCalls}} {
		acc.Add(ev)
	}
	var got struct{ Content json.RawMessage }
	if err := json.Unmarshal(Message(acc.Response(), "pub"), &got); err != nil {
		t.Fatal(err)
	}
	want := `[{"text":"Looking.","type":"text"},{"id":"s1","input":{"url":"https://a"},"name":"web_fetch","type":"server_tool_use"},` +
		`{"content":{"type":"web_fetch_tool_error","error_code":"x"},"tool_use_id":"s1","type":"web_fetch_tool_result"},` +
		`{"text":"Done.","type":"text"},{"text":"No more.","type":"text"},{"id":"t1","input":{},"name":"w","type":"tool_use"}]`
	if string(got.Content) != want {
		t.Fatalf("content\n%s\nwant\n%s", got.Content, want)
	}
}

// FuzzDecodeRequest: any body decodes to a request or an invalid_request
// error, never a panic.
func FuzzDecodeRequest(f *testing.F) {
	wiretest.FuzzDecode(f, DecodeRequest,
		`{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"m","max_tokens":1,"tools":[{"type":"web_fetch_20250910","name":"web_fetch","citations":{"enabled":true}}],"mcp_servers":[{"type":"url","url":"https://s","name":"s","tool_configuration":{"allowed_tools":["t"]}}],`+
			`"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"server_tool_use","id":"s","name":"web_search","input":{}},{"type":"web_search_tool_result","tool_use_id":"s","content":[]},`+
			`{"type":"mcp_tool_use","id":"m","name":"t","server_name":"s","input":{}},{"type":"mcp_tool_result","tool_use_id":"m","content":"x"}]}]}`)
}
