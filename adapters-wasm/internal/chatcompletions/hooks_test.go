package chatcompletions

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// TestContentParts: content sent as an array of typed parts (Mistral
// magistral) gives reasoning for thinking parts and text for text parts, in
// order, in streams and whole responses alike.
func TestContentParts(t *testing.T) {
	d := testDialect()
	tests := []struct {
		name, delta, want string
	}{
		{"thinking nested text", `{"content":[{"type":"thinking","thinking":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]}`,
			`{"type":"reasoning-delta","text":"a"}` + "\n" + `{"type":"reasoning-delta","text":"b"}` + "\n"},
		{"thinking string", `{"content":[{"type":"thinking","thinking":"t"}]}`, `{"type":"reasoning-delta","text":"t"}` + "\n"},
		{"thinking then text", `{"content":[{"type":"thinking","thinking":[{"type":"text","text":"r"}]},{"type":"text","text":"x"}]}`,
			`{"type":"reasoning-delta","text":"r"}` + "\n" + `{"type":"text-delta","text":"x"}` + "\n"},
		{"unknown part skipped", `{"content":[{"type":"image_url","image_url":"u"},{"type":"text","text":"y"}]}`, `{"type":"text-delta","text":"y"}` + "\n"},
		{"escaped", `{"content":[{"type":"text","text":"a\"b"}]}`, `{"type":"text-delta","text":"a\"b"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := stream(t, d, 1, `{"id":"r","model":"m","choices":[{"index":0,"delta":`+tt.delta+`}]}`, chunk(`{}`, "stop"), "[DONE]")
			want := `{"type":"response-start","id":"r","model":"m"}` + "\n" + tt.want + `{"type":"finish","reason":"stop","raw_reason":"stop"}` + "\n"
			if got != want {
				t.Errorf("stream:\ngot  %s\nwant %s", got, want)
			}
			var out guest.Output
			body := `{"id":"r","model":"m","choices":[{"index":0,"message":` + tt.delta + `,"finish_reason":"stop"}]}`
			if err := d.ParseResponse(&abi.ResponseInput{Status: 200, Body: []byte(body)}, &out); err != nil {
				t.Fatal(err)
			}
			if string(out.Events()) != want {
				t.Errorf("whole:\ngot  %s\nwant %s", out.Events(), want)
			}
		})
	}
}

// TestFinishOptional: [DONE] without a finish_reason is a clean end only
// when the dialect says so.
func TestFinishOptional(t *testing.T) {
	tool := `{"id":"r","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"0","function":{"name":"f","arguments":"{}"}}]}}]}`
	for _, tt := range []struct {
		optional bool
		last     string
	}{
		{false, `"code":"stream_truncated"`},
		{true, `{"type":"finish","reason":"tool-calls","raw_reason":""}`},
	} {
		d := testDialect()
		d.FinishOptional = tt.optional
		got := stream(t, d, 0, tool, "[DONE]")
		lines := strings.Split(strings.TrimSpace(got), "\n")
		if !strings.Contains(lines[len(lines)-1], tt.last) {
			t.Errorf("optional=%v: last event %s, want %s", tt.optional, lines[len(lines)-1], tt.last)
		}
		if tt.optional && !strings.Contains(got, `{"type":"tool-call","index":0,"id":"0","name":"f","arguments":"{}"}`) {
			t.Errorf("optional: tool call not flushed:\n%s", got)
		}
	}
	d := testDialect()
	d.FinishOptional = true
	if got := stream(t, d, 0, `{"id":"r","model":"m","choices":[{"index":0,"delta":{"content":"hi"}}]}`, "[DONE]"); !strings.HasSuffix(got, `{"type":"finish","reason":"other","raw_reason":""}`+"\n") {
		t.Errorf("text without finish_reason: %s", got)
	}
}

// TestUsageIn: a usage object nested under a listed key counts when the
// chunk has no top-level usage, and a chunk with both counts once.
func TestUsageIn(t *testing.T) {
	d := testDialect()
	d.UsageIn = []string{"x_groq"}
	u := `{"prompt_tokens":3,"completion_tokens":4}`
	want := `{"type":"usage","input_tokens":3,"output_tokens":4,"cached_input_tokens":0,"reasoning_tokens":0}`
	for name, c := range map[string]string{
		"nested only": `{"id":"r","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"x_groq":{"id":"q","usage":` + u + `}}`,
		"both":        `{"id":"r","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"x_groq":{"id":"q","usage":` + u + `},"usage":` + u + `}`,
	} {
		got := stream(t, d, 0, c, "[DONE]")
		if strings.Count(got, want) != 1 {
			t.Errorf("%s: want usage once:\n%s", name, got)
		}
	}
	d.UsageIn = nil
	if got := stream(t, d, 0, `{"id":"r","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"x_groq":{"usage":`+u+`}}`, "[DONE]"); strings.Contains(got, "usage") {
		t.Errorf("nested usage read without UsageIn: %s", got)
	}
}

// TestRefusedAndRewrite: refused provider options fail with
// capability_unsupported; Rewrite sees the request first and its result is
// projected.
func TestRefusedAndRewrite(t *testing.T) {
	d := testDialect()
	d.Refused = map[string]string{"logprobs": "drop it"}
	d.Rewrite = func(req *abi.Request) (*abi.Request, error) {
		if req.Model == "bad" {
			return nil, abi.Errorf(abi.CodeCapabilityUnsupported, "bad model")
		}
		c := *req
		c.Model = "rewritten"
		return &c, nil
	}
	req := &abi.Request{Model: "m", Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("hi")}},
		ProviderOptions: map[string]json.RawMessage{"logprobs": json.RawMessage("true")}}
	_, err := d.Project(req)
	var e *abi.Error
	if !errors.As(err, &e) || e.Code != abi.CodeCapabilityUnsupported || e.Pointer != "/provider_options/logprobs" || !strings.Contains(e.Message, "drop it") {
		t.Fatalf("refused option: %v", err)
	}
	req.ProviderOptions = nil
	pr, err := d.Project(req)
	if err != nil || !strings.Contains(string(pr.Body), `"model":"rewritten"`) || req.Model != "m" {
		t.Fatalf("rewrite: %v %s (req.Model %q)", err, pr.Body, req.Model)
	}
	req.Model = "bad"
	if _, err := d.Project(req); abi.CodeOf(err) != abi.CodeCapabilityUnsupported {
		t.Fatalf("rewrite error not returned: %v", err)
	}
	for _, k := range New(d).Capabilities("m").ProviderOptions {
		if k == "logprobs" {
			t.Error("refused key listed among provider options")
		}
	}
}

// TestEchoReasoning: only the dialect's own reasoning, only on tool-call
// turns of reasoning models, and only with EchoReasoning.
func TestEchoReasoning(t *testing.T) {
	msgs := []abi.Message{
		{Role: abi.RoleUser, Content: abi.Text("q")},
		{Role: abi.RoleAssistant, Content: []abi.Part{
			{Type: abi.PartReasoning, Text: "mine ", Provider: "test"},
			{Type: abi.PartReasoning, Text: "theirs", Provider: "anthropic", Signature: "sig"},
			{Type: abi.PartReasoning, Text: "too", Provider: "testprov"},
			{Type: abi.PartToolCall, ID: "c1", Name: "f", Arguments: "{}"}}},
		{Role: abi.RoleTool, Content: []abi.Part{{Type: abi.PartToolResult, ToolCallID: "c1", Content: "r"}}},
		{Role: abi.RoleAssistant, Content: []abi.Part{{Type: abi.PartReasoning, Text: "plain-turn", Provider: "test"}, {Type: abi.PartText, Text: "a"}}},
		{Role: abi.RoleAssistant, Content: []abi.Part{{Type: abi.PartReasoning, Text: "other", Provider: "openai"}, {Type: abi.PartToolCall, ID: "c2", Name: "f"}}},
		{Role: abi.RoleTool, Content: []abi.Part{{Type: abi.PartToolResult, ToolCallID: "c2", Content: "r"}}},
	}
	tests := []struct {
		echo  bool
		model string
		want  []string // reasoning_content values in order
	}{
		{true, "think-1", []string{"mine too", ""}},
		{true, "plain", nil},
		{false, "think-1", nil},
	}
	for _, tt := range tests {
		d := testDialect()
		d.EchoReasoning = tt.echo
		pr, err := d.Project(&abi.Request{Model: tt.model, Messages: msgs, Tools: []abi.ToolDefinition{{Name: "f"}}})
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Messages []struct {
				ReasoningContent *string `json:"reasoning_content"`
			} `json:"messages"`
		}
		if err := json.Unmarshal(pr.Body, &body); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range body.Messages {
			if m.ReasoningContent != nil {
				got = append(got, *m.ReasoningContent)
			}
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("echo=%v model=%s: reasoning_content %q, want %q", tt.echo, tt.model, got, tt.want)
		}
		if strings.Contains(string(pr.Body), "theirs") || strings.Contains(string(pr.Body), "plain-turn") || strings.Contains(string(pr.Body), "\"other") {
			t.Errorf("foreign or non-tool-turn reasoning sent: %s", pr.Body)
		}
	}
}

// TestUsageInChoice: a usage object inside the finishing choice is read
// only when the dialect says so.
func TestUsageInChoice(t *testing.T) {
	last := `{"id":"r","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop","usage":{"prompt_tokens":3,"completion_tokens":2}}]}`
	for _, in := range []bool{false, true} {
		d := testDialect()
		d.UsageInChoice = in
		got := stream(t, d, 1, `{"id":"r","model":"m","choices":[{"index":0,"delta":{"content":"a"}}]}`, last, "[DONE]")
		if has := strings.Contains(got, `{"type":"usage","input_tokens":3,"output_tokens":2`); has != in {
			t.Errorf("UsageInChoice %v: %s", in, got)
		}
	}
}

// TestProjectModelPerName: Project keeps the last name's Model, and a
// request for another name gets that name's Model, whatever the order: a
// model that refuses temperature refuses it, and the one before or after
// it does not.
func TestProjectModelPerName(t *testing.T) {
	d := testDialect()
	lookups := 0
	d.Model = func(name string) Model {
		lookups++
		m := Model{Features: DefaultFeatures}
		if name == "strict" {
			m.Unsupported = map[string]Action{FeatureTemperature: Refuse}
		}
		return m
	}
	temp := 0.5
	for i, c := range []struct {
		model   string
		refused bool
		lookups int
	}{
		{"loose", false, 1},
		{"loose", false, 1},
		{"strict", true, 2},
		{"strict", true, 2},
		{"loose", false, 3},
		{"strict", true, 4},
	} {
		req := &abi.Request{Model: c.model, Temperature: &temp, Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("hi")}}}
		_, err := d.Project(req)
		if refused := abi.CodeOf(err) == abi.CodeCapabilityUnsupported; refused != c.refused || err != nil && !refused {
			t.Errorf("%d: %s: error %v, want refused %v", i, c.model, err, c.refused)
		}
		if lookups != c.lookups {
			t.Errorf("%d: %s: %d lookups, want %d", i, c.model, lookups, c.lookups)
		}
	}
}
