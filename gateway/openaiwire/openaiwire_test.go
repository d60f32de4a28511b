package openaiwire

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/gateway/internal/wiretest"
)

func TestDecode(t *testing.T) {
	req, opt, err := DecodeRequest([]byte(`{"model":"pub","stream":true,"stream_options":{"include_usage":true},
	 "max_completion_tokens":50,"stop":"END","reasoning_effort":"low",
	 "tool_choice":{"type":"function","function":{"name":"w"}},
	 "response_format":{"type":"json_schema","json_schema":{"name":"out","strict":true,"schema":{"type":"object"}}},
	 "tools":[{"type":"function","function":{"name":"w","parameters":{"type":"object"},"strict":true}}],
	 "messages":[{"role":"developer","content":"Be brief."},
	  {"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]},
	  {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"w","arguments":"{}"}},{"id":"c2","type":"function","function":{"name":"w","arguments":"{\"a\":1}"}}]},
	  {"role":"tool","tool_call_id":"c1","content":"one"},
	  {"role":"tool","tool_call_id":"c2","content":[{"type":"text","text":"two"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []abi.Message{
		{Role: abi.RoleSystem, Content: abi.Text("Be brief.")},
		{Role: abi.RoleUser, Content: []abi.Part{{Type: abi.PartText, Text: "What is this?"}, {Type: abi.PartImage, MediaType: "image/png", Data: "AAAA"}}},
		{Role: abi.RoleAssistant, Content: []abi.Part{{Type: abi.PartToolCall, ID: "c1", Name: "w", Arguments: "{}"}, {Type: abi.PartToolCall, ID: "c2", Name: "w", Arguments: `{"a":1}`}}},
		{Role: abi.RoleTool, Content: []abi.Part{{Type: abi.PartToolResult, ToolCallID: "c1", Content: "one"}}},
		{Role: abi.RoleTool, Content: []abi.Part{{Type: abi.PartToolResult, ToolCallID: "c2", Content: "two"}}},
	}
	wiretest.SameJSON(t, "messages", req.Messages, want)
	if !opt.IncludeUsage || *req.MaxOutputTokens != 50 || req.Stop[0] != "END" || req.Reasoning.Effort != "low" || req.ToolChoice.Tool != "w" ||
		req.ResponseFormat.Type != "json_schema" || req.ResponseFormat.Name != "out" || !req.ResponseFormat.Strict || !req.Tools[0].Strict {
		t.Fatalf("request %+v", req)
	}
	req, _, err = DecodeRequest([]byte(`{"model":"pub","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"}}`))
	if err != nil || req.ResponseFormat == nil || string(req.ResponseFormat.Schema) != `{"type":"object"}` {
		t.Fatalf("json_object: %+v %v", req, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, body := range []string{
		`[]`,
		`{"messages":[{"role":"user","content":"x"}]}`,
		`{"model":"m","messages":[]}`,
		`{"model":"m","n":2,"messages":[{"role":"user","content":"x"}]}`,
		`{"model":"m","messages":[{"role":"tool","content":"x"}]}`,
		`{"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"sometimes"}`,
		`{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"yaml"}}`,
		`{"model":"m","messages":[{"role":"user","content":[{"type":"input_audio"}]}]}`,
		`{"model":"m","messages":[{"role":"user","content":{"type":"text","text":"x"}}]}`,
		`{"model":"m","messages":[{"role":"user","content":7}]}`,
	} {
		_, _, err := DecodeRequest([]byte(body))
		wiretest.Rejected(t, body, err, "")
	}
}

// TestStreamWithoutUsage: without include_usage no usage chunk is sent; a
// tool call that arrives whole (no start) is sent whole.
func TestStreamWithoutUsage(t *testing.T) {
	var buf bytes.Buffer
	s := NewStream(&buf, func() {}, "pub", Options{}, time.Unix(5, 0))
	for _, ev := range []abi.Event{
		{Type: abi.EventToolCall, Index: 0, ID: "c1", Name: "w", Arguments: `{"a":1}`},
		{Type: abi.EventUsage, Usage: abi.Usage{InputTokens: 1}},
		{Type: abi.EventFinish, Reason: abi.FinishToolCalls},
	} {
		s.Event(&ev)
	}
	s.End()
	got := strings.Split(strings.TrimSpace(buf.String()), "\n\n")
	want := []string{
		`data: {"id":"chatcmpl-gw","object":"chat.completion.chunk","created":5,"model":"pub","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`,
		`data: {"id":"chatcmpl-gw","object":"chat.completion.chunk","created":5,"model":"pub","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"w","arguments":"{\"a\":1}"}}]},"finish_reason":null}]}`,
		`data: {"id":"chatcmpl-gw","object":"chat.completion.chunk","created":5,"model":"pub","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`,
		`data: [DONE]`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestStreamAnnouncedThenWhole: a call announced with its start and then
// given whole (no deltas) still reaches the client with its arguments.
func TestStreamAnnouncedThenWhole(t *testing.T) {
	var buf bytes.Buffer
	s := NewStream(&buf, func() {}, "pub", Options{}, time.Unix(5, 0))
	for _, ev := range []abi.Event{
		{Type: abi.EventToolCallStart, Index: 0, ID: "c1", Name: "w"},
		{Type: abi.EventToolCallDelta, Index: 0, Arguments: `{"a"`},
		{Type: abi.EventToolCall, Index: 0, ID: "c1", Name: "w", Arguments: `{"a":1}`},
		{Type: abi.EventToolCallStart, Index: 1, ID: "c2", Name: "w"},
		{Type: abi.EventToolCall, Index: 1, ID: "c2", Name: "w", Arguments: `{"b":2}`},
	} {
		s.Event(&ev)
	}
	out := buf.String()
	for _, want := range []string{`"arguments":"{\"a\""`, `"arguments":":1}"`, `{"index":1,"function":{"arguments":"{\"b\":2}"}}`} {
		if !strings.Contains(out, want) {
			t.Errorf("stream lacks %s:\n%s", want, out)
		}
	}
}

// TestStreamFail: a failure mid-stream is one SSE data event carrying the
// OpenAI error body, flushed.
func TestStreamFail(t *testing.T) {
	e := abi.Errorf(abi.CodeRateLimited, "slow <down>")
	var rec wiretest.Recorder
	err := NewStream(&rec, rec.Flush, "m", Options{}, time.Unix(0, 0)).Fail(e)
	rec.FailWrote(t, err, "data: "+string(ErrorBody(e))+"\n\n")
}

// TestDecodeWebSearchOptions: web_search_options is the contract's
// web_search provider tool, next to the function tools; its user_location
// takes the flat form the other dialects use.
func TestDecodeWebSearchOptions(t *testing.T) {
	for _, tc := range []struct {
		name, fields string
		want         []abi.ToolDefinition
	}{
		{"empty", `"web_search_options":{}`, []abi.ToolDefinition{{Type: abi.ToolProvider, Name: abi.ProviderToolWebSearch}}},
		{"null", `"web_search_options":null`, nil},
		{"context size and location, after a function tool",
			`"tools":[{"type":"function","function":{"name":"w"}}],"web_search_options":{"search_context_size":"low","user_location":{"type":"approximate","approximate":{"city":"Oslo","country":"NO"}}}`,
			[]abi.ToolDefinition{{Name: "w"}, {Type: abi.ToolProvider, Name: abi.ProviderToolWebSearch,
				Options: json.RawMessage(`{"search_context_size":"low","user_location":{"city":"Oslo","country":"NO","type":"approximate"}}`)}}},
		{"null location", `"web_search_options":{"user_location":null}`, []abi.ToolDefinition{{Type: abi.ToolProvider, Name: abi.ProviderToolWebSearch}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _, err := DecodeRequest([]byte(`{"model":"m","messages":[{"role":"user","content":"x"}],` + tc.fields + `}`))
			if err != nil {
				t.Fatal(err)
			}
			wiretest.SameJSON(t, "tools", req.Tools, tc.want)
		})
	}
}

// TestDecodeToolErrors: tools Chat Completions cannot carry are refused
// naming the field.
func TestDecodeToolErrors(t *testing.T) {
	const msgs = `"model":"m","messages":[{"role":"user","content":"x"}]`
	for _, tc := range []struct{ body, says string }{
		{`{` + msgs + `,"tools":[{"type":"custom","custom":{"name":"c"}}]}`, `tools[0].type "custom" is not supported`},
		{`{` + msgs + `,"tools":[{"type":"function","function":{}}]}`, "tools[0]: only function tools with a name are supported"},
		{`{` + msgs + `,"web_search_options":"on"}`, "web_search_options must be an object"},
		{`{` + msgs + `,"web_search_options":{"max_uses":2}}`, "web_search_options.max_uses is not supported"},
		{`{` + msgs + `,"web_search_options":{"user_location":{"city":"Oslo"}}}`, "web_search_options.user_location must be"},
	} {
		_, _, err := DecodeRequest([]byte(tc.body))
		wiretest.Rejected(t, tc.body, err, tc.says)
	}
}
