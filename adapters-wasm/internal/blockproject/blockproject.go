// Package blockproject holds the request projection shared by the adapters
// whose providers take alternating user and assistant turns of content
// blocks (Anthropic's Messages API and Bedrock's Converse API): grouping the
// normalized messages into turns, tool results first in a user turn, the
// pairing of tool calls and results between neighbouring turns, one
// injective tool-call ID mapping per request, the small validations of
// tool names, schemas, arguments, tool choice and response format, the
// placement of cache markers, Claude's thinking settings, and the lookup of
// a model in a Claude-style model table with the features it reports.
//
// Projection runs once per request, not per chunk; it compiles into each
// adapter module (GOOS=wasip1) and natively.
package blockproject

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/toolid"
)

// ValidToolName reports whether s is a tool name Anthropic, Bedrock and
// OpenAI all accept (toolid.ValidName: 1 to 64 bytes of [A-Za-z0-9_-]).
func ValidToolName(s string) bool { return toolid.ValidName(s) }

// EmulatedToolName is the name of the forced tool that carries structured
// output for the response format: its own name when that is a valid tool
// name, else fallback.
func EmulatedToolName(rf *abi.ResponseFormat, fallback string) string {
	if rf != nil && ValidToolName(rf.Name) {
		return rf.Name
	}
	return fallback
}

// ObjectSchema returns a tool or output schema, compacted; an absent schema
// is the empty object schema, and anything but a JSON object is an
// invalid_request error at pointer.
func ObjectSchema(s json.RawMessage, pointer string) (json.RawMessage, error) {
	s = bytes.TrimSpace(s)
	if len(s) == 0 || string(s) == "null" {
		return json.RawMessage(`{"type":"object","properties":{}}`), nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, s); err != nil || s[0] != '{' {
		return nil, guest.Invalid(pointer, "schema must be a JSON object")
	}
	return buf.Bytes(), nil
}

// ResponseSchema returns the schema of a json_schema response format,
// compacted (ObjectSchema at /response_format/schema) and, for a model
// with native structured output (native), put in the provider's dialect by
// strict; nil for no response format or a text one. Any other type is an
// invalid_request error.
func ResponseSchema(rf *abi.ResponseFormat, native bool, strict func(schema json.RawMessage, pointer string) (json.RawMessage, error)) (json.RawMessage, error) {
	if rf == nil {
		return nil, nil
	}
	switch rf.Type {
	case "", "text":
		return nil, nil
	case "json_schema":
		schema, err := ObjectSchema(rf.Schema, "/response_format/schema")
		if err != nil || !native {
			return schema, err
		}
		return strict(schema, "/response_format/schema")
	}
	return nil, guest.Invalid("/response_format/type", "response_format type %q is not text or json_schema", rf.Type)
}

// CheckToolChoice checks that a tool choice can be served by the request's
// tools: a named tool must be among them (toolNames), and "required"
// needs at least one (nTools).
func CheckToolChoice(tc *abi.ToolChoice, toolNames map[string]bool, nTools int) error {
	switch {
	case tc.Tool != "":
		if !toolNames[tc.Tool] {
			return guest.Invalid("/tool_choice", "tool_choice names %q, which is not among the request's tools", tc.Tool)
		}
	case tc.Mode == abi.ToolChoiceRequired && nTools == 0:
		return guest.Invalid("/tool_choice", `tool_choice "required" needs at least one tool`)
	}
	return nil
}

// ArgumentsObject parses tool-call arguments, compacted: "" is the empty
// object, and anything but a JSON object is an error.
func ArgumentsObject(args string) (json.RawMessage, error) {
	s := bytes.TrimSpace([]byte(args))
	if len(s) == 0 {
		return json.RawMessage("{}"), nil
	}
	if s[0] != '{' {
		return nil, fmt.Errorf("got %.20q", args)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// IDMapper returns the request's one injective mapping of tool-call IDs
// (of tool calls and tool results alike) under rule, so that a call and
// its result still match after the mapping.
func IDMapper(in []abi.Message, rule toolid.Rule) func(string) string {
	var ids []string
	for _, msg := range in {
		for _, p := range msg.Content {
			switch p.Type {
			case abi.PartToolCall:
				ids = append(ids, p.ID)
			case abi.PartToolResult:
				ids = append(ids, p.ToolCallID)
			}
		}
	}
	mapper := toolid.NewMapper(rule, ids)
	return func(id string) string { s, _ := mapper.Map(id); return s }
}

// Turn is a provider message under construction, with where its blocks
// came from.
type Turn[B any] struct {
	Role   string // "user" or "assistant"
	Blocks []B
	// Src[i] is the JSON pointer of Blocks[i] in the normalized request.
	Src []string
}

// Dialect describes an API's content blocks to Turns.
type Dialect[B any] struct {
	// API names the API in error messages ("Anthropic").
	API string
	// ToolUse returns the ID and name of a tool-call block; ok is false
	// for other blocks.
	ToolUse func(b *B) (id, name string, ok bool)
	// ToolResult returns the call ID of a tool-result block; ok is false
	// for other blocks.
	ToolResult func(b *B) (callID string, ok bool)
	// ResultRule and CallRule end the messages of the pairing errors:
	// where a tool result must stand, and that every call needs a result.
	ResultRule, CallRule string
	// Part projects one part of a user or assistant message; keep is
	// false for a part that is dropped.
	Part func(role abi.Role, p abi.Part, pointer string) (b B, keep bool, err error)
	// System takes the text of a non-blank system part.
	System func(text string)
	// SystemCache, when set, takes the cache marker of the system part
	// just given to System (ABI 1.2); when nil, a marked system part is
	// refused.
	SystemCache func(c abi.Cache)
	// TrimPrefill trims trailing whitespace off a final assistant turn's
	// last block (a prefill must not end in whitespace).
	TrimPrefill func(b *B)
}

// Turns groups the messages into alternating turns for d: system text goes
// to d.System; user and tool messages make user turns, assistant messages
// assistant turns, and neighbouring messages of one role merge. It checks
// that the conversation starts with a user turn, moves tool results first
// in each user turn, checks the pairing of tool calls and results, and
// trims a final assistant turn. hasToolBlocks reports whether any tool
// call or result was kept.
func Turns[B any](in []abi.Message, d *Dialect[B]) (turns []Turn[B], hasToolBlocks bool, err error) {
	for i, msg := range in {
		mp := "/messages/" + strconv.Itoa(i)
		t := Turn[B]{}
		switch msg.Role {
		case abi.RoleSystem:
			for j, p := range msg.Content {
				if p.Type != abi.PartText {
					return nil, false, guest.Invalid(mp+"/content/"+strconv.Itoa(j), "a system message may hold text only, not %s", p.Type)
				}
				blank := strings.TrimSpace(p.Text) == ""
				if !blank {
					d.System(p.Text)
				}
				if p.Cache == nil {
					continue
				}
				cp := mp + "/content/" + strconv.Itoa(j) + "/cache"
				if d.SystemCache == nil {
					return nil, false, guest.Unsupported(cp, "%s takes no cache breakpoint on the system prompt", d.API)
				}
				if blank {
					return nil, false, guest.Invalid(cp, "the system part carries a cache marker but is blank, so it is not sent: mark a part with text")
				}
				d.SystemCache(*p.Cache)
			}
			continue
		case abi.RoleUser, abi.RoleTool:
			t.Role = "user"
		case abi.RoleAssistant:
			t.Role = "assistant"
		default:
			return nil, false, guest.Invalid(mp+"/role", "unknown role %q", msg.Role)
		}
		for j, p := range msg.Content {
			pp := mp + "/content/" + strconv.Itoa(j)
			b, keep, err := d.Part(msg.Role, p, pp)
			if err != nil {
				return nil, false, err
			}
			if keep {
				if _, _, ok := d.ToolUse(&b); ok {
					hasToolBlocks = true
				} else if _, ok := d.ToolResult(&b); ok {
					hasToolBlocks = true
				}
				t.Blocks = append(t.Blocks, b)
				t.Src = append(t.Src, pp)
			}
		}
		if len(t.Blocks) == 0 {
			continue
		}
		if n := len(turns); n > 0 && turns[n-1].Role == t.Role {
			turns[n-1].Blocks = append(turns[n-1].Blocks, t.Blocks...)
			turns[n-1].Src = append(turns[n-1].Src, t.Src...)
			continue
		}
		turns = append(turns, t)
	}
	if len(turns) == 0 {
		return nil, false, guest.Invalid("/messages", "the request has no user or assistant content: %s needs at least one non-empty user message", d.API)
	}
	if turns[0].Role != "user" {
		return nil, false, guest.Invalid(turns[0].Src[0], "the conversation starts with an assistant turn; %s requires the first message to be from the user: add the user message that preceded it", d.API)
	}
	for i := range turns {
		if turns[i].Role == "user" {
			d.toolResultsFirst(&turns[i])
		}
		if err := d.checkToolPairing(turns, i); err != nil {
			return nil, false, err
		}
	}
	if last := &turns[len(turns)-1]; last.Role == "assistant" {
		d.TrimPrefill(&last.Blocks[len(last.Blocks)-1])
	}
	return turns, hasToolBlocks, nil
}

// toolResultsFirst moves a user turn's tool-result blocks before its other
// blocks, keeping the order within each group: both APIs require tool
// results to come first in the message that answers a tool-call turn.
func (d *Dialect[B]) toolResultsFirst(t *Turn[B]) {
	var blocks []B
	var src []string
	for pass := 0; pass < 2; pass++ {
		for i := range t.Blocks {
			if _, ok := d.ToolResult(&t.Blocks[i]); ok == (pass == 0) {
				blocks = append(blocks, t.Blocks[i])
				src = append(src, t.Src[i])
			}
		}
	}
	t.Blocks, t.Src = blocks, src
}

// checkToolPairing checks turn i: tool results must answer the tool calls
// of the assistant turn right before, and an assistant turn's tool calls
// must all be answered by the user turn right after it (when there is one).
func (d *Dialect[B]) checkToolPairing(turns []Turn[B], i int) error {
	t := turns[i]
	if t.Role == "user" {
		called := map[string]bool{}
		if i > 0 {
			for k := range turns[i-1].Blocks {
				if id, _, ok := d.ToolUse(&turns[i-1].Blocks[k]); ok {
					called[id] = true
				}
			}
		}
		for j := range t.Blocks {
			if id, ok := d.ToolResult(&t.Blocks[j]); ok && !called[id] {
				return guest.Invalid(t.Src[j], "tool result for call %q does not follow the assistant turn that made that call; %s", id, d.ResultRule)
			}
		}
		return nil
	}
	if i+1 >= len(turns) {
		return nil
	}
	answered := map[string]bool{}
	for k := range turns[i+1].Blocks {
		if id, ok := d.ToolResult(&turns[i+1].Blocks[k]); ok {
			answered[id] = true
		}
	}
	for j := range t.Blocks {
		if id, name, ok := d.ToolUse(&t.Blocks[j]); ok && !answered[id] {
			return guest.Invalid(t.Src[j], "tool call %q (%s) has no tool result in the next user message; %s", id, name, d.CallRule)
		}
	}
	return nil
}

// ToolSchema checks tool definition i of the request (a valid name, not
// defined before: seen records the names) and returns its parameters
// schema, compacted and, for a strict tool, made strict by strict. For a
// strict tool on a model without strict tool use, refuseStrict (non-nil
// exactly then) gives the error, from the tool's JSON pointer.
func ToolSchema(i int, t *abi.ToolDefinition, seen map[string]bool, refuseStrict func(pointer string) error, strict func(schema json.RawMessage, pointer string) (json.RawMessage, error)) (json.RawMessage, error) {
	p := "/tools/" + strconv.Itoa(i)
	if !ValidToolName(t.Name) {
		return nil, guest.Invalid(p+"/name", "tool name %q must match ^[a-zA-Z0-9_-]{1,64}$", t.Name)
	}
	if seen[t.Name] {
		return nil, guest.Invalid(p+"/name", "tool name %q is defined twice", t.Name)
	}
	seen[t.Name] = true
	schema, err := ObjectSchema(t.Parameters, p+"/parameters")
	if err != nil {
		return nil, err
	}
	if t.Strict {
		if refuseStrict != nil {
			return nil, refuseStrict(p)
		}
		return strict(schema, p+"/parameters")
	}
	return schema, nil
}

// CheckPart checks one part of a message with the given role against the
// rules both APIs share, and says whether it is kept: text not in tool
// messages (blank text is dropped); images in user messages only;
// reasoning in assistant messages only, kept when it came from provider
// and is redacted or signed; tool calls in assistant messages only, with an
// ID, a valid name and object arguments (returned as input, compacted);
// tool results in tool or user messages only, with a tool_call_id. Any
// other part type is an error.
func CheckPart(role abi.Role, p *abi.Part, pointer, provider string) (keep bool, input json.RawMessage, err error) {
	wrongRole := func() (bool, json.RawMessage, error) {
		return false, nil, guest.Invalid(pointer, "a %s message cannot hold a %s part", role, p.Type)
	}
	switch p.Type {
	case abi.PartText:
		if role == abi.RoleTool {
			return wrongRole()
		}
		return strings.TrimSpace(p.Text) != "", nil, nil
	case abi.PartImage:
		if role != abi.RoleUser {
			return wrongRole()
		}
		return true, nil, nil
	case abi.PartAudio:
		return false, nil, guest.Unsupported(pointer, "this API takes no audio input: transcribe the audio first or use a provider with audio input")
	case abi.PartFile:
		if role != abi.RoleUser {
			return wrongRole()
		}
		_, err := abi.FileSource(p, pointer)
		return err == nil, nil, err
	case abi.PartReasoning:
		if role != abi.RoleAssistant {
			return wrongRole()
		}
		// Another provider's reasoning is never sent, and unsigned
		// reasoning cannot be echoed.
		return p.Provider == provider && (p.Redacted != "" || p.Signature != ""), nil, nil
	case abi.PartServerToolCall, abi.PartServerToolResult:
		// What a provider ran itself (ABI 1.3) is sent back only by a
		// module that handles these parts before CheckPart; the others
		// drop them.
		if role != abi.RoleAssistant {
			return wrongRole()
		}
		return false, nil, nil
	case abi.PartApprovalRequest, abi.PartApprovalResponse:
		// Provider approvals (ABI 1.3) belong to the module that asked.
		return false, nil, nil
	case abi.PartToolCall:
		if role != abi.RoleAssistant {
			return wrongRole()
		}
		if p.ID == "" {
			return false, nil, guest.Invalid(pointer+"/id", "tool call has no id")
		}
		if !ValidToolName(p.Name) {
			return false, nil, guest.Invalid(pointer+"/name", "tool call name %q must match ^[a-zA-Z0-9_-]{1,64}$", p.Name)
		}
		input, err := ArgumentsObject(p.Arguments)
		if err != nil {
			return false, nil, guest.Invalid(pointer+"/arguments", "tool call arguments must be a JSON object: %v", err)
		}
		return true, input, nil
	case abi.PartToolResult:
		if role != abi.RoleTool && role != abi.RoleUser {
			return wrongRole()
		}
		if p.ToolCallID == "" {
			return false, nil, guest.Invalid(pointer+"/tool_call_id", "tool result has no tool_call_id")
		}
		return true, nil, nil
	}
	return false, nil, guest.Invalid(pointer+"/type", "unknown part type %q", p.Type)
}
