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
		{`{"model":"m","input":"x","tools":[{"type":"web_search"}]}`, "only function tools"},
		{`{"model":"m","input":"x","tool_choice":"sometimes"}`, "tool_choice"},
		{`{"model":"m","input":"x","text":{"format":{"type":"yaml"}}}`, "text.format.type"},
		{`{"model":"m","input":{"role":"user","content":"x"}}`, "input must be a string or an array of items"},
		{`{"model":"m","input":[{"role":"user","content":7}]}`, "input[0]: content must be a string or an array of parts"},
		{`{"model":"m","input":[{"type":"function_call_output","call_id":"c","output":{"text":"x"}}]}`, "input[0].output: must be a string or an array of input_text parts"},
	} {
		_, err := DecodeRequest([]byte(tc.body))
		if abi.CodeOf(err) != abi.CodeInvalidRequest || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v, want invalid_request saying %q", tc.body, err, tc.says)
		}
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

// FuzzDecodeRequest: any body decodes to a request or an invalid_request
// error, never a panic.
func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(`{"model":"m","input":"hi"}`))
	f.Add([]byte(`{"model":"m","input":[{"type":"function_call","call_id":"c","name":"w","arguments":"{}"},{"type":"function_call_output","call_id":"c","output":[{"type":"input_text","text":"x"}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeRequest(body)
		if err != nil {
			if abi.CodeOf(err) != abi.CodeInvalidRequest {
				t.Fatalf("error %v is not invalid_request", err)
			}
			return
		}
		if req.Model == "" || len(req.Messages) == 0 {
			t.Fatalf("accepted a request without model or messages: %+v", req)
		}
	})
}
