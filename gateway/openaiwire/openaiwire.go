// Package openaiwire is the gateway's OpenAI Chat Completions dialect:
// it decodes a /v1/chat/completions request body (function tools, and
// web_search_options as the web_search provider tool) to the normalized
// abi.Request and encodes normalized events back as a chat.completion
// object or as chat.completion.chunk server-sent events, and errors in
// OpenAI's error shape.
package openaiwire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/gateway/internal/errtype"
	"github.com/wasmadapt/wasmadapt/gateway/internal/stringor"
)

// Options are the request fields that shape the answer, not the call.
type Options struct {
	// IncludeUsage is stream_options.include_usage.
	IncludeUsage bool
}

type request struct {
	Model          string          `json:"model"`
	Messages       []message       `json:"messages"`
	Tools          []tool          `json:"tools"`
	ToolChoice     json.RawMessage `json:"tool_choice"`
	ResponseFormat *responseFormat `json:"response_format"`
	Stream         bool            `json:"stream"`
	StreamOptions  *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	Temperature         *float64        `json:"temperature"`
	TopP                *float64        `json:"top_p"`
	Stop                json.RawMessage `json:"stop"`
	N                   *int            `json:"n"`
	ReasoningEffort     string          `json:"reasoning_effort"`
	WebSearchOptions    json.RawMessage `json:"web_search_options"`
}

type message struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	ToolCalls  []toolCall      `json:"tool_calls"`
	ToolCallID string          `json:"tool_call_id"`
	Refusal    string          `json:"refusal"`
}

type toolCall struct {
	Index    *int   `json:"index,omitempty"`
	ID       string `json:"id,omitempty"`
	Type     string `json:"type,omitempty"`
	Function struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type tool struct {
	Type     string `json:"type"`
	Function struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		Parameters  json.RawMessage `json:"parameters"`
		Strict      bool            `json:"strict"`
	} `json:"function"`
}

type responseFormat struct {
	Type       string `json:"type"`
	JSONSchema *struct {
		Name   string          `json:"name"`
		Schema json.RawMessage `json:"schema"`
		Strict bool            `json:"strict"`
	} `json:"json_schema"`
}

type contentPart struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	ImageURL *struct {
		URL string `json:"url"`
	} `json:"image_url"`
}

func invalid(format string, args ...any) *abi.Error {
	return abi.Errorf(abi.CodeInvalidRequest, format, args...)
}

// DecodeRequest decodes a Chat Completions request body. Its errors are
// *abi.Error with code invalid_request.
func DecodeRequest(body []byte) (*abi.Request, Options, error) {
	var in request
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, Options{}, invalid("the request body is not a valid chat completions request: %v", err)
	}
	if in.Model == "" {
		return nil, Options{}, invalid("model is required")
	}
	if len(in.Messages) == 0 {
		return nil, Options{}, invalid("messages must not be empty")
	}
	if in.N != nil && *in.N != 1 {
		return nil, Options{}, invalid("n must be 1: the gateway returns one choice")
	}
	req := &abi.Request{Model: in.Model, Stream: in.Stream, Temperature: in.Temperature, TopP: in.TopP}
	req.MaxOutputTokens = in.MaxCompletionTokens
	if req.MaxOutputTokens == nil {
		req.MaxOutputTokens = in.MaxTokens
	}
	for i, m := range in.Messages {
		am, err := decodeMessage(m)
		if err != nil {
			return nil, Options{}, invalid("messages[%d]: %v", i, err)
		}
		req.Messages = append(req.Messages, am)
	}
	for i, t := range in.Tools {
		if t.Type != "function" {
			return nil, Options{}, invalid("tools[%d].type %q is not supported: only function tools are (Chat Completions has no other tools the gateway can carry; web search is web_search_options, other hosted tools are on POST /v1/responses)", i, t.Type)
		}
		if t.Function.Name == "" {
			return nil, Options{}, invalid("tools[%d]: only function tools with a name are supported", i)
		}
		req.Tools = append(req.Tools, abi.ToolDefinition{Name: t.Function.Name, Description: t.Function.Description, Parameters: t.Function.Parameters, Strict: t.Function.Strict})
	}
	if ws := bytes.TrimSpace(in.WebSearchOptions); len(ws) > 0 && !bytes.Equal(ws, []byte("null")) {
		t, err := webSearch(ws)
		if err != nil {
			return nil, Options{}, err
		}
		req.Tools = append(req.Tools, t)
	}
	if tc := bytes.TrimSpace(in.ToolChoice); len(tc) > 0 && !bytes.Equal(tc, []byte("null")) {
		var mode string
		if json.Unmarshal(tc, &mode) == nil {
			switch mode {
			case abi.ToolChoiceAuto, abi.ToolChoiceNone, abi.ToolChoiceRequired:
				req.ToolChoice = &abi.ToolChoice{Mode: mode}
			default:
				return nil, Options{}, invalid("tool_choice %q is not auto, none or required", mode)
			}
		} else {
			var o struct {
				Function struct {
					Name string `json:"name"`
				} `json:"function"`
			}
			if err := json.Unmarshal(tc, &o); err != nil || o.Function.Name == "" {
				return nil, Options{}, invalid(`tool_choice must be a string or {"type":"function","function":{"name":...}}`)
			}
			req.ToolChoice = &abi.ToolChoice{Tool: o.Function.Name}
		}
	}
	if rf := in.ResponseFormat; rf != nil {
		switch rf.Type {
		case "text", "":
		case "json_object":
			req.ResponseFormat = &abi.ResponseFormat{Type: "json_schema", Name: "json_object", Schema: json.RawMessage(`{"type":"object"}`)}
		case "json_schema":
			if rf.JSONSchema == nil || len(rf.JSONSchema.Schema) == 0 {
				return nil, Options{}, invalid("response_format.json_schema.schema is required")
			}
			req.ResponseFormat = &abi.ResponseFormat{Type: "json_schema", Name: rf.JSONSchema.Name, Schema: rf.JSONSchema.Schema, Strict: rf.JSONSchema.Strict}
		default:
			return nil, Options{}, invalid("response_format.type %q is not text, json_object or json_schema", rf.Type)
		}
	}
	if s := bytes.TrimSpace(in.Stop); len(s) > 0 && !bytes.Equal(s, []byte("null")) {
		var one string
		if json.Unmarshal(s, &one) == nil {
			req.Stop = []string{one}
		} else if err := json.Unmarshal(s, &req.Stop); err != nil {
			return nil, Options{}, invalid("stop must be a string or an array of strings")
		}
	}
	if in.ReasoningEffort != "" {
		req.Reasoning = &abi.Reasoning{Effort: in.ReasoningEffort}
	}
	var opt Options
	if in.StreamOptions != nil {
		opt.IncludeUsage = in.StreamOptions.IncludeUsage
	}
	return req, opt, nil
}

func decodeMessage(m message) (abi.Message, error) {
	parts, err := decodeContent(m.Content)
	if err != nil {
		return abi.Message{}, err
	}
	switch m.Role {
	case "system", "developer":
		return abi.Message{Role: abi.RoleSystem, Content: parts}, nil
	case "user":
		return abi.Message{Role: abi.RoleUser, Content: parts}, nil
	case "assistant":
		for _, tc := range m.ToolCalls {
			if tc.ID == "" || tc.Function.Name == "" {
				return abi.Message{}, fmt.Errorf("tool_calls need an id and a function name")
			}
			parts = append(parts, abi.Part{Type: abi.PartToolCall, ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
		}
		return abi.Message{Role: abi.RoleAssistant, Content: parts}, nil
	case "tool":
		if m.ToolCallID == "" {
			return abi.Message{}, fmt.Errorf("a tool message needs tool_call_id")
		}
		var text strings.Builder
		for _, p := range parts {
			text.WriteString(p.Text)
		}
		return abi.Message{Role: abi.RoleTool, Content: []abi.Part{{Type: abi.PartToolResult, ToolCallID: m.ToolCallID, Content: text.String()}}}, nil
	}
	return abi.Message{}, fmt.Errorf("role %q is not system, developer, user, assistant or tool", m.Role)
}

func decodeContent(c json.RawMessage) ([]abi.Part, error) {
	c = bytes.TrimSpace(c)
	if len(c) == 0 || bytes.Equal(c, []byte("null")) {
		return nil, nil
	}
	s, ps, isString, err := stringor.Array[contentPart](c, "content must be a string or an array of parts")
	if err != nil {
		return nil, err
	}
	if isString {
		return abi.Text(s), nil
	}
	var out []abi.Part
	for _, p := range ps {
		switch p.Type {
		case "text":
			out = append(out, abi.Part{Type: abi.PartText, Text: p.Text})
		case "image_url":
			if p.ImageURL == nil {
				return nil, fmt.Errorf("image_url part without image_url")
			}
			out = append(out, ImagePart(p.ImageURL.URL))
		default:
			return nil, fmt.Errorf("content part type %q is not supported", p.Type)
		}
	}
	return out, nil
}

// ImagePart turns an image URL or a base64 data: URL into an image part.
func ImagePart(u string) abi.Part {
	if rest, ok := strings.CutPrefix(u, "data:"); ok {
		if meta, data, ok := strings.Cut(rest, ","); ok {
			if mt, ok := strings.CutSuffix(meta, ";base64"); ok {
				return abi.Part{Type: abi.PartImage, MediaType: mt, Data: data}
			}
		}
	}
	return abi.Part{Type: abi.PartImage, URL: u}
}

// FinishReason maps a normalized finish reason to OpenAI's. Chat
// Completions has no reason for a paused turn (pause, ABI 1.3): it is
// "stop", as are refusal, error and other.
func FinishReason(r abi.FinishReason) string {
	switch r {
	case abi.FinishLength:
		return "length"
	case abi.FinishToolCalls:
		return "tool_calls"
	case abi.FinishContentFilter:
		return "content_filter"
	}
	return "stop"
}

// ErrorType is the OpenAI error type of a normalized error code: OpenAI
// has no overloaded or timeout type, those are api_error.
func ErrorType(c abi.Code) string {
	switch t := errtype.Of(c); t {
	case "overloaded_error", "timeout_error":
		return "api_error"
	default:
		return t
	}
}

// ErrorBody is the OpenAI error object for e.
func ErrorBody(e *abi.Error) []byte {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": e.Message, "type": ErrorType(e.Code), "param": nil, "code": string(e.Code),
	}})
	return b
}

// WriteError answers with e in OpenAI's error shape and the given status.
func WriteError(w http.ResponseWriter, status int, e *abi.Error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(ErrorBody(e))
}
