package chatcompletions

import (
	"encoding/json"
	"fmt"
	"github.com/wasmadapt/wasmadapt/guest/toolid"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// The request rules of the OpenAI wire that the Chat Completions dialects
// and the Responses API module share.

// FunctionTool checks the function tool t at ptr ("/tools/<i>"): a valid
// name (1-64 characters of a-z, A-Z, 0-9, _ and -) that names does not
// hold yet (FunctionTool adds it), and parameters that are JSON, made
// strict (StrictSchema) when t is strict. It returns the parameters to
// send: t's own (none when t has none), or their strict form.
func FunctionTool(t *abi.ToolDefinition, ptr string, names map[string]bool) (json.RawMessage, error) {
	if !toolid.ValidName(t.Name) {
		return nil, invalid(ptr+"/name", "tool name %q must be 1-64 characters of a-z, A-Z, 0-9, _ and -", t.Name)
	}
	if names[t.Name] {
		return nil, invalid(ptr+"/name", "tool name %q is defined twice", t.Name)
	}
	names[t.Name] = true
	if t.Strict {
		return StrictSchema(t.Parameters, ptr+"/parameters")
	}
	if len(t.Parameters) > 0 && !json.Valid(t.Parameters) {
		return nil, invalid(ptr+"/parameters", "tool parameters are not valid JSON")
	}
	return t.Parameters, nil
}

// ToolChoice checks tc against the request's tools (names, and how many
// there are) and returns what to send: the tool's name for a named tool,
// else the mode ("" for nothing: none without tools).
func ToolChoice(tc *abi.ToolChoice, names map[string]bool, tools int) (name, mode string, err error) {
	switch {
	case tc.Tool != "":
		if !names[tc.Tool] {
			return "", "", invalid("/tool_choice", "tool_choice names %q, which is not among the request's tools", tc.Tool)
		}
		return tc.Tool, "", nil
	case tc.Mode == abi.ToolChoiceNone:
		if tools > 0 {
			return "", tc.Mode, nil
		}
		return "", "", nil
	case tc.Mode == abi.ToolChoiceAuto || tc.Mode == abi.ToolChoiceRequired:
		if tools == 0 {
			return "", "", invalid("/tool_choice", "tool_choice %q needs tools: add tools or drop tool_choice", tc.Mode)
		}
		return "", tc.Mode, nil
	}
	return "", "", invalid("/tool_choice", `tool_choice must be auto, none, required or {"tool":name}`)
}

// JSONSchema checks a response format other than text (rf.Type set) for
// model, whose structured output support is support: only json_schema is
// known, and it needs native structured outputs (else provider's
// capability_unsupported). It returns the schema's name ("response" when
// rf has none, a valid tool name otherwise) and the schema, made strict
// (StrictSchema) when rf is strict.
func JSONSchema(rf *abi.ResponseFormat, provider, model, support string) (name string, schema json.RawMessage, err error) {
	if rf.Type != "json_schema" {
		return "", nil, invalid("/response_format/type", "response_format type %q is unknown: use text or json_schema", rf.Type)
	}
	if support != abi.SupportNative {
		return "", nil, guest.ModelUnsupported(provider, model, "response_format json_schema", "drop response_format or pick a model with structured outputs")
	}
	name = rf.Name
	if name == "" {
		name = "response"
	}
	if !toolid.ValidName(name) {
		return "", nil, invalid("/response_format/name", "response_format name %q must be 1-64 characters of a-z, A-Z, 0-9, _ and -", name)
	}
	if rf.Strict {
		schema, err = StrictSchema(rf.Schema, "/response_format/schema")
		return name, schema, err
	}
	if len(rf.Schema) == 0 || !json.Valid(rf.Schema) {
		return "", nil, invalid("/response_format/schema", "response_format json_schema needs a valid JSON schema")
	}
	return name, rf.Schema, nil
}

// CallArguments checks the tool call part p at ptr of an assistant message
// (an id and a name, arguments that are JSON) and returns the arguments to
// send: "{}" for none.
func CallArguments(p *abi.Part, ptr string) (string, error) {
	if p.ID == "" || p.Name == "" {
		return "", invalid(ptr, "a tool call needs id and name")
	}
	args := p.Arguments
	if strings.TrimSpace(args) == "" {
		args = "{}"
	}
	if !json.Valid([]byte(args)) {
		return "", invalid(ptr+"/arguments", "tool call arguments are not valid JSON")
	}
	return args, nil
}

// SystemTexts checks the system message msg at ptr for model m of
// provider: refused (capability_unsupported) when m's Unsupported refuses
// system messages, else text parts only (reasoning parts are dropped). It
// returns the message's texts.
func (m Model) SystemTexts(msg *abi.Message, ptr, provider, model string) ([]string, error) {
	if act, ok := m.Unsupported[FeatureSystemMessage]; ok && act == Refuse {
		return nil, guest.ModelUnsupported(provider, model, FeatureSystemMessage, "put the instructions in the first user message")
	}
	var texts []string
	for j, p := range msg.Content {
		switch p.Type {
		case abi.PartText:
			texts = append(texts, p.Text)
		case abi.PartReasoning:
		default:
			return nil, invalid(fmt.Sprintf("%s/content/%d", ptr, j), "a system message holds only text, not %s", p.Type)
		}
	}
	return texts, nil
}

// ImageURL checks the image part p at ptr for model m of provider
// (capability_unsupported without vision) and returns the URL to send:
// p's url, or a data URL of its inline data, which needs media_type.
func (m Model) ImageURL(p *abi.Part, ptr, provider, model string) (string, error) {
	if !m.Features.Vision {
		return "", guest.ModelUnsupported(provider, model, "image input", "remove the image parts or pick a vision model")
	}
	url := p.URL
	if p.Data != "" {
		if p.MediaType == "" {
			return "", invalid(ptr+"/media_type", "an inline image needs media_type (e.g. image/png)")
		}
		url = guest.DataURL(p.MediaType, p.Data)
	}
	if url == "" {
		return "", invalid(ptr, "an image part needs data (with media_type) or url")
	}
	return url, nil
}
