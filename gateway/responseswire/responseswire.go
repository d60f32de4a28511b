// Package responseswire is the gateway's OpenAI Responses dialect
// (/v1/responses): it decodes a request body (input as a string or as
// items: messages, function_call and function_call_output items, and the
// MCP items of a turn a provider paused for approval:
// mcp_approval_request, mcp_approval_response, mcp_call, mcp_list_tools;
// function tools and the hosted tools web_search, file_search,
// code_interpreter and mcp) to the normalized abi.Request, and encodes
// normalized events (an MCP server's calls and tool listing as mcp_call
// and mcp_list_tools items) back as a response object or as Responses
// stream events (response.created, response.output_item.added,
// response.output_text.delta, response.function_call_arguments.delta,
// ..., response.completed).
// Errors use OpenAI's error shape (openaiwire).
//
// The gateway keeps no state: previous_response_id (server-side
// conversation state) is refused; a client sends the whole conversation
// as input items, as it does with store=false.
package responseswire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/gateway/internal/hosted"
	"github.com/wasmadapt/wasmadapt/gateway/internal/stringor"
	"github.com/wasmadapt/wasmadapt/gateway/openaiwire"
)

type request struct {
	Model              string          `json:"model"`
	Input              json.RawMessage `json:"input"`
	Instructions       string          `json:"instructions"`
	Tools              []tool          `json:"tools"`
	ToolChoice         json.RawMessage `json:"tool_choice"`
	Stream             bool            `json:"stream"`
	MaxOutputTokens    *int            `json:"max_output_tokens"`
	Temperature        *float64        `json:"temperature"`
	TopP               *float64        `json:"top_p"`
	PreviousResponseID string          `json:"previous_response_id"`
	Text               *struct {
		Format *struct {
			Type   string          `json:"type"`
			Name   string          `json:"name"`
			Schema json.RawMessage `json:"schema"`
			Strict bool            `json:"strict"`
		} `json:"format"`
	} `json:"text"`
	Reasoning *struct {
		Effort string `json:"effort"`
	} `json:"reasoning"`
}

// tool is a function tool (type "function").
type tool struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`
	Strict      bool            `json:"strict"`
}

type item struct {
	Type      string          `json:"type"`
	Role      string          `json:"role"`
	Content   json.RawMessage `json:"content"`
	CallID    string          `json:"call_id"`
	Name      string          `json:"name"`
	Arguments string          `json:"arguments"`
	Output    json.RawMessage `json:"output"`
}

type contentPart struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	ImageURL string `json:"image_url"`
}

func invalid(format string, args ...any) *abi.Error {
	return abi.Errorf(abi.CodeInvalidRequest, format, args...)
}

// DecodeRequest decodes a Responses request body. Its errors are
// *abi.Error with code invalid_request.
func DecodeRequest(body []byte) (*abi.Request, error) {
	var in request
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, invalid("the request body is not a valid responses request: %v", err)
	}
	if in.Model == "" {
		return nil, invalid("model is required")
	}
	if in.PreviousResponseID != "" {
		return nil, invalid("previous_response_id is not supported: the gateway stores no responses; send the whole conversation as input items")
	}
	req := &abi.Request{Model: in.Model, Stream: in.Stream, Temperature: in.Temperature, TopP: in.TopP, MaxOutputTokens: in.MaxOutputTokens}
	if in.Instructions != "" {
		req.Messages = append(req.Messages, abi.Message{Role: abi.RoleSystem, Content: abi.Text(in.Instructions)})
	}
	msgs, err := decodeInput(in.Input)
	if err != nil {
		return nil, err
	}
	req.Messages = append(req.Messages, msgs...)
	if len(msgs) == 0 {
		return nil, invalid("input must not be empty")
	}
	if req.Tools, err = hosted.Tools(body, in.Tools, func(i int) error { return invalid("tools[%d]: a function tool needs a name", i) }, decodeHostedTool); err != nil {
		return nil, err
	}
	if req.ToolChoice, err = decodeToolChoice(in.ToolChoice); err != nil {
		return nil, err
	}
	if in.Text != nil && in.Text.Format != nil {
		switch f := in.Text.Format; f.Type {
		case "text", "":
		case "json_object":
			req.ResponseFormat = &abi.ResponseFormat{Type: "json_schema", Name: "json_object", Schema: json.RawMessage(`{"type":"object"}`)}
		case "json_schema":
			if len(f.Schema) == 0 {
				return nil, invalid("text.format.schema is required")
			}
			req.ResponseFormat = &abi.ResponseFormat{Type: "json_schema", Name: f.Name, Schema: f.Schema, Strict: f.Strict}
		default:
			return nil, invalid("text.format.type %q is not text, json_object or json_schema", f.Type)
		}
	}
	if in.Reasoning != nil && in.Reasoning.Effort != "" {
		req.Reasoning = &abi.Reasoning{Effort: in.Reasoning.Effort}
	}
	return req, nil
}

func decodeToolChoice(tc json.RawMessage) (*abi.ToolChoice, error) {
	tc = bytes.TrimSpace(tc)
	if len(tc) == 0 || bytes.Equal(tc, []byte("null")) {
		return nil, nil
	}
	var mode string
	if json.Unmarshal(tc, &mode) == nil {
		switch mode {
		case abi.ToolChoiceAuto, abi.ToolChoiceNone, abi.ToolChoiceRequired:
			return &abi.ToolChoice{Mode: mode}, nil
		}
		return nil, invalid("tool_choice %q is not auto, none or required", mode)
	}
	var o struct {
		Type string `json:"type"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal(tc, &o); err != nil || o.Type != "function" || o.Name == "" {
		return nil, invalid(`tool_choice must be a string or {"type":"function","name":...}`)
	}
	return &abi.ToolChoice{Tool: o.Name}, nil
}

// decodeInput turns input (a string, or a list of items) into messages:
// consecutive function_call, mcp_approval_request, mcp_call and
// mcp_list_tools items join the assistant message before them (the last
// three as the provider history of ABI 1.3: approval-request and
// server-tool parts), each function_call_output and mcp_approval_response
// is a tool message (a tool-result, an approval-response part), reasoning
// items are dropped (the gateway cannot tell whose they are).
func decodeInput(raw json.RawMessage) ([]abi.Message, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, invalid("input is required")
	}
	s, items, isString, err := stringor.Array[item](raw, "input must be a string or an array of items")
	switch {
	case err != nil && isString:
		return nil, invalid("input: %v", err)
	case err != nil:
		return nil, invalid("%v", err)
	case isString:
		return []abi.Message{{Role: abi.RoleUser, Content: abi.Text(s)}}, nil
	}
	var out []abi.Message
	var mcp []mcpInput // the items with the MCP items' fields, read once one is met
	for i, it := range items {
		if strings.HasPrefix(it.Type, "mcp_") && mcp == nil {
			var err error
			if mcp, err = mcpInputs(raw); err != nil {
				return nil, invalid("input: %v", err)
			}
		}
		switch it.Type {
		case "message", "":
			m, err := decodeMessage(it)
			if err != nil {
				return nil, invalid("input[%d]: %v", i, err)
			}
			out = append(out, m)
		case "function_call":
			if it.CallID == "" || it.Name == "" {
				return nil, invalid("input[%d]: a function_call needs call_id and name", i)
			}
			out = assistantPart(out, abi.Part{Type: abi.PartToolCall, ID: it.CallID, Name: it.Name, Arguments: it.Arguments})
		case "mcp_approval_request":
			p, err := approvalRequest(&mcp[i])
			if err != nil {
				return nil, invalid("input[%d]: %v", i, err)
			}
			out = assistantPart(out, p)
		case "mcp_call", "mcp_list_tools":
			ps, err := mcpHistory(&mcp[i])
			if err != nil {
				return nil, invalid("input[%d]: %v", i, err)
			}
			out = assistantPart(out, ps...)
		case "mcp_approval_response":
			p, err := approvalResponse(&mcp[i])
			if err != nil {
				return nil, invalid("input[%d]: %v", i, err)
			}
			out = append(out, abi.Message{Role: abi.RoleTool, Content: []abi.Part{p}})
		case "function_call_output":
			if it.CallID == "" {
				return nil, invalid("input[%d]: a function_call_output needs call_id", i)
			}
			text, err := outputText(it.Output)
			if err != nil {
				return nil, invalid("input[%d].output: %v", i, err)
			}
			out = append(out, abi.Message{Role: abi.RoleTool, Content: []abi.Part{{Type: abi.PartToolResult, ToolCallID: it.CallID, Content: text}}})
		case "reasoning":
		default:
			return nil, invalid("input[%d]: item type %q is not supported (%s)", i, it.Type, itemTypes)
		}
	}
	return out, nil
}

func decodeMessage(it item) (abi.Message, error) {
	var role abi.Role
	switch it.Role {
	case "system", "developer":
		role = abi.RoleSystem
	case "user":
		role = abi.RoleUser
	case "assistant":
		role = abi.RoleAssistant
	default:
		return abi.Message{}, fmt.Errorf("role %q is not system, developer, user or assistant", it.Role)
	}
	s, ps, isString, err := stringor.Array[contentPart](it.Content, "content must be a string or an array of parts")
	if err != nil {
		return abi.Message{}, err
	}
	if isString {
		return abi.Message{Role: role, Content: abi.Text(s)}, nil
	}
	m := abi.Message{Role: role}
	for _, p := range ps {
		switch p.Type {
		case "input_text", "output_text":
			m.Content = append(m.Content, abi.Part{Type: abi.PartText, Text: p.Text})
		case "refusal":
		case "input_image":
			if p.ImageURL == "" {
				return abi.Message{}, fmt.Errorf("input_image needs image_url (file_id is not supported)")
			}
			m.Content = append(m.Content, openaiwire.ImagePart(p.ImageURL))
		default:
			return abi.Message{}, fmt.Errorf("content part type %q is not supported", p.Type)
		}
	}
	return m, nil
}

// outputText is a function_call_output's output: a string, or the text of
// its input_text parts.
func outputText(raw json.RawMessage) (string, error) {
	s, ps, isString, err := stringor.Array[contentPart](raw, "must be a string or an array of input_text parts")
	if isString || err != nil {
		return s, err
	}
	var b strings.Builder
	for _, p := range ps {
		if p.Type != "input_text" {
			return "", fmt.Errorf("part type %q is not supported (input_text)", p.Type)
		}
		b.WriteString(p.Text)
	}
	return b.String(), nil
}
