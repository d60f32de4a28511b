package blockproject

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/toolid"
)

// block is a test dialect's block: kind is "text", "call" or "result".
type block struct{ kind, id, name, text string }

func dialect(system *[]string) *Dialect[block] {
	return &Dialect[block]{
		API:        "Test",
		ToolUse:    func(b *block) (string, string, bool) { return b.id, b.name, b.kind == "call" },
		ToolResult: func(b *block) (string, bool) { return b.id, b.kind == "result" },
		ResultRule: "results follow calls",
		CallRule:   "calls need results",
		Part: func(role abi.Role, p abi.Part, pointer string) (block, bool, error) {
			switch p.Type {
			case abi.PartText:
				return block{kind: "text", text: p.Text}, strings.TrimSpace(p.Text) != "", nil
			case abi.PartToolCall:
				return block{kind: "call", id: p.ID, name: p.Name}, true, nil
			case abi.PartToolResult:
				return block{kind: "result", id: p.ToolCallID}, true, nil
			}
			return block{}, false, guest.Invalid(pointer, "bad part")
		},
		System:      func(text string) { *system = append(*system, text) },
		TrimPrefill: func(b *block) { b.text = strings.TrimRight(b.text, " \n") },
	}
}

func msg(role abi.Role, parts ...abi.Part) abi.Message {
	return abi.Message{Role: role, Content: parts}
}
func text(s string) abi.Part    { return abi.Part{Type: abi.PartText, Text: s} }
func call(id string) abi.Part   { return abi.Part{Type: abi.PartToolCall, ID: id, Name: "f"} }
func result(id string) abi.Part { return abi.Part{Type: abi.PartToolResult, ToolCallID: id} }

func TestTurns(t *testing.T) {
	tests := []struct {
		name      string
		in        []abi.Message
		want      string // turns as role:kinds|...
		tools     bool
		errPtr    string
		errSubstr string
	}{
		{"merge and system", []abi.Message{msg(abi.RoleSystem, text("sys")), msg(abi.RoleUser, text("a")), msg(abi.RoleUser, text(" ")), msg(abi.RoleUser, text("b"))},
			"user:text,text", false, "", ""},
		{"results first", []abi.Message{msg(abi.RoleUser, text("q")), msg(abi.RoleAssistant, call("1"), call("2")), msg(abi.RoleTool, result("1")), msg(abi.RoleUser, text("and"), result("2"))},
			"user:text|assistant:call,call|user:result,result,text", true, "", ""},
		{"prefill trimmed", []abi.Message{msg(abi.RoleUser, text("q")), msg(abi.RoleAssistant, text("pre \n"))},
			"user:text|assistant:text", false, "", ""},
		{"empty", []abi.Message{msg(abi.RoleSystem, text("s"))}, "", false, "/messages", "Test needs at least one"},
		{"assistant first", []abi.Message{msg(abi.RoleUser, text(" ")), msg(abi.RoleAssistant, text("a"))}, "", false, "/messages/1/content/0", "starts with an assistant turn"},
		{"orphan result", []abi.Message{msg(abi.RoleUser, text("q")), msg(abi.RoleAssistant, text("a")), msg(abi.RoleTool, result("9"))}, "", false, "/messages/2/content/0", "results follow calls"},
		{"unanswered call", []abi.Message{msg(abi.RoleUser, text("q")), msg(abi.RoleAssistant, call("1"), call("2")), msg(abi.RoleTool, result("1"))}, "", false, "/messages/1/content/1", "calls need results"},
		{"system non-text", []abi.Message{msg(abi.RoleSystem, call("1"))}, "", false, "/messages/0/content/0", "text only"},
		{"unknown role", []abi.Message{msg("narrator", text("x"))}, "", false, "/messages/0/role", "unknown role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var system []string
			turns, tools, err := Turns(tt.in, dialect(&system))
			if tt.errPtr != "" {
				var e *abi.Error
				if !errors.As(err, &e) || e.Code != abi.CodeInvalidRequest || e.Pointer != tt.errPtr || !strings.Contains(e.Message, tt.errSubstr) {
					t.Fatalf("err = %v, want invalid_request at %s containing %q", err, tt.errPtr, tt.errSubstr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var parts []string
			for _, tr := range turns {
				var kinds []string
				for i, b := range tr.Blocks {
					kinds = append(kinds, b.kind)
					if tr.Src[i] == "" {
						t.Errorf("block without a source pointer")
					}
				}
				parts = append(parts, tr.Role+":"+strings.Join(kinds, ","))
			}
			if got := strings.Join(parts, "|"); got != tt.want || tools != tt.tools {
				t.Errorf("turns %s (tools %v), want %s (tools %v)", got, tools, tt.want, tt.tools)
			}
			if tt.name == "merge and system" && (len(system) != 1 || system[0] != "sys") {
				t.Errorf("system = %q", system)
			}
			if tt.name == "prefill trimmed" && turns[1].Blocks[0].text != "pre" {
				t.Errorf("prefill %q not trimmed", turns[1].Blocks[0].text)
			}
			if tt.name == "results first" && turns[2].Src[2] != "/messages/3/content/0" {
				t.Errorf("sources not moved with their blocks: %q", turns[2].Src)
			}
		})
	}
}

func TestValidToolName(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{{"get_weather-2", true}, {"", false}, {strings.Repeat("a", 64), true}, {strings.Repeat("a", 65), false}, {"a.b", false}, {"a b", false}} {
		if got := ValidToolName(tt.s); got != tt.want {
			t.Errorf("ValidToolName(%q) = %v", tt.s, got)
		}
	}
	if got := EmulatedToolName(&abi.ResponseFormat{Name: "person"}, "json"); got != "person" {
		t.Errorf("EmulatedToolName named = %q", got)
	}
	if got := EmulatedToolName(&abi.ResponseFormat{Name: "a b"}, "json"); got != "json" {
		t.Errorf("EmulatedToolName invalid name = %q", got)
	}
	if got := EmulatedToolName(nil, "json"); got != "json" {
		t.Errorf("EmulatedToolName nil = %q", got)
	}
}

func TestObjectSchemaAndArguments(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", `{"type":"object","properties":{}}`}, {"null", `{"type":"object","properties":{}}`},
		{` { "type" : "object" } `, `{"type":"object"}`}, {`[1]`, "error"}, {`{"a":`, "error"},
	} {
		got, err := ObjectSchema([]byte(tt.in), "/p")
		if (err != nil) != (tt.want == "error") || (err == nil && string(got) != tt.want) {
			t.Errorf("ObjectSchema(%q) = %s, %v", tt.in, got, err)
		}
		if err != nil && abi.CodeOf(err) != abi.CodeInvalidRequest {
			t.Errorf("ObjectSchema(%q) error code %q", tt.in, abi.CodeOf(err))
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"", "{}"}, {" ", "{}"}, {`{ "a" : 1 }`, `{"a":1}`}, {`[]`, "error"}, {`{"a"`, "error"}, {`"s"`, "error"},
	} {
		got, err := ArgumentsObject(tt.in)
		if (err != nil) != (tt.want == "error") || (err == nil && string(got) != tt.want) {
			t.Errorf("ArgumentsObject(%q) = %s, %v", tt.in, got, err)
		}
	}
}

func TestIDMapper(t *testing.T) {
	in := []abi.Message{msg(abi.RoleAssistant, call("call.1"), call("call:1")), msg(abi.RoleTool, result("call.1"), result("call:1"))}
	m := IDMapper(in, toolid.AlnumDashUnderscore)
	a, b := m("call.1"), m("call:1")
	if a == b || !ValidToolName(a) || !ValidToolName(b) {
		t.Errorf("mapping not injective or not valid: %q %q", a, b)
	}
	if m("call.1") != a {
		t.Error("mapping not stable")
	}
}

func TestToolSchema(t *testing.T) {
	strict := func(s json.RawMessage, pointer string) (json.RawMessage, error) {
		return json.RawMessage(`{"strict":true}`), nil
	}
	refuse := func(p string) error { return guest.Unsupported(p+"/strict", "no strict") }
	seen := map[string]bool{}
	tests := []struct {
		name    string
		t       abi.ToolDefinition
		refuse  func(string) error
		want    string
		pointer string
	}{
		{"plain", abi.ToolDefinition{Name: "f", Parameters: json.RawMessage(` {"type": "object"} `)}, nil, `{"type":"object"}`, ""},
		{"twice", abi.ToolDefinition{Name: "f"}, nil, "", "/tools/1/name"},
		{"bad name", abi.ToolDefinition{Name: "a b"}, nil, "", "/tools/2/name"},
		{"bad schema", abi.ToolDefinition{Name: "g", Parameters: json.RawMessage(`[]`)}, nil, "", "/tools/3/parameters"},
		{"strict", abi.ToolDefinition{Name: "h", Strict: true}, nil, `{"strict":true}`, ""},
		{"strict refused", abi.ToolDefinition{Name: "k", Strict: true}, refuse, "", "/tools/5/strict"},
	}
	for i, tt := range tests {
		got, err := ToolSchema(i, &tt.t, seen, tt.refuse, strict)
		if tt.pointer != "" {
			if e, ok := err.(*abi.Error); !ok || e.Pointer != tt.pointer {
				t.Errorf("%s: err = %v, want one at %s", tt.name, err, tt.pointer)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: got %s, %v; want %s", tt.name, got, err, tt.want)
		}
	}
}

func TestCheckPart(t *testing.T) {
	tests := []struct {
		name    string
		role    abi.Role
		p       abi.Part
		keep    bool
		input   string
		pointer string
	}{
		{"text", abi.RoleUser, abi.Part{Type: abi.PartText, Text: "hi"}, true, "", ""},
		{"blank text", abi.RoleAssistant, abi.Part{Type: abi.PartText, Text: " \n"}, false, "", ""},
		{"text in tool message", abi.RoleTool, abi.Part{Type: abi.PartText, Text: "x"}, false, "", "/p"},
		{"image from assistant", abi.RoleAssistant, abi.Part{Type: abi.PartImage}, false, "", "/p"},
		{"image", abi.RoleUser, abi.Part{Type: abi.PartImage}, true, "", ""},
		{"signed reasoning", abi.RoleAssistant, abi.Part{Type: abi.PartReasoning, Provider: "me", Signature: "s"}, true, "", ""},
		{"redacted reasoning", abi.RoleAssistant, abi.Part{Type: abi.PartReasoning, Provider: "me", Redacted: "r"}, true, "", ""},
		{"unsigned reasoning", abi.RoleAssistant, abi.Part{Type: abi.PartReasoning, Provider: "me", Text: "t"}, false, "", ""},
		{"other provider's reasoning", abi.RoleAssistant, abi.Part{Type: abi.PartReasoning, Provider: "them", Signature: "s"}, false, "", ""},
		{"reasoning from user", abi.RoleUser, abi.Part{Type: abi.PartReasoning}, false, "", "/p"},
		{"tool call", abi.RoleAssistant, abi.Part{Type: abi.PartToolCall, ID: "c", Name: "f", Arguments: ` {"a": 1} `}, true, `{"a":1}`, ""},
		{"tool call without id", abi.RoleAssistant, abi.Part{Type: abi.PartToolCall, Name: "f"}, false, "", "/p/id"},
		{"tool call bad name", abi.RoleAssistant, abi.Part{Type: abi.PartToolCall, ID: "c", Name: "f g"}, false, "", "/p/name"},
		{"tool call bad arguments", abi.RoleAssistant, abi.Part{Type: abi.PartToolCall, ID: "c", Name: "f", Arguments: "[1]"}, false, "", "/p/arguments"},
		{"tool call from user", abi.RoleUser, abi.Part{Type: abi.PartToolCall, ID: "c", Name: "f"}, false, "", "/p"},
		{"tool result", abi.RoleTool, abi.Part{Type: abi.PartToolResult, ToolCallID: "c"}, true, "", ""},
		{"tool result in user message", abi.RoleUser, abi.Part{Type: abi.PartToolResult, ToolCallID: "c"}, true, "", ""},
		{"tool result without id", abi.RoleTool, abi.Part{Type: abi.PartToolResult}, false, "", "/p/tool_call_id"},
		{"tool result from assistant", abi.RoleAssistant, abi.Part{Type: abi.PartToolResult, ToolCallID: "c"}, false, "", "/p"},
		{"unknown type", abi.RoleUser, abi.Part{Type: "video"}, false, "", "/p/type"},
	}
	for _, tt := range tests {
		keep, input, err := CheckPart(tt.role, &tt.p, "/p", "me")
		if tt.pointer != "" {
			if e, ok := err.(*abi.Error); !ok || e.Pointer != tt.pointer || e.Code != abi.CodeInvalidRequest {
				t.Errorf("%s: err = %v, want invalid_request at %s", tt.name, err, tt.pointer)
			}
			continue
		}
		if err != nil || keep != tt.keep || string(input) != tt.input {
			t.Errorf("%s: got %v %s %v, want %v %s", tt.name, keep, input, err, tt.keep, tt.input)
		}
	}
}

func TestResponseSchema(t *testing.T) {
	strict := func(s json.RawMessage, pointer string) (json.RawMessage, error) {
		return json.RawMessage(`{"strict":` + string(s) + `}`), nil
	}
	tests := []struct {
		rf      *abi.ResponseFormat
		native  bool
		want    string // the schema; "" for none
		pointer string // of the error, "" for none
	}{
		{nil, true, "", ""},
		{&abi.ResponseFormat{Type: "text"}, true, "", ""},
		{&abi.ResponseFormat{Type: "json_schema", Schema: json.RawMessage(` { "type": "object" } `)}, false, `{"type":"object"}`, ""},
		{&abi.ResponseFormat{Type: "json_schema"}, true, `{"strict":{"type":"object","properties":{}}}`, ""},
		{&abi.ResponseFormat{Type: "json_schema", Schema: json.RawMessage(`[]`)}, true, "", "/response_format/schema"},
		{&abi.ResponseFormat{Type: "xml"}, true, "", "/response_format/type"},
	}
	for i, tt := range tests {
		got, err := ResponseSchema(tt.rf, tt.native, strict)
		var e *abi.Error
		if tt.pointer != "" && (!errors.As(err, &e) || e.Pointer != tt.pointer) || tt.pointer == "" && (err != nil || string(got) != tt.want) {
			t.Errorf("%d: %s, %v; want %s (error at %q)", i, got, err, tt.want, tt.pointer)
		}
	}
}

func TestCheckToolChoice(t *testing.T) {
	names := map[string]bool{"a": true}
	for _, tt := range []struct {
		tc     abi.ToolChoice
		nTools int
		ok     bool
	}{
		{abi.ToolChoice{Tool: "a"}, 1, true},
		{abi.ToolChoice{Tool: "b"}, 1, false},
		{abi.ToolChoice{Mode: abi.ToolChoiceRequired}, 1, true},
		{abi.ToolChoice{Mode: abi.ToolChoiceRequired}, 0, false},
		{abi.ToolChoice{Mode: abi.ToolChoiceNone}, 0, true},
		{abi.ToolChoice{Mode: abi.ToolChoiceAuto}, 0, true},
	} {
		err := CheckToolChoice(&tt.tc, names, tt.nTools)
		var e *abi.Error
		if tt.ok != (err == nil) || err != nil && (!errors.As(err, &e) || e.Code != abi.CodeInvalidRequest || e.Pointer != "/tool_choice") {
			t.Errorf("%+v with %d tools: %v", tt.tc, tt.nTools, err)
		}
	}
}
