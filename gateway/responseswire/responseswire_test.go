package responseswire

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/gateway/internal/wiretest"
	"github.com/wasmadapt/wasmadapt/host"
)

func TestDecode(t *testing.T) {
	req, err := DecodeRequest([]byte(`{"model":"pub","stream":true,"instructions":"Be brief.","max_output_tokens":50,
	 "reasoning":{"effort":"low"},"tool_choice":{"type":"function","name":"w"},
	 "text":{"format":{"type":"json_schema","name":"out","strict":true,"schema":{"type":"object"}}},
	 "tools":[{"type":"function","name":"w","parameters":{"type":"object"},"strict":true}],
	 "input":[{"role":"user","content":[{"type":"input_text","text":"What is this?"},{"type":"input_image","image_url":"data:image/png;base64,AAAA"}]},
	  {"type":"reasoning","id":"rs_1","summary":[]},
	  {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Let me look."}]},
	  {"type":"function_call","call_id":"c1","name":"w","arguments":"{}"},
	  {"type":"function_call","call_id":"c2","name":"w","arguments":"{\"a\":1}"},
	  {"type":"function_call_output","call_id":"c1","output":"one"},
	  {"type":"function_call_output","call_id":"c2","output":[{"type":"input_text","text":"two"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []abi.Message{
		{Role: abi.RoleSystem, Content: abi.Text("Be brief.")},
		{Role: abi.RoleUser, Content: []abi.Part{{Type: abi.PartText, Text: "What is this?"}, {Type: abi.PartImage, MediaType: "image/png", Data: "AAAA"}}},
		{Role: abi.RoleAssistant, Content: []abi.Part{{Type: abi.PartText, Text: "Let me look."}, {Type: abi.PartToolCall, ID: "c1", Name: "w", Arguments: "{}"}, {Type: abi.PartToolCall, ID: "c2", Name: "w", Arguments: `{"a":1}`}}},
		{Role: abi.RoleTool, Content: []abi.Part{{Type: abi.PartToolResult, ToolCallID: "c1", Content: "one"}}},
		{Role: abi.RoleTool, Content: []abi.Part{{Type: abi.PartToolResult, ToolCallID: "c2", Content: "two"}}},
	}
	wiretest.SameJSON(t, "messages", req.Messages, want)
	if !req.Stream || *req.MaxOutputTokens != 50 || req.Reasoning.Effort != "low" || req.ToolChoice.Tool != "w" ||
		req.ResponseFormat.Name != "out" || !req.ResponseFormat.Strict || !req.Tools[0].Strict {
		t.Fatalf("request %+v", req)
	}
	req, err = DecodeRequest([]byte(`{"model":"pub","input":"hello"}`))
	if err != nil || len(req.Messages) != 1 || req.Messages[0].Role != abi.RoleUser || req.Messages[0].Content[0].Text != "hello" {
		t.Fatalf("string input: %+v %v", req, err)
	}
}

// TestDecodeHostedTools: the Responses API's hosted tools are the
// contract's provider tools, their fields its options (null fields left
// out); function tools stay function tools.
func TestDecodeHostedTools(t *testing.T) {
	for _, tc := range []struct {
		name, tool string
		want       abi.ToolDefinition
	}{
		{"function", `{"type":"function","name":"w","description":"d","parameters":{"type":"object"},"strict":true}`,
			abi.ToolDefinition{Name: "w", Description: "d", Parameters: json.RawMessage(`{"type":"object"}`), Strict: true}},
		{"web_search bare", `{"type":"web_search"}`, abi.ToolDefinition{Type: abi.ToolProvider, Name: abi.ProviderToolWebSearch}},
		{"web_search with options", `{"type":"web_search","search_context_size":"low","user_location":{"type":"approximate","city":"Paris"},"filters":{"allowed_domains":["a.com"]}}`,
			abi.ToolDefinition{Type: abi.ToolProvider, Name: abi.ProviderToolWebSearch,
				Options: json.RawMessage(`{"allowed_domains":["a.com"],"search_context_size":"low","user_location":{"type":"approximate","city":"Paris"}}`)}},
		{"web_search null filters", `{"type":"web_search","filters":null,"user_location":null}`, abi.ToolDefinition{Type: abi.ToolProvider, Name: abi.ProviderToolWebSearch}},
		{"file_search", `{"type":"file_search","vector_store_ids":["vs_1"],"max_num_results":4,"filters":{"type":"eq","key":"k","value":"v"},"ranking_options":{"score_threshold":0.5}}`,
			abi.ToolDefinition{Type: abi.ToolProvider, Name: abi.ProviderToolFileSearch,
				Options: json.RawMessage(`{"filters":{"type":"eq","key":"k","value":"v"},"max_num_results":4,"ranking_options":{"score_threshold":0.5},"vector_store_ids":["vs_1"]}`)}},
		{"code_interpreter auto container", `{"type":"code_interpreter","container":{"type":"auto","file_ids":["f1"]}}`,
			abi.ToolDefinition{Type: abi.ToolProvider, Name: abi.ProviderToolCodeExecution, Options: json.RawMessage(`{"file_ids":["f1"]}`)}},
		{"code_interpreter container id", `{"type":"code_interpreter","container":"cntr_1"}`,
			abi.ToolDefinition{Type: abi.ToolProvider, Name: abi.ProviderToolCodeExecution, Options: json.RawMessage(`{"container":"cntr_1"}`)}},
		{"mcp", `{"type":"mcp","server_label":"deepwiki","server_url":"https://mcp.deepwiki.com/mcp","require_approval":"always","allowed_tools":["ask"],"authorization":"tok","headers":{"X-A":"b"}}`,
			abi.ToolDefinition{Type: abi.ToolProvider, Name: abi.ProviderToolMCP,
				Options: json.RawMessage(`{"allowed_tools":["ask"],"authorization":"tok","headers":{"X-A":"b"},"require_approval":"always","server_label":"deepwiki","server_url":"https://mcp.deepwiki.com/mcp"}`)}},
		{"mcp allowed tool names, approval object", `{"type":"mcp","server_label":"s","server_url":"https://s","allowed_tools":{"tool_names":["a","b"]},"require_approval":{"never":{"tool_names":["a"]}}}`,
			abi.ToolDefinition{Type: abi.ToolProvider, Name: abi.ProviderToolMCP,
				Options: json.RawMessage(`{"allowed_tools":["a","b"],"require_approval":{"never":{"tool_names":["a"]}},"server_label":"s","server_url":"https://s"}`)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := DecodeRequest([]byte(`{"model":"m","input":"x","tools":[` + tc.tool + `]}`))
			if err != nil {
				t.Fatal(err)
			}
			wiretest.SameJSON(t, "tools", req.Tools, []abi.ToolDefinition{tc.want})
		})
	}
}

// TestDecodeApprovalHistory: the items of a turn a provider paused for
// approval, sent back, are the contract's provider history: the
// mcp_approval_request (and mcp_list_tools, mcp_call) items join the
// assistant turn as approval-request and server-tool parts, each
// mcp_approval_response is a tool message with an approval-response part.
func TestDecodeApprovalHistory(t *testing.T) {
	const user = `{"role":"user","content":"What is wasmadapt?"}`
	const request = `{"type":"mcp_approval_request","id":"mcpr_12","server_label":"deepwiki","name":"ask_question","arguments":"{\"question\": \"What is wasmadapt?\"}"}`
	userMsg := abi.Message{Role: abi.RoleUser, Content: abi.Text("What is wasmadapt?")}
	requestPart := abi.Part{Type: abi.PartApprovalRequest, ID: "mcpr_12", Name: "mcp", Input: `{"server":"deepwiki","tool":"ask_question","arguments":{"question":"What is wasmadapt?"}}`}
	for _, tc := range []struct {
		name, input string
		want        []abi.Message
	}{
		{"approved", `[` + user + `,` + request + `,{"type":"mcp_approval_response","approval_request_id":"mcpr_12","approve":true}]`,
			[]abi.Message{userMsg, {Role: abi.RoleAssistant, Content: []abi.Part{requestPart}},
				{Role: abi.RoleTool, Content: []abi.Part{{Type: abi.PartApprovalResponse, ToolCallID: "mcpr_12", Name: "mcp", Approved: true}}}}},
		{"denied with a reason", `[` + user + `,` + request + `,{"type":"mcp_approval_response","id":"mcpa_1","approval_request_id":"mcpr_12","approve":false,"reason":"not now"}]`,
			[]abi.Message{userMsg, {Role: abi.RoleAssistant, Content: []abi.Part{requestPart}},
				{Role: abi.RoleTool, Content: []abi.Part{{Type: abi.PartApprovalResponse, ToolCallID: "mcpr_12", Name: "mcp", Content: "not now"}}}}},
		{"after text, with the MCP items of the turn",
			`[` + user + `,{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Let me ask."}]},` +
				`{"type":"mcp_list_tools","id":"mcpl_11","server_label":"deepwiki","tools":[{"name":"ask_question","input_schema":{}}],"error":null},` +
				`{"type":"mcp_call","id":"mcp_10","server_label":"deepwiki","name":"read_wiki","arguments":"{\"repo\":\"a/b\"}","output":"wiki text","error":null},` +
				request + `,{"type":"mcp_approval_response","approval_request_id":"mcpr_12","approve":true}]`,
			[]abi.Message{userMsg, {Role: abi.RoleAssistant, Content: []abi.Part{{Type: abi.PartText, Text: "Let me ask."},
				{Type: abi.PartServerToolCall, ID: "mcpl_11", Name: "mcp_list_tools", Input: `{"server":"deepwiki"}`},
				{Type: abi.PartServerToolResult, ID: "mcpl_11", Name: "mcp_list_tools", Content: `{"tools":[{"name":"ask_question","input_schema":{}}],"error":null}`},
				{Type: abi.PartServerToolCall, ID: "mcp_10", Name: "mcp", Input: `{"server":"deepwiki","tool":"read_wiki","arguments":{"repo":"a/b"}}`},
				{Type: abi.PartServerToolResult, ID: "mcp_10", Name: "mcp", Content: `{"output":"wiki text","error":null}`},
				requestPart}},
				{Role: abi.RoleTool, Content: []abi.Part{{Type: abi.PartApprovalResponse, ToolCallID: "mcpr_12", Name: "mcp", Approved: true}}}}},
		{"a failed mcp_call", `[` + user + `,{"type":"mcp_call","id":"mcp_10","server_label":"s","name":"t","arguments":"","error":"boom"}]`,
			[]abi.Message{userMsg, {Role: abi.RoleAssistant, Content: []abi.Part{
				{Type: abi.PartServerToolCall, ID: "mcp_10", Name: "mcp", Input: `{"server":"s","tool":"t","arguments":{}}`},
				{Type: abi.PartServerToolResult, ID: "mcp_10", Name: "mcp", Content: `{"output":null,"error":"boom"}`, IsError: true}}}}},
		{"a request of another tool than MCP", `[` + user + `,{"type":"mcp_approval_request","id":"ar_2","name":"shell","arguments":"{\"cmd\": \"ls\"}"}]`,
			[]abi.Message{userMsg, {Role: abi.RoleAssistant, Content: []abi.Part{{Type: abi.PartApprovalRequest, ID: "ar_2", Name: "shell", Input: `{"cmd":"ls"}`}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := DecodeRequest([]byte(`{"model":"m","input":` + tc.input + `}`))
			if err != nil {
				t.Fatal(err)
			}
			wiretest.SameJSON(t, "messages", req.Messages, tc.want)
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct{ body, says string }{
		{`[]`, "not a valid responses request"},
		{`{"input":"x"}`, "model is required"},
		{`{"model":"m"}`, "input is required"},
		{`{"model":"m","input":[]}`, "input must not be empty"},
		{`{"model":"m","input":"x","previous_response_id":"resp_1"}`, "previous_response_id"},
		{`{"model":"m","input":[{"type":"function_call_output","output":"x"}]}`, "needs call_id"},
		{`{"model":"m","input":[{"type":"function_call","call_id":"c"}]}`, "needs call_id and name"},
		{`{"model":"m","input":[{"type":"computer_call"}]}`, `"computer_call" is not supported`},
		{`{"model":"m","input":[{"role":"robot","content":"x"}]}`, `role "robot"`},
		{`{"model":"m","input":"x","tools":[{"type":"image_generation"}]}`, `tools[0].type "image_generation" is not supported`},
		{`{"model":"m","input":"x","tools":[{"type":"function"}]}`, "tools[0]: a function tool needs a name"},
		{`{"model":"m","input":"x","tools":["web_search"]}`, "not a valid responses request: json: cannot unmarshal string into Go struct field request.tools"},
		{`{"model":"m","input":"x","tools":[{"type":"function","name":"w","strict":"yes"}]}`, "not a valid responses request: json: cannot unmarshal string into Go struct field tool.tools.strict"},
		{`{"model":"m","input":"x","tools":[{"type":"web_search_preview"}]}`, `tools[0].type "web_search_preview" is not supported`},
		{`{"model":"m","input":"x","tools":[{"type":"web_search","max_uses":2}]}`, "tools[0].max_uses is not supported on a web_search tool"},
		{`{"model":"m","input":"x","tools":[{"type":"web_search","filters":{"blocked_domains":["a.com"]}}]}`, "tools[0].filters.blocked_domains is not supported"},
		{`{"model":"m","input":"x","tools":[{"type":"mcp","server_label":"s","connector_id":"connector_gmail"}]}`, "tools[0].connector_id is not supported on a mcp tool"},
		{`{"model":"m","input":"x","tools":[{"type":"mcp","server_label":"s","server_url":"https://s","allowed_tools":{"read_only":true}}]}`, "tools[0].allowed_tools.read_only is not supported"},
		{`{"model":"m","input":"x","tools":[{"type":"code_interpreter","container":{"type":"auto","memory_limit":"4g"}}]}`, "tools[0].container.memory_limit is not supported"},
		{`{"model":"m","input":"x","tools":[{"type":"code_interpreter","container":{"type":"fixed"}}]}`, `tools[0].container.type must be "auto"`},
		{`{"model":"m","input":[{"type":"mcp_approval_response","approve":true}]}`, "input[0]: an mcp_approval_response needs approval_request_id"},
		{`{"model":"m","input":[{"type":"mcp_approval_response","approval_request_id":"","approve":true}]}`, "input[0]: an mcp_approval_response needs approval_request_id"},
		{`{"model":"m","input":[{"type":"mcp_approval_response","approval_request_id":"mcpr_1"}]}`, "input[0]: approve must be a boolean"},
		{`{"model":"m","input":[{"type":"mcp_approval_response","approval_request_id":"mcpr_1","approve":"yes"}]}`, "input[0]: approve must be a boolean"},
		{`{"model":"m","input":[{"type":"mcp_approval_response","approval_request_id":"mcpr_1","approve":null}]}`, "input[0]: approve must be a boolean"},
		{`{"model":"m","input":[{"type":"mcp_approval_response","approval_request_id":"mcpr_1","approve":1}]}`, "input[0]: approve must be a boolean"},
		{`{"model":"m","input":[{"type":"mcp_approval_request","server_label":"s","name":"t","arguments":"{}"}]}`, "input[0]: an mcp_approval_request needs id and name"},
		{`{"model":"m","input":[{"type":"mcp_approval_request","id":"mcpr_1","server_label":"s","name":"t","arguments":"[1]"}]}`, "input[0]: the arguments of an mcp_approval_request must be a JSON object"},
		{`{"model":"m","input":[{"type":"mcp_approval_request","id":"ar_1","name":"shell","arguments":"ls"}]}`, "input[0]: the arguments of an mcp_approval_request must be a JSON object"},
		{`{"model":"m","input":[{"type":"mcp_call","id":"mcp_1","name":"t","arguments":"{}"}]}`, "input[0]: an mcp_call needs id and server_label"},
		{`{"model":"m","input":[{"type":"mcp_call","id":"mcp_1","server_label":"s","name":"t","arguments":"nope"}]}`, "input[0]: an mcp_call needs name, and arguments that are a JSON object"},
		{`{"model":"m","input":[{"type":"mcp_list_tools","server_label":"s"}]}`, "input[0]: an mcp_list_tools needs id and server_label"},
		{`{"model":"m","input":[{"type":"web_search_call","id":"ws_1"}]}`, `item type "web_search_call" is not supported (message, function_call, function_call_output, reasoning, mcp_approval_request`},
		{`{"model":"m","input":"x","tool_choice":"sometimes"}`, "tool_choice"},
		{`{"model":"m","input":"x","text":{"format":{"type":"yaml"}}}`, "text.format.type"},
		{`{"model":"m","input":{"role":"user","content":"x"}}`, "input must be a string or an array of items"},
		{`{"model":"m","input":[{"role":"user","content":7}]}`, "input[0]: content must be a string or an array of parts"},
		{`{"model":"m","input":[{"type":"function_call_output","call_id":"c","output":{"text":"x"}}]}`, "input[0].output: must be a string or an array of input_text parts"},
	} {
		_, err := DecodeRequest([]byte(tc.body))
		wiretest.Rejected(t, tc.body, err, tc.says)
	}
}

type event struct {
	name string
	data map[string]any
	raw  string
}

// final is the response an event carries, its output kept as sent.
type final struct {
	Response struct {
		ID     string          `json:"id"`
		Model  string          `json:"model"`
		Status string          `json:"status"`
		Output json.RawMessage `json:"output"`
	} `json:"response"`
}

func events(t *testing.T, out string) []event {
	t.Helper()
	var evs []event
	sc := bufio.NewScanner(strings.NewReader(out))
	var name string
	for sc.Scan() {
		line := sc.Text()
		if n, ok := strings.CutPrefix(line, "event: "); ok {
			name = n
		} else if d, ok := strings.CutPrefix(line, "data: "); ok {
			var m map[string]any
			if err := json.Unmarshal([]byte(d), &m); err != nil {
				t.Fatalf("data %s: %v", d, err)
			}
			if m["type"] != name {
				t.Fatalf("event %s carries type %v", name, m["type"])
			}
			if int(m["sequence_number"].(float64)) != len(evs) {
				t.Fatalf("event %d has sequence_number %v", len(evs), m["sequence_number"])
			}
			evs = append(evs, event{name, m, d})
		}
	}
	return evs
}

func TestStream(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    []abi.Event
		types []string
		last  string // the final response's output and status, as JSON
	}{
		{"text then a streamed call",
			[]abi.Event{{Type: abi.EventResponseStart, ID: "x1"}, {Type: abi.EventTextDelta, Text: "Hi "}, {Type: abi.EventTextDelta, Text: "there"},
				{Type: abi.EventToolCallStart, Index: 0, ID: "c1", Name: "w"}, {Type: abi.EventToolCallDelta, Index: 0, Arguments: `{"a"`},
				{Type: abi.EventToolCall, Index: 0, ID: "c1", Name: "w", Arguments: `{"a":1}`},
				{Type: abi.EventUsage, Usage: abi.Usage{InputTokens: 3, OutputTokens: 4}}, {Type: abi.EventFinish, Reason: abi.FinishToolCalls}},
			[]string{"response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
				"response.output_text.delta", "response.output_text.delta", "response.output_text.done", "response.content_part.done", "response.output_item.done",
				"response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.delta",
				"response.function_call_arguments.done", "response.output_item.done", "response.completed"},
			`completed [{"type":"message","id":"msg_0","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hi there","annotations":[]}]},{"type":"function_call","id":"fc_c1","status":"completed","call_id":"c1","name":"w","arguments":"{\"a\":1}"}]`},
		{"reasoning, text and a refusal, then an MCP approval request",
			[]abi.Event{{Type: abi.EventReasoningDelta, Text: "Think"}, {Type: abi.EventReasoningDelta, Text: "ing."}, {Type: abi.EventReasoningSignature, Signature: "sig"},
				{Type: abi.EventTextDelta, Text: "I "}, {Type: abi.EventRefusal, Text: "can't"}, {Type: abi.EventRefusal, Text: " help."},
				{Type: abi.EventApprovalRequest, ID: "mcpr_1", Name: "mcp", Input: `{"server":"deepwiki","tool":"ask","arguments":{"q":"x"}}`},
				{Type: abi.EventFinish, Reason: abi.FinishToolCalls}},
			[]string{"response.created", "response.in_progress",
				"response.output_item.added", "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta", "response.reasoning_summary_text.delta",
				"response.reasoning_summary_text.done", "response.reasoning_summary_part.done", "response.output_item.done",
				"response.output_item.added", "response.content_part.added", "response.output_text.delta", "response.output_text.done", "response.content_part.done",
				"response.content_part.added", "response.refusal.delta", "response.refusal.delta", "response.refusal.done", "response.content_part.done", "response.output_item.done",
				"response.output_item.added", "response.output_item.done", "response.completed"},
			`completed [{"type":"reasoning","id":"rs_0","summary":[{"type":"summary_text","text":"Thinking."}]},` +
				`{"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":"I ","annotations":[]},{"type":"refusal","refusal":"can't help."}]},` +
				`{"type":"mcp_approval_request","id":"mcpr_1","server_label":"deepwiki","name":"ask","arguments":"{\"q\":\"x\"}"}]`},
		{"text after reasoning after text opens new items; pause completes",
			[]abi.Event{{Type: abi.EventTextDelta, Text: "a"}, {Type: abi.EventReasoningDelta, Text: "r"}, {Type: abi.EventTextDelta, Text: "b"},
				{Type: abi.EventFinish, Reason: abi.FinishPause, RawReason: "pause_turn"}},
			[]string{"response.created", "response.in_progress",
				"response.output_item.added", "response.content_part.added", "response.output_text.delta", "response.output_text.done", "response.content_part.done", "response.output_item.done",
				"response.output_item.added", "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
				"response.reasoning_summary_text.done", "response.reasoning_summary_part.done", "response.output_item.done",
				"response.output_item.added", "response.content_part.added", "response.output_text.delta", "response.output_text.done", "response.content_part.done", "response.output_item.done",
				"response.completed"},
			`completed [{"type":"message","id":"msg_0","status":"completed","role":"assistant","content":[{"type":"output_text","text":"a","annotations":[]}]},` +
				`{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"r"}]},` +
				`{"type":"message","id":"msg_2","status":"completed","role":"assistant","content":[{"type":"output_text","text":"b","annotations":[]}]}]`},
		{"MCP items of the server tools; other server tools have none",
			[]abi.Event{{Type: abi.EventServerToolCall, ID: "mcpl_1", Name: "mcp_list_tools", Input: `{"server":"wiki"}`},
				{Type: abi.EventServerToolResult, ID: "mcpl_1", Name: "mcp_list_tools", Content: `{"tools":[{"name":"ask"}],"error":null}`},
				{Type: abi.EventTextDelta, Text: "a"},
				{Type: abi.EventServerToolCall, ID: "mcp_2", Name: "mcp", Input: `{"server":"wiki","tool":"ask","arguments":{"q":"x"}}`},
				{Type: abi.EventServerToolCall, ID: "ws_3", Name: "web_search", Input: `{"query":"x"}`},
				{Type: abi.EventServerToolResult, ID: "ws_3", Name: "web_search", Content: `{"status":"completed","sources":[]}`},
				{Type: abi.EventServerToolResult, ID: "mcp_2", Name: "mcp", Content: `{"output":"found","error":null}`},
				{Type: abi.EventServerToolCall, ID: "mcp_4", Name: "mcp", Input: `{"server":"wiki","tool":"ask","arguments":{}}`},
				{Type: abi.EventServerToolResult, ID: "mcp_4", Name: "mcp", Content: `[{"type":"text","text":"down"}]`, IsError: true},
				{Type: abi.EventFinish, Reason: abi.FinishStop}},
			[]string{"response.created", "response.in_progress", "response.output_item.added", "response.output_item.done",
				"response.output_item.added", "response.content_part.added", "response.output_text.delta", "response.output_text.done", "response.content_part.done", "response.output_item.done",
				"response.output_item.added", "response.output_item.done", "response.output_item.added", "response.output_item.done", "response.completed"},
			`completed [{"type":"mcp_list_tools","id":"mcpl_1","server_label":"wiki","tools":[{"name":"ask"}],"error":null},` +
				`{"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":"a","annotations":[]}]},` +
				`{"type":"mcp_call","id":"mcp_2","server_label":"wiki","name":"ask","arguments":"{\"q\":\"x\"}","output":"found","error":null},` +
				`{"type":"mcp_call","id":"mcp_4","server_label":"wiki","name":"ask","arguments":"{}","output":"[{\"type\":\"text\",\"text\":\"down\"}]","error":null}]`},
		{"a whole call, cut by the token limit",
			[]abi.Event{{Type: abi.EventToolCall, Index: 0, ID: "c1", Name: "w", Arguments: `{}`}, {Type: abi.EventFinish, Reason: abi.FinishLength}},
			[]string{"response.created", "response.in_progress", "response.output_item.added", "response.function_call_arguments.delta",
				"response.function_call_arguments.done", "response.output_item.done", "response.incomplete"},
			`incomplete [{"type":"function_call","id":"fc_c1","status":"completed","call_id":"c1","name":"w","arguments":"{}"}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			s := NewStream(&buf, func() {}, "pub", time.Unix(5, 0))
			for _, ev := range tc.in {
				if err := s.Event(&ev); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.End(); err != nil {
				t.Fatal(err)
			}
			evs := events(t, buf.String())
			var types []string
			for _, e := range evs {
				types = append(types, e.name)
			}
			if strings.Join(types, " ") != strings.Join(tc.types, " ") {
				t.Fatalf("events\n%v\nwant\n%v", types, tc.types)
			}
			var f final
			if err := json.Unmarshal([]byte(evs[len(evs)-1].raw), &f); err != nil {
				t.Fatal(err)
			}
			if got := f.Response.Status + " " + string(f.Response.Output); got != tc.last {
				t.Fatalf("final response\n%s\nwant\n%s", got, tc.last)
			}
			if f.Response.Model != "pub" || !strings.HasPrefix(f.Response.ID, "resp_") {
				t.Errorf("final response model %v id %v", f.Response.Model, f.Response.ID)
			}
		})
	}
}

func TestStreamFail(t *testing.T) {
	var buf bytes.Buffer
	s := NewStream(&buf, func() {}, "pub", time.Unix(5, 0))
	s.Event(&abi.Event{Type: abi.EventTextDelta, Text: "Hi"})
	s.Fail(abi.Errorf(abi.CodeStreamTruncated, "cut"))
	evs := events(t, buf.String())
	last := evs[len(evs)-1]
	resp := last.data["response"].(map[string]any)
	if last.name != "response.failed" || resp["status"] != "failed" || resp["error"].(map[string]any)["code"] != string(abi.CodeStreamTruncated) {
		t.Fatalf("last event %+v", last)
	}
}

func TestResponse(t *testing.T) {
	r := &host.Response{ID: "x1", Text: "Hi", FinishReason: abi.FinishToolCalls, Usage: abi.Usage{InputTokens: 3, OutputTokens: 4, CachedInputTokens: 1},
		ToolCalls: []abi.Part{{Type: abi.PartToolCall, ID: "c1", Name: "w", Arguments: "{}"}}}
	var got struct {
		ID, Object, Status, Model string
		Output, Usage             json.RawMessage
	}
	if err := json.Unmarshal(Response(r, "pub", time.Unix(5, 0)), &got); err != nil {
		t.Fatal(err)
	}
	out, usage := got.Output, got.Usage
	if got.ID != "resp_x1" || got.Object != "response" || got.Status != "completed" || got.Model != "pub" ||
		string(out) != `[{"type":"message","id":"msg_0","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hi","annotations":[]}]},{"type":"function_call","id":"fc_c1","status":"completed","call_id":"c1","name":"w","arguments":"{}"}]` ||
		string(usage) != `{"input_tokens":3,"input_tokens_details":{"cached_tokens":1},"output_tokens":4,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":7}` {
		t.Fatalf("response %+v\noutput %s\nusage %s", got, out, usage)
	}
}

// TestResponseReasoningRefusalApproval: a whole response carries the
// reasoning summary, the refusal part and the approval requests (an MCP
// one names its server and tool; another keeps its name and input).
func TestResponseReasoningRefusalApproval(t *testing.T) {
	var acc host.Accumulator
	for _, ev := range []abi.Event{{Type: abi.EventReasoningDelta, Text: "Hmm."}, {Type: abi.EventRefusal, Text: "No."},
		{Type: abi.EventApprovalRequest, ID: "mcpr_1", Name: "mcp", Input: `{"server":"s","tool":"t","arguments":{"a":1}}`},
		{Type: abi.EventApprovalRequest, ID: "ar_2", Name: "shell", Input: `{"cmd":"ls"}`},
		{Type: abi.EventFinish, Reason: abi.FinishPause}} {
		acc.Add(ev)
	}
	var got struct {
		Status string
		Output json.RawMessage
	}
	if err := json.Unmarshal(Response(acc.Response(), "pub", time.Unix(5, 0)), &got); err != nil {
		t.Fatal(err)
	}
	want := `[{"type":"reasoning","id":"rs_0","summary":[{"type":"summary_text","text":"Hmm."}]},` +
		`{"type":"message","id":"msg_0","status":"completed","role":"assistant","content":[{"type":"refusal","refusal":"No."}]},` +
		`{"type":"mcp_approval_request","id":"mcpr_1","server_label":"s","name":"t","arguments":"{\"a\":1}"},` +
		`{"type":"mcp_approval_request","id":"ar_2","name":"shell","arguments":"{\"cmd\":\"ls\"}"}]`
	if got.Status != "completed" || string(got.Output) != want {
		t.Fatalf("status %s output\n%s\nwant\n%s", got.Status, got.Output, want)
	}
}

// TestResponseMCPItems: a whole response carries the MCP items of its
// server tools (before its message), each at its result, and they decode
// back, sent as input, to the server-tool parts they came from.
func TestResponseMCPItems(t *testing.T) {
	var acc host.Accumulator
	evs := []abi.Event{{Type: abi.EventServerToolCall, ID: "mcpl_1", Name: "mcp_list_tools", Input: `{"server":"wiki"}`},
		{Type: abi.EventServerToolResult, ID: "mcpl_1", Name: "mcp_list_tools", Content: `{"tools":[{"name":"ask"}],"error":null}`},
		{Type: abi.EventServerToolCall, ID: "ci_2", Name: "code_execution", Input: `{"code":"1"}`},
		{Type: abi.EventServerToolResult, ID: "ci_2", Name: "code_execution", Content: `{"status":"completed","outputs":[]}`},
		{Type: abi.EventServerToolCall, ID: "mcp_3", Name: "mcp", Input: `{"server":"wiki","tool":"ask","arguments":{"q":"x"}}`},
		{Type: abi.EventServerToolResult, ID: "mcp_3", Name: "mcp", Content: `{"output":null,"error":"boom"}`, IsError: true},
		{Type: abi.EventTextDelta, Text: "Sorry."}, {Type: abi.EventFinish, Reason: abi.FinishStop}}
	for _, ev := range evs {
		acc.Add(ev)
	}
	var got struct{ Output []json.RawMessage }
	if err := json.Unmarshal(Response(acc.Response(), "pub", time.Unix(5, 0)), &got); err != nil {
		t.Fatal(err)
	}
	want := []string{`{"type":"mcp_list_tools","id":"mcpl_1","server_label":"wiki","tools":[{"name":"ask"}],"error":null}`,
		`{"type":"mcp_call","id":"mcp_3","server_label":"wiki","name":"ask","arguments":"{\"q\":\"x\"}","output":null,"error":"boom"}`,
		`{"type":"message","id":"msg_0","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Sorry.","annotations":[]}]}`}
	if len(got.Output) != len(want) {
		t.Fatalf("output %s, want %s", got.Output, want)
	}
	for i := range want {
		if string(got.Output[i]) != want[i] {
			t.Fatalf("output[%d] %s, want %s", i, got.Output[i], want[i])
		}
	}
	req, err := DecodeRequest([]byte(`{"model":"m","input":[` + want[0] + `,` + want[1] + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	var back []abi.Part // the MCP events as parts (the types share their names)
	for _, ev := range evs[:6] {
		if ev.ID != "ci_2" {
			p := abi.Part{Type: abi.PartType(ev.Type), ID: ev.ID, Name: ev.Name, Input: ev.Input, Content: ev.Content, IsError: ev.IsError}
			back = append(back, p)
		}
	}
	wiretest.SameJSON(t, "parts sent back", req.Messages, []abi.Message{{Role: abi.RoleAssistant, Content: back}})
}

// FuzzDecodeRequest: any body decodes to a request or an invalid_request
// error, never a panic.
func FuzzDecodeRequest(f *testing.F) {
	wiretest.FuzzDecode(f, DecodeRequest,
		`{"model":"m","input":"hi"}`,
		`{"model":"m","input":[{"type":"function_call","call_id":"c","name":"w","arguments":"{}"},{"type":"function_call_output","call_id":"c","output":[{"type":"input_text","text":"x"}]}]}`,
		`{"model":"m","tools":[{"type":"mcp","server_label":"s","server_url":"https://s","allowed_tools":{"tool_names":["t"]}}],"input":[{"type":"mcp_approval_request","id":"r","server_label":"s","name":"t","arguments":"{}"},{"type":"mcp_approval_response","approval_request_id":"r","approve":true}]}`)
}
