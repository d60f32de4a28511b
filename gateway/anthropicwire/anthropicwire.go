// Package anthropicwire is the gateway's Anthropic Messages dialect: it
// decodes a /v1/messages request body (custom tools, the server tools
// web_search, web_fetch and code_execution and mcp_servers as provider
// tools, and the server tool blocks of an assistant's turn sent back as
// the contract's server-tool parts) to the normalized abi.Request and
// encodes normalized events (server tool events as their blocks) back as
// a message object or as the Messages streaming event sequence
// (message_start, content_block_start / content_block_delta /
// content_block_stop per block, message_delta, message_stop), and errors
// in Anthropic's error shape.
package anthropicwire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/gateway/internal/errtype"
	"github.com/wasmadapt/wasmadapt/gateway/internal/hosted"
	"github.com/wasmadapt/wasmadapt/gateway/internal/stringor"
)

type request struct {
	Model         string            `json:"model"`
	MaxTokens     *int              `json:"max_tokens"`
	System        json.RawMessage   `json:"system"`
	Messages      []message         `json:"messages"`
	Tools         []tool            `json:"tools"`
	MCPServers    []json.RawMessage `json:"mcp_servers"`
	ToolChoice    *toolChoice       `json:"tool_choice"`
	Stream        bool              `json:"stream"`
	Temperature   *float64          `json:"temperature"`
	TopP          *float64          `json:"top_p"`
	StopSequences []string          `json:"stop_sequences"`
	Thinking      *struct {
		Type         string `json:"type"`
		BudgetTokens *int   `json:"budget_tokens"`
	} `json:"thinking"`
}

type message struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type block struct {
	Type      string          `json:"type"`
	Text      string          `json:"text,omitempty"`
	Thinking  string          `json:"thinking,omitempty"`
	Signature string          `json:"signature,omitempty"`
	Data      string          `json:"data,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
	ToolUseID string          `json:"tool_use_id,omitempty"`
	// mcp_tool_use
	ServerName string          `json:"server_name,omitempty"`
	Content    json.RawMessage `json:"content,omitempty"`
	IsError    bool            `json:"is_error,omitempty"`
	Source     *struct {
		Type      string `json:"type"`
		MediaType string `json:"media_type"`
		Data      string `json:"data"`
		URL       string `json:"url"`
	} `json:"source,omitempty"`
}

// tool is a custom (function) tool; Type is "" or "custom" (another is a
// server tool).
type tool struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	InputSchema json.RawMessage `json:"input_schema"`
}

type toolChoice struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

func invalid(format string, args ...any) *abi.Error {
	return abi.Errorf(abi.CodeInvalidRequest, format, args...)
}

// DecodeRequest decodes a Messages request body. Its errors are
// *abi.Error with code invalid_request.
func DecodeRequest(body []byte) (*abi.Request, error) { return decode(body, true) }

// DecodeCountTokens decodes a /v1/messages/count_tokens request body: the
// body of a Messages request, with max_tokens optional (the count is of
// the input). Its errors are *abi.Error with code invalid_request.
func DecodeCountTokens(body []byte) (*abi.Request, error) { return decode(body, false) }

// decode decodes a Messages body; needMaxTokens says max_tokens is
// required.
func decode(body []byte, needMaxTokens bool) (*abi.Request, error) {
	var in request
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, invalid("the request body is not a valid messages request: %v", err)
	}
	if in.Model == "" {
		return nil, invalid("model: field required")
	}
	if in.MaxTokens == nil && needMaxTokens {
		return nil, invalid("max_tokens: field required")
	}
	if len(in.Messages) == 0 {
		return nil, invalid("messages: at least one message is required")
	}
	req := &abi.Request{Model: in.Model, Stream: in.Stream, MaxOutputTokens: in.MaxTokens, Temperature: in.Temperature, TopP: in.TopP, Stop: in.StopSequences}
	if sys := bytes.TrimSpace(in.System); len(sys) > 0 && !bytes.Equal(sys, []byte("null")) {
		parts, err := decodeBlocks(sys, false)
		if err != nil {
			return nil, invalid("system: %v", err)
		}
		req.Messages = append(req.Messages, abi.Message{Role: abi.RoleSystem, Content: parts})
	}
	for i, m := range in.Messages {
		parts, err := decodeBlocks(m.Content, m.Role == "assistant")
		if err != nil {
			return nil, invalid("messages.%d.content: %v", i, err)
		}
		switch m.Role {
		case "assistant":
			req.Messages = append(req.Messages, abi.Message{Role: abi.RoleAssistant, Content: parts})
		case "user":
			// Tool results become a tool message ahead of the user's
			// other content, the normalized contract's order.
			var results, rest []abi.Part
			for _, p := range parts {
				if p.Type == abi.PartToolResult {
					results = append(results, p)
				} else {
					rest = append(rest, p)
				}
			}
			if len(results) > 0 {
				req.Messages = append(req.Messages, abi.Message{Role: abi.RoleTool, Content: results})
			}
			if len(rest) > 0 || len(results) == 0 {
				req.Messages = append(req.Messages, abi.Message{Role: abi.RoleUser, Content: rest})
			}
		default:
			return nil, invalid("messages.%d.role: %q is not user or assistant", i, m.Role)
		}
	}
	var err error
	if req.Tools, err = hosted.Tools(body, in.Tools, func(i int) error { return invalid("tools.%d.name: field required", i) }, decodeHostedTool); err != nil {
		return nil, err
	}
	for i, raw := range in.MCPServers {
		t, err := decodeMCPServer(i, raw)
		if err != nil {
			return nil, err
		}
		req.Tools = append(req.Tools, t)
	}
	if tc := in.ToolChoice; tc != nil {
		switch tc.Type {
		case "auto":
			req.ToolChoice = &abi.ToolChoice{Mode: abi.ToolChoiceAuto}
		case "any":
			req.ToolChoice = &abi.ToolChoice{Mode: abi.ToolChoiceRequired}
		case "none":
			req.ToolChoice = &abi.ToolChoice{Mode: abi.ToolChoiceNone}
		case "tool":
			if tc.Name == "" {
				return nil, invalid("tool_choice.name: field required")
			}
			req.ToolChoice = &abi.ToolChoice{Tool: tc.Name}
		default:
			return nil, invalid("tool_choice.type: %q is not auto, any, tool or none", tc.Type)
		}
	}
	if th := in.Thinking; th != nil {
		switch th.Type {
		case "enabled":
			if th.BudgetTokens == nil {
				return nil, invalid("thinking.budget_tokens: field required")
			}
			req.Reasoning = &abi.Reasoning{BudgetTokens: th.BudgetTokens}
		case "disabled":
		default:
			return nil, invalid("thinking.type: %q is not enabled or disabled", th.Type)
		}
	}
	return req, nil
}

// decodeBlocks decodes a content; the server tool blocks (provider
// history) are taken in an assistant's content only.
func decodeBlocks(c json.RawMessage, assistant bool) ([]abi.Part, error) {
	s, bs, isString, err := stringor.Array[block](c, "content must be a string or an array of content blocks")
	if err != nil {
		return nil, err
	}
	if isString {
		return abi.Text(s), nil
	}
	var out []abi.Part
	for i, b := range bs {
		switch b.Type {
		case "text":
			out = append(out, abi.Part{Type: abi.PartText, Text: b.Text})
		case "image":
			if b.Source == nil {
				return nil, fmt.Errorf("%d.source: field required", i)
			}
			out = append(out, abi.Part{Type: abi.PartImage, MediaType: b.Source.MediaType, Data: b.Source.Data, URL: b.Source.URL})
		case "thinking":
			out = append(out, abi.Part{Type: abi.PartReasoning, Text: b.Thinking, Signature: b.Signature})
		case "redacted_thinking":
			out = append(out, abi.Part{Type: abi.PartReasoning, Redacted: b.Data})
		case "tool_use":
			args := "{}"
			if len(b.Input) > 0 {
				args = string(b.Input)
			}
			out = append(out, abi.Part{Type: abi.PartToolCall, ID: b.ID, Name: b.Name, Arguments: args})
		case "tool_result":
			text, err := resultText(b.Content)
			if err != nil {
				return nil, fmt.Errorf("%d.content: %v", i, err)
			}
			out = append(out, abi.Part{Type: abi.PartToolResult, ToolCallID: b.ToolUseID, Content: text, IsError: b.IsError})
		default:
			p, ok, err := serverToolBlock(&b)
			if err != nil {
				return nil, fmt.Errorf("%d: %v", i, err)
			}
			if !ok {
				return nil, fmt.Errorf("%d.type: content block type %q is not supported", i, b.Type)
			}
			if !assistant {
				return nil, fmt.Errorf("%d.type: a %s block belongs in an assistant message", i, b.Type)
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// resultText flattens a tool_result's content (a string or text blocks).
func resultText(c json.RawMessage) (string, error) {
	if len(bytes.TrimSpace(c)) == 0 {
		return "", nil
	}
	s, bs, isString, err := stringor.Array[block](c, "must be a string or an array of text blocks")
	if isString || err != nil {
		return s, err
	}
	for _, b := range bs {
		if b.Type != "text" {
			return "", fmt.Errorf("only text blocks are supported in a tool result, not %q", b.Type)
		}
		s += b.Text
	}
	return s, nil
}

// StopReason maps a normalized finish reason to Anthropic's stop_reason
// (pause, ABI 1.3, is pause_turn).
func StopReason(r abi.FinishReason) string {
	switch r {
	case abi.FinishLength:
		return "max_tokens"
	case abi.FinishToolCalls:
		return "tool_use"
	case abi.FinishRefusal, abi.FinishContentFilter:
		return "refusal"
	case abi.FinishPause:
		return "pause_turn"
	}
	return "end_turn"
}

// ErrorType is the Anthropic error type of a normalized error code.
func ErrorType(c abi.Code) string { return errtype.Of(c) }

// ErrorBody is the Anthropic error object for e.
func ErrorBody(e *abi.Error) []byte {
	b, _ := json.Marshal(map[string]any{"type": "error", "error": map[string]any{"type": ErrorType(e.Code), "message": e.Message}})
	return b
}

// WriteError answers with e in Anthropic's error shape and the given
// status.
func WriteError(w http.ResponseWriter, status int, e *abi.Error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(ErrorBody(e))
}
