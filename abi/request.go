package abi

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// Request is the normalized, provider-agnostic request. Its JSON form is the
// input of wasmadapt_project and is documented in abi/README.md.
type Request struct {
	// SessionID and TraceID key the conversation and the trace; adapters
	// never send them to a provider unless a provider option says so.
	SessionID string `json:"session_id,omitempty"`
	TraceID   string `json:"trace_id,omitempty"`
	// Model is the provider's model name (or deployment, for hosts that
	// route by deployment).
	Model    string           `json:"model"`
	Messages []Message        `json:"messages,omitempty"`
	Tools    []ToolDefinition `json:"tools,omitempty"`
	// ToolChoice is nil when the request does not say (provider default).
	ToolChoice     *ToolChoice     `json:"tool_choice,omitempty"`
	ResponseFormat *ResponseFormat `json:"response_format,omitempty"`
	Stream         bool            `json:"stream,omitempty"`
	// Optional sampling settings: nil means "not set".
	MaxOutputTokens *int       `json:"max_output_tokens,omitempty"`
	Temperature     *float64   `json:"temperature,omitempty"`
	TopP            *float64   `json:"top_p,omitempty"`
	Stop            []string   `json:"stop,omitempty"`
	Reasoning       *Reasoning `json:"reasoning,omitempty"`
	// ProviderOptions are passed to the adapter as is; each adapter
	// documents the keys it reads and refuses unknown ones.
	ProviderOptions map[string]json.RawMessage `json:"provider_options,omitempty"`
}

// Context returns the request without its messages: the "stream context"
// the host passes to wasmadapt_transform and the response exports, so that
// a stream can be interpreted (model, tools, response format, provider
// options) without resending the conversation.
func (r *Request) Context() Request {
	c := *r
	c.Messages = nil
	return c
}

// Role is a message role.
type Role string

// The message roles.
const (
	RoleSystem    Role = "system"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
	RoleTool      Role = "tool"
)

// Message is one turn of the conversation. In JSON, Content is either a
// string (one text part) or an array of parts.
type Message struct {
	Role    Role   `json:"role"`
	Content []Part `json:"-"`
	// Cache marks the end of the message as a cache breakpoint (ABI 1.2):
	// the prompt up to and including this message may be cached. On a
	// system message it marks the system prompt.
	Cache *Cache `json:"cache,omitempty"`
}

type messageJSON struct {
	Role    Role            `json:"role"`
	Content json.RawMessage `json:"content"`
	Cache   *Cache          `json:"cache,omitempty"`
}

// MarshalJSON writes Content as a string when it is a single text part, as
// an array of parts otherwise.
func (m Message) MarshalJSON() ([]byte, error) {
	var content []byte
	var err error
	if len(m.Content) == 1 && m.Content[0].Type == PartText && m.Content[0].Cache == nil {
		content, err = json.Marshal(m.Content[0].Text)
	} else if m.Content == nil {
		content = []byte("[]")
	} else {
		content, err = json.Marshal(m.Content)
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(messageJSON{Role: m.Role, Content: content, Cache: m.Cache})
}

// UnmarshalJSON accepts content as a string or an array of parts.
func (m *Message) UnmarshalJSON(b []byte) error {
	var mj messageJSON
	if err := json.Unmarshal(b, &mj); err != nil {
		return err
	}
	m.Role = mj.Role
	m.Cache = mj.Cache
	m.Content = nil
	c := bytes.TrimSpace(mj.Content)
	switch {
	case len(c) == 0 || bytes.Equal(c, []byte("null")):
	case c[0] == '"':
		var s string
		if err := json.Unmarshal(c, &s); err != nil {
			return err
		}
		m.Content = []Part{{Type: PartText, Text: s}}
	case c[0] == '[':
		if err := json.Unmarshal(c, &m.Content); err != nil {
			return err
		}
	default:
		return errors.New("message content must be a string or an array of parts")
	}
	return nil
}

// PartType names a kind of content part.
type PartType string

// The content part types.
const (
	PartText       PartType = "text"
	PartImage      PartType = "image"
	PartReasoning  PartType = "reasoning"
	PartToolCall   PartType = "tool-call"
	PartToolResult PartType = "tool-result"
	// PartFile is a document (ABI 1.2): a PDF or a text document, inline
	// (MediaType + base64 Data), by URL, or by a provider's FileID.
	PartFile PartType = "file"
	// PartAudio is audio input (ABI 1.2): MediaType (audio/wav,
	// audio/mpeg, ...) and base64 Data, or a URL where the provider
	// fetches audio.
	PartAudio PartType = "audio"
)

// Part is one piece of a message's content. Which fields are meaningful
// depends on Type; abi/README.md lists them.
type Part struct {
	Type PartType `json:"type"`
	// text, reasoning
	Text string `json:"text,omitempty"`
	// image, file, audio: inline (MediaType + base64 Data) or by URL.
	MediaType string `json:"media_type,omitempty"`
	Data      string `json:"data,omitempty"`
	URL       string `json:"url,omitempty"`
	// file (ABI 1.2): FileID names a file uploaded to the provider's file
	// store (used instead of Data or URL); Filename is the document's
	// name, shown to the model where the provider takes one.
	FileID   string `json:"file_id,omitempty"`
	Filename string `json:"filename,omitempty"`
	// reasoning: Signature authenticates Text for the provider that made
	// it; Redacted carries opaque reasoning the provider encrypted; Provider
	// names the provider (module) that produced it, so that reasoning is
	// echoed only to that provider.
	Signature string `json:"signature,omitempty"`
	Redacted  string `json:"redacted,omitempty"`
	Provider  string `json:"provider,omitempty"`
	// tool-call
	ID        string `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments,omitempty"`
	// tool-result (Name is shared with tool-call)
	ToolCallID string `json:"tool_call_id,omitempty"`
	Content    string `json:"content,omitempty"`
	IsError    bool   `json:"is_error,omitempty"`
	// server-tool-call, server-tool-result (ABI 1.3; ID, Name, Content,
	// IsError and Provider shared): Input is a server tool call's input,
	// a JSON object's text.
	Input string `json:"input,omitempty"`
	// approval-response (ABI 1.3; ToolCallID names the approval request,
	// Content is the reason given, Provider is shared): Approved says the
	// call may run.
	Approved bool `json:"approved,omitempty"`
	// Cache marks the end of this part as a cache breakpoint (ABI 1.2).
	Cache *Cache `json:"cache,omitempty"`
}

// Text returns a message content of a single text part.
func Text(s string) []Part { return []Part{{Type: PartText, Text: s}} }

// ToolDefinition is the one definition of a tool; every provider's tool
// schema is generated from it.
type ToolDefinition struct {
	// Type is "" or ToolFunction for a function tool the caller runs, or
	// ToolProvider (ABI 1.2) for a tool the provider runs itself, named by
	// its normalized kind (ProviderToolWebSearch, ...) and configured by
	// Options; a module projects the kinds its provider has and refuses
	// the others with capability_unsupported.
	Type        string `json:"type,omitempty"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Parameters is a JSON Schema for the arguments object.
	Parameters json.RawMessage `json:"parameters,omitempty"`
	// Strict asks the provider to enforce the schema exactly, where it can.
	Strict bool `json:"strict,omitempty"`
	// Options configure a provider tool; each module documents the keys
	// it reads and refuses unknown ones.
	Options json.RawMessage `json:"options,omitempty"`
	// Cache marks the tool list up to and including this tool as a cache
	// breakpoint (ABI 1.2); on the last tool it marks the whole list.
	Cache *Cache `json:"cache,omitempty"`
}

// The tool types.
const (
	ToolFunction = "function"
	ToolProvider = "provider"
)

// The normalized kinds (names) of provider tools.
const (
	// ProviderToolWebSearch searches the web; its results arrive as
	// server-tool-call and server-tool-result events, and the text cites
	// them with source events.
	ProviderToolWebSearch = "web_search"
)

// IsProvider reports whether t is a provider tool.
func (t *ToolDefinition) IsProvider() bool { return t.Type == ToolProvider }

// RefuseProviderTools returns a capability_unsupported error for the first
// provider tool of the request, or nil when it has none: a module whose
// provider runs no tools itself calls it, so that a provider tool is never
// sent as a function tool of the same name. api names the provider.
func (r *Request) RefuseProviderTools(api string) error {
	for i := range r.Tools {
		if t := &r.Tools[i]; t.IsProvider() {
			return &Error{Code: CodeCapabilityUnsupported, Pointer: "/tools/" + strconv.Itoa(i),
				Message: api + " runs no provider tools through this module: remove the provider tool " + strconv.Quote(t.Name) + " or use a module that projects it"}
		}
		if err := r.Tools[i].CheckType(i); err != nil {
			return err
		}
	}
	return nil
}

// CheckType returns an invalid_request error when tool i of a request has
// a type other than "", "function" and "provider".
func (t *ToolDefinition) CheckType(i int) error {
	switch t.Type {
	case "", ToolFunction, ToolProvider:
		return nil
	}
	return &Error{Code: CodeInvalidRequest, Pointer: "/tools/" + strconv.Itoa(i) + "/type",
		Message: "tool type " + strconv.Quote(t.Type) + ` is not "function" or "provider"`}
}

// ToolChoice says whether and which tools the model may call. In JSON it is
// "auto", "none", "required" or {"tool":"name"}.
type ToolChoice struct {
	// Mode is "auto", "none" or "required"; empty when Tool is set.
	Mode string
	// Tool forces a call of the named tool.
	Tool string
}

// The tool choice modes.
const (
	ToolChoiceAuto     = "auto"
	ToolChoiceNone     = "none"
	ToolChoiceRequired = "required"
)

// MarshalJSON writes the string or object form.
func (t ToolChoice) MarshalJSON() ([]byte, error) {
	if t.Tool != "" {
		return json.Marshal(struct {
			Tool string `json:"tool"`
		}{t.Tool})
	}
	return json.Marshal(t.Mode)
}

// UnmarshalJSON reads the string or object form and refuses anything else.
func (t *ToolChoice) UnmarshalJSON(b []byte) error {
	*t = ToolChoice{}
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &t.Mode); err != nil {
			return err
		}
		switch t.Mode {
		case ToolChoiceAuto, ToolChoiceNone, ToolChoiceRequired:
			return nil
		}
		return errors.New(`tool_choice must be "auto", "none", "required" or {"tool":"name"}`)
	}
	var o struct {
		Tool string `json:"tool"`
	}
	if err := json.Unmarshal(b, &o); err != nil || o.Tool == "" {
		return errors.New(`tool_choice must be "auto", "none", "required" or {"tool":"name"}`)
	}
	t.Tool = o.Tool
	return nil
}

// ResponseFormat asks for plain text or JSON that matches a schema.
type ResponseFormat struct {
	// Type is "text" or "json_schema".
	Type   string          `json:"type"`
	Name   string          `json:"name,omitempty"`
	Schema json.RawMessage `json:"schema,omitempty"`
	Strict bool            `json:"strict,omitempty"`
}

// Reasoning configures a reasoning model: an effort level ("low", "medium",
// "high", ...) or a token budget, as the provider supports.
type Reasoning struct {
	Effort       string `json:"effort,omitempty"`
	BudgetTokens *int   `json:"budget_tokens,omitempty"`
}

// The stream framings a provider request may declare.
const (
	FramingSSE            = "sse"
	FramingNDJSON         = "ndjson"
	FramingAWSEventStream = "aws-eventstream"
	FramingNone           = "none"
)

// ProviderRequest is what wasmadapt_project returns: the HTTP request to
// send, relative to the provider's base URL. Credentials are never part of
// it: the host adds them according to the module's auth scheme.
type ProviderRequest struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Query   map[string]string `json:"query,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
	// StreamFraming is how the host splits the response body into chunks:
	// "sse", "ndjson", "aws-eventstream" or "none" (one whole body).
	StreamFraming string `json:"stream_framing"`
}
