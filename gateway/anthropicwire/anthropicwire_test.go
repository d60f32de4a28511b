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
	var buf bytes.Buffer
	flushed := 0
	s := NewStream(&buf, func() { flushed++ }, "m")
	if err := s.Fail(abi.Errorf(abi.CodeRateLimited, "slow <down>")); err != nil {
		t.Fatal(err)
	}
	want := "event: error\ndata: " + string(ErrorBody(abi.Errorf(abi.CodeRateLimited, "slow <down>"))) + "\n\n"
	if buf.String() != want || flushed != 1 {
		t.Fatalf("wrote %q (%d flushes), want %q and one flush", buf.String(), flushed, want)
	}
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
