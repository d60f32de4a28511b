package openaicompatible

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// Instruction returns the tool-use instruction of emulated mode for tools
// and the tool choice (nil when the request does not say). It is a pure
// function of its arguments.
func Instruction(tools []abi.ToolDefinition, choice *abi.ToolChoice) (string, error) {
	var b strings.Builder
	b.WriteString("You have access to the following tools. Each is listed with its name, a description and the JSON Schema of its arguments.\n")
	for i, t := range tools {
		if t.Name == "" {
			return "", guest.Invalid(fmt.Sprintf("/tools/%d/name", i), "a tool needs a name")
		}
		schema := []byte(`{"type":"object","properties":{}}`)
		if len(bytes.TrimSpace(t.Parameters)) > 0 {
			var c bytes.Buffer
			if err := json.Compact(&c, t.Parameters); err != nil {
				return "", guest.Invalid(fmt.Sprintf("/tools/%d/parameters", i), "tool parameters are not valid JSON")
			}
			schema = c.Bytes()
		}
		b.WriteString("\nTool: ")
		b.WriteString(t.Name)
		if t.Description != "" {
			b.WriteString("\nDescription: ")
			b.WriteString(t.Description)
		}
		b.WriteString("\nArguments schema: ")
		b.Write(schema)
		b.WriteString("\n")
	}
	b.WriteString("\nTo call one or more tools, reply with exactly one JSON object and nothing else, in this form:\n")
	b.WriteString(`{"tool_calls":[{"name":"<tool name>","arguments":{<arguments>}}]}`)
	b.WriteString("\n\"arguments\" must be a JSON object that matches the tool's schema; list several calls to call several tools. Each tool's result comes back in a later message. To answer without calling a tool, reply normally, without that JSON object.")
	if choice != nil {
		switch {
		case choice.Tool != "":
			b.WriteString("\nYou must call the tool \"" + choice.Tool + "\" in this reply.")
		case choice.Mode == abi.ToolChoiceRequired:
			b.WriteString("\nYou must call at least one tool in this reply.")
		}
	}
	return b.String(), nil
}

type envelopeCall struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

// renderCalls renders tool calls of the history in the reply format.
func renderCalls(calls []envelopeCall) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(struct {
		ToolCalls []envelopeCall `json:"tool_calls"`
	}{calls})
	return strings.TrimSuffix(b.String(), "\n")
}

// emulate rewrites a request for emulated tool calling: no tools
// parameter, the instruction as system text, the tool history as text.
func emulate(r abi.Request) (abi.Request, error) {
	names := map[string]bool{}
	for _, t := range r.Tools {
		names[t.Name] = true
	}
	if tc := r.ToolChoice; tc != nil && tc.Tool != "" && !names[tc.Tool] {
		return r, guest.Invalid("/tool_choice", "tool_choice names %q, which is not among the request's tools", tc.Tool)
	}
	msgs := make([]abi.Message, 0, len(r.Messages)+1)
	for i, m := range r.Messages {
		switch m.Role {
		case abi.RoleAssistant:
			var parts []abi.Part
			var calls []envelopeCall
			for j, p := range m.Content {
				if p.Type != abi.PartToolCall {
					parts = append(parts, p)
					continue
				}
				args := strings.TrimSpace(p.Arguments)
				if args == "" {
					args = "{}"
				}
				if jsonx.KindOf([]byte(args)) != jsonx.KindObject || !json.Valid([]byte(args)) {
					return r, guest.Invalid(fmt.Sprintf("/messages/%d/content/%d/arguments", i, j), "tool call arguments are not a JSON object")
				}
				calls = append(calls, envelopeCall{p.Name, json.RawMessage(args)})
			}
			if len(calls) > 0 {
				parts = append(parts, abi.Part{Type: abi.PartText, Text: renderCalls(calls)})
			}
			msgs = append(msgs, abi.Message{Role: abi.RoleAssistant, Content: joinTexts(parts)})
		case abi.RoleTool, abi.RoleUser:
			var parts []abi.Part
			for _, p := range m.Content {
				if p.Type != abi.PartToolResult {
					parts = append(parts, p)
					continue
				}
				head := "Result of tool "
				if p.IsError {
					head = "Error from tool "
				}
				parts = append(parts, abi.Part{Type: abi.PartText, Text: head + p.Name + " (call " + p.ToolCallID + "):\n" + p.Content})
			}
			// Consecutive texts of one turn join into one text, the form
			// every chat template takes.
			msgs = append(msgs, abi.Message{Role: abi.RoleUser, Content: joinTexts(parts)})
		default:
			msgs = append(msgs, m)
		}
	}
	if len(r.Tools) > 0 && (r.ToolChoice == nil || r.ToolChoice.Mode != abi.ToolChoiceNone) {
		ins, err := Instruction(r.Tools, r.ToolChoice)
		if err != nil {
			return r, err
		}
		if len(msgs) > 0 && msgs[0].Role == abi.RoleSystem && onlyText(msgs[0].Content) {
			text := joinTexts(msgs[0].Content)[0].Text + "\n\n" + ins
			msgs[0] = abi.Message{Role: abi.RoleSystem, Content: abi.Text(text)}
		} else {
			msgs = append([]abi.Message{{Role: abi.RoleSystem, Content: abi.Text(ins)}}, msgs...)
		}
	}
	r.Messages = msgs
	r.Tools = nil
	r.ToolChoice = nil
	return r, nil
}

func onlyText(parts []abi.Part) bool {
	for _, p := range parts {
		if p.Type != abi.PartText {
			return false
		}
	}
	return len(parts) > 0
}

// joinTexts merges runs of text parts into one text part (joined by a
// blank line); other parts stay in place.
func joinTexts(parts []abi.Part) []abi.Part {
	var out []abi.Part
	for _, p := range parts {
		if n := len(out); n > 0 && p.Type == abi.PartText && out[n-1].Type == abi.PartText {
			out[n-1].Text += "\n\n" + p.Text
			continue
		}
		out = append(out, p)
	}
	return out
}

// verdict is what a held reply turns out to be.
type verdict uint8

const (
	verdictText      verdict = iota // plain text (or a JSON answer)
	verdictToolCalls                // a valid tool-call envelope
	verdictMalformed                // mentions tool_calls but is not a valid envelope
)

// parsedCall is one call of a valid envelope; both fields alias the reply.
type parsedCall struct {
	name, args []byte
}

// parseReply parses a held emulated-mode reply strictly (see the package
// doc): it returns the calls of a valid envelope, ok false and a reason
// for a malformed one, and neither for plain text.
func parseReply(reply []byte, tools [][]byte) (calls []parsedCall, v verdict, reason string) {
	body := bytes.TrimSpace(reply)
	if bytes.HasPrefix(body, []byte("```")) {
		nl := bytes.IndexByte(body, '\n')
		if nl < 0 || !bytes.HasSuffix(body, []byte("```")) || len(body) < nl+4 {
			if bytes.Contains(reply, []byte(`"tool_calls"`)) {
				return nil, verdictMalformed, "a code fence that is not closed"
			}
			return nil, verdictText, ""
		}
		body = bytes.TrimSpace(body[nl+1 : len(body)-3])
	}
	mentions := bytes.Contains(body, []byte(`"tool_calls"`))
	if jsonx.KindOf(body) != jsonx.KindObject || !jsonx.Valid(body) {
		if mentions {
			return nil, verdictMalformed, "the reply is not one valid JSON object"
		}
		return nil, verdictText, ""
	}
	var list []byte
	found := false
	it := jsonx.TrustedObject(body)
	for it.Next() {
		if it.KeyIs("tool_calls") {
			list, found = it.Value(), true
		}
	}
	if !found {
		return nil, verdictText, ""
	}
	it = jsonx.TrustedObject(body)
	for it.Next() {
		if !it.KeyIs("tool_calls") {
			return nil, verdictMalformed, "unexpected key \"" + string(it.Key()) + "\" beside tool_calls"
		}
	}
	if jsonx.KindOf(list) != jsonx.KindArray {
		return nil, verdictMalformed, "tool_calls is not an array"
	}
	ai := jsonx.TrustedArray(list)
	for ai.Next() {
		if jsonx.KindOf(ai.Value()) != jsonx.KindObject {
			return nil, verdictMalformed, fmt.Sprintf("tool_calls[%d] is not an object", ai.Index())
		}
		var c parsedCall
		var hasName, hasArgs bool
		ci := ai.ValueObject()
		for ci.Next() {
			switch {
			case ci.KeyIs("name"):
				raw, err := ci.ValueStr()
				if err != nil {
					return nil, verdictMalformed, fmt.Sprintf("tool_calls[%d].name is not a string", ai.Index())
				}
				c.name, hasName = raw, true
			case ci.KeyIs("arguments"):
				if jsonx.KindOf(ci.Value()) != jsonx.KindObject {
					return nil, verdictMalformed, fmt.Sprintf("tool_calls[%d].arguments is not a JSON object", ai.Index())
				}
				c.args, hasArgs = ci.Value(), true
			default:
				return nil, verdictMalformed, fmt.Sprintf("tool_calls[%d] has the unexpected key %q", ai.Index(), ci.Key())
			}
		}
		if !hasName || !hasArgs {
			return nil, verdictMalformed, fmt.Sprintf("tool_calls[%d] needs name and arguments", ai.Index())
		}
		known := false
		for _, t := range tools {
			if string(t) == string(c.name) {
				known = true
			}
		}
		if !known {
			return nil, verdictMalformed, fmt.Sprintf("tool_calls[%d] names the unknown tool %q", ai.Index(), c.name)
		}
		calls = append(calls, c)
	}
	if len(calls) == 0 {
		return nil, verdictMalformed, "tool_calls is empty"
	}
	return calls, verdictToolCalls, ""
}
