package cohere

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

type cFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

type cTool struct {
	Type     string    `json:"type"`
	Function cFunction `json:"function"`
}

type cCallFn struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

type cCall struct {
	ID       string  `json:"id"`
	Type     string  `json:"type"`
	Function cCallFn `json:"function"`
}

type cImageURL struct {
	URL string `json:"url"`
}

type cPart struct {
	Type     string     `json:"type"`
	Text     string     `json:"text,omitempty"`
	ImageURL *cImageURL `json:"image_url,omitempty"`
}

type cMessage struct {
	Role       string  `json:"role"`
	Content    any     `json:"content,omitempty"`
	ToolPlan   string  `json:"tool_plan,omitempty"`
	ToolCalls  []cCall `json:"tool_calls,omitempty"`
	ToolCallID string  `json:"tool_call_id,omitempty"`
}

type cFormat struct {
	Type       string          `json:"type"`
	JSONSchema json.RawMessage `json:"json_schema,omitempty"`
}

type cThinking struct {
	Type        string `json:"type"`
	TokenBudget *int   `json:"token_budget,omitempty"`
}

type cRequest struct {
	Model            string          `json:"model"`
	Messages         []cMessage      `json:"messages"`
	Tools            []cTool         `json:"tools,omitempty"`
	ToolChoice       string          `json:"tool_choice,omitempty"`
	StrictTools      bool            `json:"strict_tools,omitempty"`
	ResponseFormat   *cFormat        `json:"response_format,omitempty"`
	MaxTokens        *int            `json:"max_tokens,omitempty"`
	Temperature      *float64        `json:"temperature,omitempty"`
	P                *float64        `json:"p,omitempty"`
	K                json.RawMessage `json:"k,omitempty"`
	StopSequences    []string        `json:"stop_sequences,omitempty"`
	Seed             json.RawMessage `json:"seed,omitempty"`
	FrequencyPenalty json.RawMessage `json:"frequency_penalty,omitempty"`
	PresencePenalty  json.RawMessage `json:"presence_penalty,omitempty"`
	SafetyMode       json.RawMessage `json:"safety_mode,omitempty"`
	Documents        json.RawMessage `json:"documents,omitempty"`
	Thinking         json.RawMessage `json:"thinking,omitempty"`
	Stream           bool            `json:"stream,omitempty"`
}

func invalid(ptr, format string, args ...any) error {
	return &abi.Error{Code: abi.CodeInvalidRequest, Pointer: ptr, Message: fmt.Sprintf(format, args...)}
}

func unsupported(ptr, model, what, why string) error {
	return &abi.Error{Code: abi.CodeCapabilityUnsupported, Pointer: ptr,
		Message: fmt.Sprintf("cohere model %q does not support %s: %s", model, what, why)}
}

// options reads the provider options into r, checking their JSON kinds.
func options(req *abi.Request, r *cRequest) error {
	for _, k := range slices.Sorted(maps.Keys(req.ProviderOptions)) {
		v := bytes.TrimSpace(req.ProviderOptions[k])
		ptr := "/provider_options/" + k
		kind := byte(0)
		if len(v) > 0 {
			kind = v[0]
		}
		number := kind == '-' || (kind >= '0' && kind <= '9')
		switch k {
		case "k", "seed", "frequency_penalty", "presence_penalty":
			if !number {
				return invalid(ptr, "provider option %q must be a number", k)
			}
		case "safety_mode":
			if kind != '"' {
				return invalid(ptr, `provider option "safety_mode" must be "CONTEXTUAL", "STRICT" or "OFF"`)
			}
		case "documents":
			if kind != '[' {
				return invalid(ptr, `provider option "documents" must be an array of documents`)
			}
		case "thinking":
			var t cThinking
			if kind != '{' || json.Unmarshal(v, &t) != nil || (t.Type != "enabled" && t.Type != "disabled") {
				return invalid(ptr, `provider option "thinking" must be {"type":"enabled"|"disabled"}`)
			}
		default:
			return invalid(ptr, "cohere does not know provider option %q: known options are %s", k, strings.Join(providerOptions, ", "))
		}
		dst := map[string]*json.RawMessage{"k": &r.K, "seed": &r.Seed, "frequency_penalty": &r.FrequencyPenalty,
			"presence_penalty": &r.PresencePenalty, "safety_mode": &r.SafetyMode, "documents": &r.Documents, "thinking": &r.Thinking}[k]
		*dst = v
	}
	return nil
}

// Project builds the v2 Chat request for req.
func (Adapter) Project(req *abi.Request) (*abi.ProviderRequest, error) {
	if req.Model == "" {
		return nil, invalid("/model", "the request names no model: set model")
	}
	f := Features(req.Model)
	r := cRequest{Model: req.Model, Stream: req.Stream, MaxTokens: req.MaxOutputTokens, Temperature: req.Temperature, P: req.TopP, StopSequences: req.Stop}
	if t := req.Temperature; t != nil && (*t < 0 || *t > 1) {
		return nil, invalid("/temperature", "cohere takes temperature in [0, 1], not %g", *t)
	}
	if p := req.TopP; p != nil && (*p < 0.01 || *p > 0.99) {
		return nil, invalid("/top_p", "cohere takes top_p (p) in [0.01, 0.99], not %g", *p)
	}
	if err := options(req, &r); err != nil {
		return nil, err
	}
	if rs := req.Reasoning; rs != nil {
		if rs.Effort != "" {
			return nil, unsupported("/reasoning/effort", req.Model, "reasoning.effort", "Cohere takes a token budget: set reasoning.budget_tokens")
		}
		if rs.BudgetTokens != nil {
			if !f.Reasoning {
				return nil, unsupported("/reasoning/budget_tokens", req.Model, "reasoning", "pick a command-a-reasoning model")
			}
			b, _ := json.Marshal(cThinking{Type: "enabled", TokenBudget: rs.BudgetTokens})
			r.Thinking = b
		}
	}
	if len(req.Tools) > 0 {
		if f.ToolCalling != abi.SupportNative {
			return nil, unsupported("/tools", req.Model, "tools", "send the request without tools or pick a Command model with tool calling")
		}
		strict := 0
		for i, t := range req.Tools {
			if t.Name == "" {
				return nil, invalid(fmt.Sprintf("/tools/%d/name", i), "a tool needs a name")
			}
			if len(t.Parameters) > 0 && !json.Valid(t.Parameters) {
				return nil, invalid(fmt.Sprintf("/tools/%d/parameters", i), "tool parameters are not valid JSON")
			}
			if t.Strict {
				strict++
			}
			r.Tools = append(r.Tools, cTool{Type: "function", Function: cFunction{Name: t.Name, Description: t.Description, Parameters: t.Parameters}})
		}
		if strict > 0 && strict < len(req.Tools) {
			return nil, unsupported("/tools", req.Model, "strict on some tools only", "Cohere's strict_tools applies to every tool of a request; make all tools strict or none")
		}
		r.StrictTools = strict > 0
	}
	if tc := req.ToolChoice; tc != nil {
		switch {
		case tc.Tool != "":
			return nil, unsupported("/tool_choice", req.Model, "a named tool_choice", "Cohere takes required or none; use required with only that tool")
		case tc.Mode == abi.ToolChoiceRequired:
			r.ToolChoice = "REQUIRED"
		case tc.Mode == abi.ToolChoiceNone:
			r.ToolChoice = "NONE"
		}
		if r.ToolChoice != "" && len(req.Tools) == 0 {
			return nil, invalid("/tool_choice", "tool_choice %q needs tools", tc.Mode)
		}
	}
	if rf := req.ResponseFormat; rf != nil && rf.Type == "json_schema" {
		if len(rf.Schema) == 0 || !json.Valid(rf.Schema) {
			return nil, invalid("/response_format/schema", "response_format json_schema needs a valid JSON schema")
		}
		r.ResponseFormat = &cFormat{Type: "json_object", JSONSchema: rf.Schema}
	}
	msgs, err := messages(req, f)
	if err != nil {
		return nil, err
	}
	r.Messages = msgs
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&r); err != nil {
		return nil, abi.Wrap(abi.CodeInvalidRequest, err, "encoding the Cohere request")
	}
	framing := abi.FramingNone
	if req.Stream {
		framing = abi.FramingSSE
	}
	return &abi.ProviderRequest{Method: "POST", Path: Path, Body: bytes.TrimSuffix(buf.Bytes(), []byte("\n")), StreamFraming: framing}, nil
}

// messages projects the conversation.
func messages(req *abi.Request, f abi.Features) ([]cMessage, error) {
	var out []cMessage
	for i, m := range req.Messages {
		ptr := fmt.Sprintf("/messages/%d", i)
		switch m.Role {
		case abi.RoleSystem, abi.RoleUser:
			var parts []cPart
			for j, p := range m.Content {
				switch p.Type {
				case abi.PartText:
					parts = append(parts, cPart{Type: "text", Text: p.Text})
				case abi.PartImage:
					if m.Role == abi.RoleSystem {
						return nil, invalid(fmt.Sprintf("%s/content/%d", ptr, j), "a system message holds only text")
					}
					if !f.Vision {
						return nil, unsupported(fmt.Sprintf("%s/content/%d", ptr, j), req.Model, "image input", "remove the image parts or pick command-a-vision")
					}
					url := p.URL
					if url == "" {
						url = guest.DataURL(p.MediaType, p.Data)
					}
					parts = append(parts, cPart{Type: "image_url", ImageURL: &cImageURL{URL: url}})
				case abi.PartReasoning:
				default:
					return nil, invalid(fmt.Sprintf("%s/content/%d", ptr, j), "a %s message cannot hold %s parts", m.Role, p.Type)
				}
			}
			out = append(out, cMessage{Role: string(m.Role), Content: content(parts)})
		case abi.RoleAssistant:
			msg := cMessage{Role: "assistant"}
			var texts []cPart
			var plan []string
			for j, p := range m.Content {
				switch p.Type {
				case abi.PartText:
					texts = append(texts, cPart{Type: "text", Text: p.Text})
				case abi.PartReasoning:
					if p.Provider == Name && p.Text != "" {
						plan = append(plan, p.Text)
					}
				case abi.PartToolCall:
					args := p.Arguments
					if args == "" {
						args = "{}"
					}
					msg.ToolCalls = append(msg.ToolCalls, cCall{ID: p.ID, Type: "function", Function: cCallFn{Name: p.Name, Arguments: args}})
				default:
					return nil, invalid(fmt.Sprintf("%s/content/%d", ptr, j), "an assistant message cannot hold %s parts", p.Type)
				}
			}
			if len(msg.ToolCalls) > 0 {
				msg.ToolPlan = strings.Join(plan, "")
			}
			msg.Content = content(texts)
			if msg.Content == nil && len(msg.ToolCalls) == 0 {
				continue // an assistant turn of reasoning only has nothing Cohere takes
			}
			out = append(out, msg)
		case abi.RoleTool:
			for j, p := range m.Content {
				if p.Type != abi.PartToolResult {
					return nil, invalid(fmt.Sprintf("%s/content/%d", ptr, j), "a tool message holds tool-result parts only")
				}
				c := p.Content
				if p.IsError {
					b, _ := json.Marshal(map[string]string{"error": c})
					c = string(b)
				}
				out = append(out, cMessage{Role: "tool", ToolCallID: p.ToolCallID, Content: c})
			}
		default:
			return nil, invalid(ptr+"/role", "unknown role %q", m.Role)
		}
	}
	return out, nil
}

// content is a single text as a string, several parts as an array, nothing
// as nil.
func content(parts []cPart) any {
	switch {
	case len(parts) == 0:
		return nil
	case len(parts) == 1 && parts[0].Type == "text":
		return parts[0].Text
	}
	return parts
}
