package host

import (
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

func TestWithoutForeignServerTools(t *testing.T) {
	call := func(provider string) abi.Part {
		return abi.Part{Type: abi.PartServerToolCall, ID: "s1", Name: "web_search", Input: "{}", Provider: provider}
	}
	text := abi.Part{Type: abi.PartText, Text: "hi"}
	history := []abi.Message{
		{Role: abi.RoleUser, Content: []abi.Part{text}},
		{Role: abi.RoleAssistant, Content: []abi.Part{call("anthropic"), text}},
		{Role: abi.RoleAssistant, Content: []abi.Part{call("openai-responses")}},
	}
	tests := []struct {
		name string
		caps abi.Capabilities
		want string // per message: part types/providers
	}{
		{"same provider echoes", abi.Capabilities{Provider: "anthropic", EchoServerTools: true}, "user:text | assistant:server-tool-call/anthropic,text"},
		{"module without echo", abi.Capabilities{Provider: "anthropic"}, "user:text | assistant:text"},
		{"other provider", abi.Capabilities{Provider: "gemini", EchoServerTools: true}, "user:text | assistant:text"},
		{"the other one's parts", abi.Capabilities{Provider: "openai-responses", EchoServerTools: true}, "user:text | assistant:text | assistant:server-tool-call/openai-responses"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &abi.Request{Messages: history}
			out := withoutForeignServerTools(&tt.caps, req)
			var msgs []string
			for _, m := range out.Messages {
				var parts []string
				for _, p := range m.Content {
					s := string(p.Type)
					if p.Provider != "" {
						s += "/" + p.Provider
					}
					parts = append(parts, s)
				}
				msgs = append(msgs, string(m.Role)+":"+strings.Join(parts, ","))
			}
			if got := strings.Join(msgs, " | "); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if len(req.Messages) != 3 || len(req.Messages[1].Content) != 2 {
				t.Error("the request was changed")
			}
		})
	}
}

// TestMessageKeepsServerToolsInPlace: the server-tool parts of a response
// sit where they came in its text, blank text between them dropped.
func TestMessageKeepsServerToolsInPlace(t *testing.T) {
	var a Accumulator
	a.Provider = "anthropic"
	for _, ev := range []abi.Event{
		{Type: abi.EventTextDelta, Text: "Looking."},
		{Type: abi.EventServerToolCall, ID: "s1", Name: "web_search", Input: `{"query":"q"}`},
		{Type: abi.EventServerToolResult, ID: "s1", Name: "web_search", Content: `[]`},
		{Type: abi.EventTextDelta, Text: "\n\n"},
		{Type: abi.EventServerToolCall, ID: "s2", Name: "web_fetch", Input: `{}`},
		{Type: abi.EventServerToolResult, ID: "s2", Name: "web_fetch", Content: `{}`, IsError: true},
		{Type: abi.EventTextDelta, Text: "\n\nFound it."},
		{Type: abi.EventToolCall, ID: "c1", Name: "f", Arguments: "{}"},
	} {
		a.Add(ev)
	}
	m := a.Response().Message()
	var got []string
	for _, p := range m.Content {
		s := string(p.Type) + ":" + p.Text + p.ID
		if p.IsServerTool() && p.Provider != "anthropic" {
			s += " (provider " + p.Provider + ")"
		}
		got = append(got, s)
	}
	want := "text:Looking. | server-tool-call:s1 | server-tool-result:s1 | server-tool-call:s2 | server-tool-result:s2 | text:\n\nFound it. | tool-call:c1"
	if g := strings.Join(got, " | "); g != want {
		t.Errorf("got  %q\nwant %q", g, want)
	}
}

// TestMessageServerToolsWithoutPlaces: a Response built without
// ServerToolsAt keeps its server-tool parts, before the text.
func TestMessageServerToolsWithoutPlaces(t *testing.T) {
	r := &Response{Provider: "anthropic", Text: "Done.",
		ServerTools: []abi.Part{{Type: abi.PartServerToolCall, ID: "s1", Name: "web_search", Input: "{}"}}}
	m := r.Message()
	if len(m.Content) != 2 || m.Content[0].Type != abi.PartServerToolCall || m.Content[0].Provider != "anthropic" || m.Content[1].Text != "Done." {
		t.Errorf("message %+v", m.Content)
	}
}
