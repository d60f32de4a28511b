package ollama

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
	"github.com/wasmadapt/wasmadapt/guest"
)

type oRequest struct {
	Model     string          `json:"model"`
	Messages  []oMessage      `json:"messages"`
	Tools     []oTool         `json:"tools,omitempty"`
	Format    json.RawMessage `json:"format,omitempty"`
	Think     json.RawMessage `json:"think,omitempty"`
	Options   json.RawMessage `json:"options,omitempty"`
	KeepAlive json.RawMessage `json:"keep_alive,omitempty"`
	Stream    bool            `json:"stream"`
}

type oMessage struct {
	Role      string      `json:"role"`
	Content   string      `json:"content"`
	Thinking  string      `json:"thinking,omitempty"`
	Images    []string    `json:"images,omitempty"`
	ToolCalls []oToolCall `json:"tool_calls,omitempty"`
	ToolName  string      `json:"tool_name,omitempty"`
}

type oToolCall struct {
	Function oFunctionCall `json:"function"`
}

type oFunctionCall struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

type oTool struct {
	Type     string    `json:"type"`
	Function oFunction `json:"function"`
}

type oFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

var invalid = guest.Invalid

func unsupportedCap(model, format string, args ...any) error {
	return guest.Unsupported("", "model %q: "+format, append([]any{model}, args...)...)
}

// Project turns a normalized request into an Ollama /api/chat request.
func (Adapter) Project(req *abi.Request) (*abi.ProviderRequest, error) {
	if strings.TrimSpace(req.Model) == "" {
		return nil, invalid("/model", "the request names no model")
	}
	f := features(req.Model)
	body := oRequest{Model: req.Model, Stream: req.Stream}
	if err := messages(req, &body); err != nil {
		return nil, err
	}
	// Tools and tool choice.
	sendTools := true
	if tc := req.ToolChoice; tc != nil {
		switch {
		case tc.Tool != "" || tc.Mode == abi.ToolChoiceRequired:
			return nil, unsupportedCap(req.Model, "Ollama cannot force a tool call (tool_choice %q); use \"auto\"", toolChoiceString(tc))
		case tc.Mode == abi.ToolChoiceNone:
			sendTools = false
		}
	}
	if err := req.RefuseProviderTools("Ollama"); err != nil {
		return nil, err
	}
	if len(req.Tools) > 0 && sendTools {
		if f.ToolCalling == abi.SupportNone {
			return nil, unsupportedCap(req.Model, "tool calling is not supported")
		}
		seen := map[string]bool{}
		for i, t := range req.Tools {
			ptr := "/tools/" + strconv.Itoa(i)
			if t.Name == "" || seen[t.Name] {
				return nil, invalid(ptr+"/name", "tool names must be non-empty and unique (%q)", t.Name)
			}
			seen[t.Name] = true
			ot := oTool{Type: "function", Function: oFunction{Name: t.Name, Description: t.Description}}
			if p := bytes.TrimSpace(t.Parameters); len(p) > 0 && !bytes.Equal(p, []byte("null")) {
				if !json.Valid(p) || p[0] != '{' {
					return nil, invalid(ptr+"/parameters", "tool parameters must be a JSON Schema object")
				}
				ot.Function.Parameters = p
			} else {
				ot.Function.Parameters = json.RawMessage(`{"type":"object","properties":{}}`)
			}
			body.Tools = append(body.Tools, ot)
		}
	}
	// Structured output.
	if rf := req.ResponseFormat; rf != nil {
		switch rf.Type {
		case "", "text":
		case "json_schema":
			if f.StructuredOutput == abi.SupportNone {
				return nil, unsupportedCap(req.Model, "structured output is not supported")
			}
			if s := bytes.TrimSpace(rf.Schema); len(s) > 0 && !bytes.Equal(s, []byte("null")) {
				if !json.Valid(s) || s[0] != '{' {
					return nil, invalid("/response_format/schema", "response_format.schema must be a JSON Schema object")
				}
				body.Format = s
			} else {
				body.Format = json.RawMessage(`"json"`)
			}
		default:
			return nil, invalid("/response_format/type", `response_format.type must be "text" or "json_schema", not %q`, rf.Type)
		}
	}
	// Reasoning.
	if r := req.Reasoning; r != nil {
		if r.BudgetTokens != nil {
			return nil, unsupportedCap(req.Model, "Ollama has no thinking budget (reasoning.budget_tokens); use reasoning.effort")
		}
		switch r.Effort {
		case "none":
			body.Think = json.RawMessage("false")
		case "":
			if !f.Reasoning {
				return nil, unsupportedCap(req.Model, "reasoning (thinking) is not supported")
			}
			body.Think = json.RawMessage("true")
		case "low", "medium", "high":
			if !f.Reasoning {
				return nil, unsupportedCap(req.Model, "reasoning (thinking) is not supported")
			}
			if strings.Contains(strings.ToLower(req.Model), "gpt-oss") {
				body.Think = json.RawMessage(`"` + r.Effort + `"`)
			} else {
				body.Think = json.RawMessage("true")
			}
		default:
			return nil, invalid("/reasoning/effort", `reasoning.effort must be "none", "low", "medium" or "high" for Ollama`)
		}
	}
	// Options.
	opts := map[string]any{}
	if req.MaxOutputTokens != nil {
		opts["num_predict"] = *req.MaxOutputTokens
	}
	if req.Temperature != nil {
		opts["temperature"] = *req.Temperature
	}
	if req.TopP != nil {
		opts["top_p"] = *req.TopP
	}
	if len(req.Stop) > 0 {
		opts["stop"] = req.Stop
	}
	keys := make([]string, 0, len(req.ProviderOptions))
	for k := range req.ProviderOptions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := bytes.TrimSpace(req.ProviderOptions[k])
		ptr := "/provider_options/" + guest.PointerToken(k)
		switch k {
		case "keep_alive":
			if len(v) == 0 || (v[0] != '"' && (v[0] < '0' || v[0] > '9') && v[0] != '-') || !json.Valid(v) {
				return nil, invalid(ptr, `keep_alive must be a duration string ("5m") or a number of seconds`)
			}
			body.KeepAlive = v
		case "options":
			var extra map[string]json.RawMessage
			if json.Unmarshal(v, &extra) != nil {
				return nil, invalid(ptr, "options must be an object of Ollama model options")
			}
			for ek, ev := range extra {
				if _, dup := opts[ek]; dup {
					return nil, invalid(ptr+"/"+guest.PointerToken(ek), "option %q is also set by the normalized request; set it in one place", ek)
				}
				opts[ek] = ev
			}
		case "think_tags":
			var b bool
			if json.Unmarshal(v, &b) != nil {
				return nil, invalid(ptr, "think_tags must be a boolean")
			}
			// Read by Transform and ParseResponse from the stream context.
		default:
			return nil, invalid(ptr, "unknown provider option %q; the ollama adapter reads %s", k, strings.Join(providerOptions, ", "))
		}
	}
	if len(opts) > 0 {
		b, err := json.Marshal(opts) // map keys are sorted: deterministic
		if err != nil {
			return nil, abi.Wrap(abi.CodeInvalidRequest, err, "encoding options")
		}
		body.Options = b
	}
	pr, err := opkit.PostJSON("/api/chat", &body, "the Ollama request")
	if err != nil {
		return nil, err
	}
	if req.Stream {
		pr.StreamFraming = abi.FramingNDJSON
	}
	return pr, nil
}

func toolChoiceString(tc *abi.ToolChoice) string {
	if tc.Tool != "" {
		return "tool " + tc.Tool
	}
	return tc.Mode
}

func messages(req *abi.Request, body *oRequest) error {
	names := map[string]string{} // tool-call id -> name
	f := features(req.Model)
	for mi, m := range req.Messages {
		mptr := "/messages/" + strconv.Itoa(mi)
		var texts []string
		om := oMessage{Role: string(m.Role)}
		switch m.Role {
		case abi.RoleSystem, abi.RoleUser, abi.RoleAssistant:
		case abi.RoleTool:
		default:
			return invalid(mptr+"/role", "unknown role %q", m.Role)
		}
		var results []oMessage
		for pi, p := range m.Content {
			pptr := mptr + "/content/" + strconv.Itoa(pi)
			switch p.Type {
			case abi.PartText:
				if m.Role == abi.RoleTool {
					return invalid(pptr, "a tool message may hold only tool-result parts")
				}
				texts = append(texts, p.Text)
			case abi.PartImage:
				if m.Role != abi.RoleUser {
					return invalid(pptr, "only user messages may hold images")
				}
				if !f.Vision {
					return unsupportedCap(req.Model, "images (vision) are not supported")
				}
				if p.Data == "" {
					return abi.Errorf(abi.CodeCapabilityUnsupported, "Ollama takes images inline (base64 data), not by URL (at %s)", pptr)
				}
				om.Images = append(om.Images, p.Data)
			case abi.PartReasoning:
				if m.Role == abi.RoleAssistant && p.Provider == Name && p.Text != "" {
					om.Thinking += p.Text
				}
			case abi.PartToolCall:
				if m.Role != abi.RoleAssistant {
					return invalid(pptr, "only assistant messages may hold tool-calls")
				}
				args := bytes.TrimSpace([]byte(p.Arguments))
				if len(args) == 0 {
					args = []byte("{}")
				}
				if args[0] != '{' || !json.Valid(args) {
					return invalid(pptr+"/arguments", "tool-call arguments must be a JSON object")
				}
				if p.Name == "" {
					return invalid(pptr+"/name", "a tool-call needs a name")
				}
				names[p.ID] = p.Name
				om.ToolCalls = append(om.ToolCalls, oToolCall{Function: oFunctionCall{Name: p.Name, Arguments: args}})
			case abi.PartToolResult:
				if m.Role != abi.RoleTool && m.Role != abi.RoleUser {
					return invalid(pptr, "tool-results belong in tool messages")
				}
				name := p.Name
				if name == "" {
					name = names[p.ToolCallID]
				}
				if name == "" {
					return invalid(pptr, "tool-result %q answers no earlier tool-call and names no tool: Ollama needs the tool's name", p.ToolCallID)
				}
				results = append(results, oMessage{Role: "tool", Content: p.Content, ToolName: name})
			default:
				return invalid(pptr, "unknown part type %q", p.Type)
			}
		}
		om.Content = strings.Join(texts, "\n")
		// Tool results answer the calls before this message: they go
		// first, then whatever else a (user) message holds.
		body.Messages = append(body.Messages, results...)
		if m.Role != abi.RoleTool && (om.Content != "" || len(om.Images) > 0 || len(om.ToolCalls) > 0 || om.Thinking != "" || len(results) == 0) {
			body.Messages = append(body.Messages, om)
		}
	}
	if len(body.Messages) == 0 {
		return invalid("/messages", "the request has no messages")
	}
	return nil
}
