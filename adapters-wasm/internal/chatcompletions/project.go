package chatcompletions

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/wirejson"
	"github.com/wasmadapt/wasmadapt/guest"
)

// DefaultPath is the Chat Completions path relative to the base URL.
const DefaultPath = "/v1/chat/completions"

var invalid = guest.Invalid

func (d *Dialect) unsupported(model, feature, what string) error {
	return guest.ModelUnsupported(d.Provider, model, feature, what)
}

type textPart struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type imageURL struct {
	URL string `json:"url"`
}

type imagePart struct {
	Type     string   `json:"type"`
	ImageURL imageURL `json:"image_url"`
}

// filePart is a {"type":"file"} content part.
type filePart struct {
	Type string   `json:"type"`
	File wireFile `json:"file"`
}

type wireFile struct {
	Filename string `json:"filename,omitempty"`
	FileData string `json:"file_data,omitempty"`
	FileID   string `json:"file_id,omitempty"`
}

// projectFile projects a file part for a dialect with FileParts: a PDF
// inline (as a data URL, with a file name, which the API requires) or a
// file ID; URLs and other inline media types are refused.
func (d *Dialect) projectFile(p abi.Part, pointer string, m Model, model string) (filePart, error) {
	if !d.FileParts {
		return filePart{}, guest.Unsupported(pointer, "%s takes no file parts through Chat Completions: remove them or use a provider with document input", d.Name)
	}
	src, err := abi.FileSource(&p, pointer)
	if err != nil {
		return filePart{}, err
	}
	if !m.Features.Vision {
		return filePart{}, d.unsupported(model, "file input", "remove the file parts or pick a model with vision, which reads PDFs")
	}
	f := filePart{Type: "file", File: wireFile{Filename: p.Filename}}
	switch src {
	case abi.FileStored:
		f.File.FileID = p.FileID
	case abi.FileURL:
		return filePart{}, guest.Unsupported(pointer+"/url", "Chat Completions takes files inline or by file_id, not by URL: pass the data (base64) or upload the file")
	default:
		if f.File.Filename, f.File.FileData, err = InlinePDF(&p, pointer, "Chat Completions"); err != nil {
			return filePart{}, err
		}
	}
	return f, nil
}

// InlinePDF is the file name and file_data of an inline file part p at
// pointer for OpenAI's APIs (api names the API in the refusal): a PDF only,
// sent as a data URL, named by p's file name or document.pdf (the APIs
// require a name).
func InlinePDF(p *abi.Part, pointer, api string) (filename, data string, err error) {
	if p.MediaType != abi.MediaTypePDF {
		return "", "", guest.Unsupported(pointer+"/media_type", "%s takes inline files as PDF, not %q: upload the file and pass its file_id", api, p.MediaType)
	}
	filename = p.Filename
	if filename == "" {
		filename = "document.pdf"
	}
	return filename, guest.DataURL(p.MediaType, p.Data), nil
}

// audioPart is an input_audio content part.
type audioPart struct {
	Type       string    `json:"type"`
	InputAudio wireAudio `json:"input_audio"`
}

type wireAudio struct {
	Data   string `json:"data"`
	Format string `json:"format"`
}

// audioFormats maps the media types input_audio takes to its formats.
var audioFormats = map[string]string{"audio/wav": "wav", "audio/x-wav": "wav", "audio/wave": "wav", "audio/mpeg": "mp3", "audio/mp3": "mp3"}

// projectAudio projects an audio part for a model that takes audio
// input: base64 wav or mp3 only.
func (d *Dialect) projectAudio(p abi.Part, pointer, model string) (audioPart, error) {
	if d.AudioInput == nil || !d.AudioInput(model) {
		return audioPart{}, d.unsupported(model, "audio input", "remove the audio parts or pick a model with audio input")
	}
	if p.Data == "" {
		return audioPart{}, guest.Unsupported(pointer, "input_audio takes base64 data, not a URL: pass the audio's data")
	}
	f, ok := audioFormats[p.MediaType]
	if !ok {
		return audioPart{}, guest.Unsupported(pointer+"/media_type", "input_audio takes wav or mp3 audio, not %q", p.MediaType)
	}
	return audioPart{Type: "input_audio", InputAudio: wireAudio{Data: p.Data, Format: f}}, nil
}

type toolCallFn struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

type toolCall struct {
	ID       string     `json:"id"`
	Type     string     `json:"type"`
	Function toolCallFn `json:"function"`
}

type wireMessage struct {
	Role       string     `json:"role"`
	Content    any        `json:"content,omitempty"`
	Name       string     `json:"name,omitempty"`
	ToolCalls  []toolCall `json:"tool_calls,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"`
	// ReasoningContent is sent only with Dialect.EchoReasoning.
	ReasoningContent *string `json:"reasoning_content,omitempty"`
}

type wireFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Strict      bool            `json:"strict,omitempty"`
}

type wireTool struct {
	Type     string       `json:"type"`
	Function wireFunction `json:"function"`
}

func (d *Dialect) toolID(id string) string {
	if d.ToolCallID != nil {
		return d.ToolCallID(id)
	}
	return id
}

// Project builds the Chat Completions request for req.
func (d *Dialect) Project(req *abi.Request) (*abi.ProviderRequest, error) {
	if req.Model == "" {
		return nil, invalid("/model", "the request names no model: set model")
	}
	if d.Rewrite != nil {
		r, err := d.Rewrite(req)
		if err != nil {
			return nil, err
		}
		req = r
	}
	m := d.projectModel(req.Model)
	f := m.Features
	var body Body
	body.SetCompact("model", appendStr(nil, req.Model))

	msgs, err := d.projectMessages(req, m)
	if err != nil {
		return nil, err
	}
	raw, err := appendMessages(nil, msgs)
	if err != nil {
		return nil, err
	}
	body.SetCompact("messages", raw)

	if err := req.RefuseProviderTools(d.Name); err != nil {
		return nil, err
	}
	toolNames := map[string]bool{}
	if len(req.Tools) > 0 {
		if f.ToolCalling != abi.SupportNative {
			return nil, d.unsupported(req.Model, "tools", "send the request without tools or pick a model with tool calling")
		}
		tools, err := projectTools(req.Tools, toolNames)
		if err != nil {
			return nil, err
		}
		body.SetCompact("tools", tools)
	}
	if tc := req.ToolChoice; tc != nil {
		name, mode, err := ToolChoice(tc, toolNames, len(req.Tools))
		if err != nil {
			return nil, err
		}
		switch {
		case name != "":
			tool := append([]byte(`{"type":"function","function":{"name":`), appendStr(nil, name)...)
			body.SetCompact("tool_choice", append(tool, '}', '}'))
		case mode != "":
			body.SetCompact("tool_choice", appendStr(nil, mode))
		}
	}
	if rf := req.ResponseFormat; rf != nil && rf.Type != "" && rf.Type != "text" {
		name, schema, err := JSONSchema(rf, d.Provider, req.Model, f.StructuredOutput)
		if err != nil {
			return nil, err
		}
		js := struct {
			Name   string          `json:"name"`
			Schema json.RawMessage `json:"schema"`
			Strict bool            `json:"strict,omitempty"`
		}{name, schema, rf.Strict}
		if err := body.Set("response_format", struct {
			Type       string `json:"type"`
			JSONSchema any    `json:"json_schema"`
		}{"json_schema", js}); err != nil {
			return nil, err
		}
	}
	if err := m.SetSampling(req, d.Provider, &body); err != nil {
		return nil, err
	}
	if len(req.Stop) > 0 {
		if send, err := m.SendsField(d.Provider, req.Model, FeatureStop); err != nil {
			return nil, err
		} else if send {
			body.SetCompact("stop", wirejson.Strings(nil, req.Stop, false))
		}
	}
	if req.MaxOutputTokens != nil {
		if *req.MaxOutputTokens <= 0 {
			return nil, invalid("/max_output_tokens", "max_output_tokens must be positive")
		}
		if send, err := m.SendsField(d.Provider, req.Model, FeatureMaxTokens); err != nil {
			return nil, err
		} else if send {
			field := d.MaxTokensField
			if field == "" {
				field = "max_tokens"
			}
			body.SetCompact(field, strconv.AppendInt(nil, int64(*req.MaxOutputTokens), 10))
		}
	}
	if r := req.Reasoning; r != nil {
		if r.BudgetTokens != nil {
			if send, err := m.SendsField(d.Provider, req.Model, FeatureReasoningBudget); err != nil {
				return nil, err
			} else if send {
				return nil, d.unsupported(req.Model, FeatureReasoningBudget, "Chat Completions takes an effort level: set reasoning.effort instead")
			}
		}
		if r.Effort != "" {
			if !f.Reasoning || d.ReasoningEffortField == "" {
				return nil, d.unsupported(req.Model, FeatureReasoningEffort, "it is not a reasoning model: drop reasoning")
			}
			if send, err := m.SendsField(d.Provider, req.Model, FeatureReasoningEffort); err != nil {
				return nil, err
			} else if send {
				body.SetCompact(d.ReasoningEffortField, appendStr(nil, r.Effort))
			}
		}
	}
	if err := d.applyOptions(req, &body); err != nil {
		return nil, err
	}
	framing := abi.FramingNone
	if req.Stream {
		if !f.Streaming {
			return nil, d.unsupported(req.Model, "streaming", "send the request with stream false")
		}
		framing = abi.FramingSSE
		body.SetRaw("stream", json.RawMessage("true"))
		if d.StreamUsage {
			body.SetRaw("stream_options", json.RawMessage(`{"include_usage":true}`))
		}
	}
	if d.Extend != nil {
		if err := d.Extend(req, &body); err != nil {
			return nil, err
		}
	}
	raw, err = body.MarshalJSON()
	if err != nil {
		return nil, err
	}
	pr := &abi.ProviderRequest{Method: "POST", Path: DefaultPath, Body: raw, StreamFraming: framing}
	if d.Route != nil {
		if pr.Path, pr.Query, err = d.Route(req); err != nil {
			return nil, err
		}
	}
	if d.Headers != nil {
		pr.Headers = d.Headers(req)
	}
	return pr, nil
}

// toolsCache holds the projected tools blocks of recent requests: the
// block depends on the tools alone (the model's tool-calling gate and the
// tool_choice check come before and after it).
var toolsCache guest.ToolsCache[[]byte]

// projectTools returns the tools block of a request (a JSON array) and
// records the tools' names in toolNames. A block projected before is
// taken from toolsCache.
func projectTools(defs []abi.ToolDefinition, toolNames map[string]bool) (json.RawMessage, error) {
	key := guest.ToolsKey(nil, "", defs)
	if block, ok := toolsCache.Get(key); ok {
		for _, t := range defs {
			toolNames[t.Name] = true
		}
		return block, nil
	}
	tools := make([]wireTool, 0, len(defs))
	for i, t := range defs {
		params, err := FunctionTool(&t, fmt.Sprintf("/tools/%d", i), toolNames)
		if err != nil {
			return nil, err
		}
		tools = append(tools, wireTool{Type: "function", Function: wireFunction{Name: t.Name, Description: t.Description, Parameters: params, Strict: t.Strict}})
	}
	block := appendTools(nil, tools)
	toolsCache.Put(key, block, len(block))
	return block, nil
}

func mustMarshal(v any) json.RawMessage {
	b, err := marshal(v)
	if err != nil {
		panic(err) // only called with values that always encode
	}
	return b
}

func (d *Dialect) applyOptions(req *abi.Request, body *Body) error {
	keys := make([]string, 0, len(req.ProviderOptions))
	for k := range req.ProviderOptions {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if why, ok := d.Refused[k]; ok {
			return guest.Unsupported("/provider_options/"+guest.PointerToken(k),
				"%s model %q does not support provider option %q: %s", d.Provider, req.Model, k, why)
		}
		i := slices.IndexFunc(d.Options, func(o Option) bool { return o.Key == k })
		if i < 0 {
			known := make([]string, len(d.Options))
			for j, o := range d.Options {
				known[j] = o.Key
			}
			slices.Sort(known)
			return invalid("/provider_options/"+guest.PointerToken(k), "%s does not know provider option %q: known options are %s", d.Name, k, strings.Join(known, ", "))
		}
		if err := d.Options[i].Apply(req.ProviderOptions[k], body); err != nil {
			var e *abi.Error
			if ae, ok := err.(*abi.Error); ok {
				e = ae
			} else {
				e = &abi.Error{Code: abi.CodeInvalidRequest, Message: err.Error()}
			}
			if e.Pointer == "" {
				e.Pointer = "/provider_options/" + guest.PointerToken(k)
			}
			return e
		}
	}
	return nil
}

// StringOption returns the string value of the provider option key of req
// ("" when it is absent or not a string).
func StringOption(req *abi.Request, key string) string {
	var s string
	if v, ok := req.ProviderOptions[key]; ok {
		_ = json.Unmarshal(v, &s)
	}
	return s
}

// PassThrough returns an Option that copies the value of key to the body
// field of the same name, after checking it is one of the given JSON kinds
// ("string", "number", "integer", "boolean", "object", "array").
func PassThrough(key string, kinds ...string) Option {
	return Option{Key: key, Apply: func(v json.RawMessage, body *Body) error {
		var x any
		if err := json.Unmarshal(v, &x); err != nil {
			return err
		}
		ok := false
		for _, k := range kinds {
			switch x := x.(type) {
			case string:
				ok = ok || k == "string"
			case float64:
				ok = ok || k == "number" || (k == "integer" && x == float64(int64(x)))
			case bool:
				ok = ok || k == "boolean"
			case map[string]any:
				ok = ok || k == "object"
			case []any:
				ok = ok || k == "array"
			}
		}
		if !ok {
			return fmt.Errorf("provider option %q must be of type %s", key, strings.Join(kinds, " or "))
		}
		body.SetRaw(key, v)
		return nil
	}}
}

func (d *Dialect) projectMessages(req *abi.Request, m Model) ([]wireMessage, error) {
	out := make([]wireMessage, 0, len(req.Messages))
	for i, msg := range req.Messages {
		ptr := fmt.Sprintf("/messages/%d", i)
		switch msg.Role {
		case abi.RoleSystem:
			texts, err := m.SystemTexts(&msg, ptr, d.Provider, req.Model)
			if err != nil {
				return nil, err
			}
			parts := make([]textPart, len(texts))
			for j, t := range texts {
				parts[j] = textPart{"text", t}
			}
			out = append(out, wireMessage{Role: "system", Content: textContent(parts)})
		case abi.RoleUser, abi.RoleTool:
			var parts []any
			onlyText := true
			for j, p := range msg.Content {
				pptr := fmt.Sprintf("%s/content/%d", ptr, j)
				switch p.Type {
				case abi.PartText:
					if msg.Role == abi.RoleTool {
						return nil, invalid(pptr, "a tool message holds tool-result parts only: put text in a user message")
					}
					parts = append(parts, textPart{"text", p.Text})
				case abi.PartImage:
					if msg.Role == abi.RoleTool {
						return nil, invalid(pptr, "a tool message holds tool-result parts only")
					}
					url, err := m.ImageURL(&p, pptr, d.Provider, req.Model)
					if err != nil {
						return nil, err
					}
					parts = append(parts, imagePart{"image_url", imageURL{url}})
					onlyText = false
				case abi.PartAudio:
					if msg.Role == abi.RoleTool {
						return nil, invalid(pptr, "a tool message holds tool-result parts only")
					}
					a, err := d.projectAudio(p, pptr, req.Model)
					if err != nil {
						return nil, err
					}
					parts = append(parts, a)
					onlyText = false
				case abi.PartFile:
					if msg.Role == abi.RoleTool {
						return nil, invalid(pptr, "a tool message holds tool-result parts only")
					}
					f, err := d.projectFile(p, pptr, m, req.Model)
					if err != nil {
						return nil, err
					}
					parts = append(parts, f)
					onlyText = false
				case abi.PartToolResult:
					if p.ToolCallID == "" {
						return nil, invalid(pptr+"/tool_call_id", "a tool result needs the tool_call_id of its call")
					}
					content := p.Content
					if p.IsError {
						// Chat Completions has no error flag on tool results:
						// say it in the content, where the model reads it.
						content = "Error: " + content
					}
					wm := wireMessage{Role: "tool", Content: content, ToolCallID: d.toolID(p.ToolCallID)}
					if d.ToolResultName {
						wm.Name = p.Name
					}
					if wm.Content == "" {
						wm.Content = json.RawMessage(`""`)
					}
					out = append(out, wm)
				case abi.PartReasoning:
					// never sent to Chat Completions
				default:
					return nil, invalid(pptr, "a %s message cannot hold a %s part", msg.Role, p.Type)
				}
			}
			if len(parts) > 0 {
				if onlyText && len(parts) == 1 {
					out = append(out, wireMessage{Role: "user", Content: parts[0].(textPart).Text})
				} else {
					out = append(out, wireMessage{Role: "user", Content: parts})
				}
			} else if msg.Role == abi.RoleUser && !hasToolResult(msg.Content) {
				return nil, invalid(ptr+"/content", "a user message needs content")
			}
		case abi.RoleAssistant:
			var texts []textPart
			var calls []toolCall
			var reasoning strings.Builder
			for j, p := range msg.Content {
				pptr := fmt.Sprintf("%s/content/%d", ptr, j)
				switch p.Type {
				case abi.PartText:
					texts = append(texts, textPart{"text", p.Text})
				case abi.PartToolCall:
					args, err := CallArguments(&p, pptr)
					if err != nil {
						return nil, err
					}
					calls = append(calls, toolCall{ID: d.toolID(p.ID), Type: "function", Function: toolCallFn{p.Name, args}})
				case abi.PartReasoning:
					// Reasoning is not part of the Chat Completions history
					// (thinking-block scrubbing): dropped, except a dialect's
					// own reasoning on tool-call turns with EchoReasoning.
					if d.EchoReasoning && (p.Provider == d.Name || p.Provider == d.Provider) {
						reasoning.WriteString(p.Text)
					}
				default:
					return nil, invalid(pptr, "an assistant message cannot hold a %s part", p.Type)
				}
			}
			wm := wireMessage{Role: "assistant", ToolCalls: calls}
			if d.EchoReasoning && len(calls) > 0 && d.reasoningMode(req, m) {
				r := reasoning.String()
				wm.ReasoningContent = &r
			}
			if len(texts) > 0 {
				wm.Content = textContent(texts)
			} else if len(calls) == 0 {
				wm.Content = json.RawMessage(`""`)
			}
			out = append(out, wm)
		default:
			return nil, invalid(ptr+"/role", "unknown role %q: use system, user, assistant or tool", msg.Role)
		}
	}
	if len(out) == 0 {
		return nil, invalid("/messages", "the request has no messages")
	}
	return out, nil
}

func (d *Dialect) reasoningMode(req *abi.Request, m Model) bool {
	if d.ReasoningMode != nil {
		return d.ReasoningMode(req)
	}
	return m.Features.Reasoning
}

func hasToolResult(parts []abi.Part) bool {
	for _, p := range parts {
		if p.Type == abi.PartToolResult {
			return true
		}
	}
	return false
}

// textContent is a string for one text part, an array of text parts
// otherwise (keeping the parts' boundaries).
func textContent(texts []textPart) any {
	switch len(texts) {
	case 0:
		return json.RawMessage(`""`)
	case 1:
		if texts[0].Text == "" {
			return json.RawMessage(`""`)
		}
		return texts[0].Text
	}
	return texts
}
