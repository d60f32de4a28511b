package anthropic

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockproject"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/toolid"
)

// jsonToolName is the name of the tool that carries structured output on
// models without output_config.format, when the response format has no name.
const jsonToolName = "json_response"

// nonStreamingMaxTokens caps the default max_tokens of a whole
// (non-streamed) response: Anthropic refuses non-streaming requests whose
// max_tokens implies more than ten minutes of generation (about 21,333
// tokens), so without an explicit max_output_tokens a whole response gets
// at most this many; streams get the model's maximum.
const nonStreamingMaxTokens = 16384

type wireRequest struct {
	Model         string          `json:"model"`
	MaxTokens     int             `json:"max_tokens"`
	System        json.RawMessage `json:"system,omitempty"`
	Messages      []wireMessage   `json:"messages"`
	Tools         []wireTool      `json:"tools,omitempty"`
	ToolChoice    *wireToolChoice `json:"tool_choice,omitempty"`
	Thinking      *wireThinking   `json:"thinking,omitempty"`
	OutputConfig  *wireOutputCfg  `json:"output_config,omitempty"`
	Temperature   *float64        `json:"temperature,omitempty"`
	TopP          *float64        `json:"top_p,omitempty"`
	TopK          *int            `json:"top_k,omitempty"`
	StopSequences []string        `json:"stop_sequences,omitempty"`
	Stream        bool            `json:"stream,omitempty"`
	Metadata      *wireMetadata   `json:"metadata,omitempty"`
	ServiceTier   string          `json:"service_tier,omitempty"`
	// MCPServers are the MCP connector's servers (mcp provider tools).
	MCPServers []wireMCPServer `json:"mcp_servers,omitempty"`
}

type wireMessage struct {
	Role    string      `json:"role"`
	Content []wireBlock `json:"content"`
}

type wireBlock struct {
	Type      string          `json:"type"`
	Text      string          `json:"text,omitempty"`
	Source    *wireSource     `json:"source,omitempty"`
	Thinking  *string         `json:"thinking,omitempty"`
	Signature string          `json:"signature,omitempty"`
	Data      string          `json:"data,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
	ToolUseID string          `json:"tool_use_id,omitempty"`
	Content   string          `json:"content,omitempty"`
	IsError   bool            `json:"is_error,omitempty"`
	// Title names a document block.
	Title string `json:"title,omitempty"`
	// CacheControl marks a prompt-cache breakpoint after this block.
	CacheControl *wireCacheControl `json:"cache_control,omitempty"`
	// Raw, when set, is the whole block (a server tool block sent back,
	// see serverToolBlock); the other fields are then empty.
	Raw json.RawMessage `json:"-"`
}

// MarshalJSON encodes Raw when it is set, else the block's fields.
func (b wireBlock) MarshalJSON() ([]byte, error) {
	if b.Raw != nil {
		return b.Raw, nil
	}
	type plain wireBlock
	return json.Marshal(plain(b))
}

// wireCacheControl is Anthropic's cache_control: {"type":"ephemeral"} with
// an optional ttl of "5m" (the default) or "1h".
type wireCacheControl struct {
	Type string `json:"type"`
	TTL  string `json:"ttl,omitempty"`
}

// maxCacheBreakpoints is the most cache_control blocks a Messages request
// may carry (tools, system and messages together).
const maxCacheBreakpoints = 4

func cacheControl(c abi.Cache) *wireCacheControl {
	return &wireCacheControl{Type: "ephemeral", TTL: c.TTL}
}

type wireSource struct {
	Type      string `json:"type"`
	MediaType string `json:"media_type,omitempty"`
	Data      string `json:"data,omitempty"`
	URL       string `json:"url,omitempty"`
	FileID    string `json:"file_id,omitempty"`
}

// filesBeta is the beta that document sources of type file (the Files
// API) need.
const filesBeta = "files-api-2025-04-14"

type wireTool struct {
	// Type is set for server tools only (web_search_20250305).
	Type        string          `json:"type,omitempty"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"input_schema,omitempty"`
	Strict      bool            `json:"strict,omitempty"`
	// Web search options.
	MaxUses        *int            `json:"max_uses,omitempty"`
	AllowedDomains []string        `json:"allowed_domains,omitempty"`
	BlockedDomains []string        `json:"blocked_domains,omitempty"`
	UserLocation   json.RawMessage `json:"user_location,omitempty"`
	// Web fetch options.
	Citations        *wireEnabled `json:"citations,omitempty"`
	MaxContentTokens *int         `json:"max_content_tokens,omitempty"`
	// CacheControl marks the tool list through this tool for caching.
	CacheControl *wireCacheControl `json:"cache_control,omitempty"`
}

type wireToolChoice struct {
	Type string `json:"type"`
	Name string `json:"name,omitempty"`
}

type wireThinking struct {
	Type         string `json:"type"`
	BudgetTokens int    `json:"budget_tokens,omitempty"`
}

type wireOutputCfg struct {
	Format *wireFormat `json:"format,omitempty"`
	Effort string      `json:"effort,omitempty"`
}

type wireFormat struct {
	Type   string          `json:"type"`
	Schema json.RawMessage `json:"schema"`
}

type wireMetadata struct {
	UserID string `json:"user_id"`
}

var (
	invalid     = guest.Invalid
	unsupported = guest.Unsupported
)

// Project turns a normalized request into a POST /v1/messages request.
func (Adapter) Project(req *abi.Request) (*abi.ProviderRequest, error) {
	if req.Model == "" {
		return nil, invalid("/model", "model is empty: set the Claude model name (e.g. claude-sonnet-4-5)")
	}
	m := lookup(req.Model)
	w := wireRequest{Model: req.Model, Stream: req.Stream, StopSequences: req.Stop}
	headers := map[string]string{"anthropic-version": APIVersion}

	if err := projectOptions(req, &w, headers); err != nil {
		return nil, err
	}

	// Thinking.
	th, err := blockproject.ResolveThinking(req, m.thinking == thinkingAdaptive, m.thinking == thinkingAdaptiveOnly, "Anthropic", func() error {
		if m.thinking == thinkingNone {
			return unsupported("/reasoning", "model %s has no extended thinking: remove reasoning from the request or pick a model with extended thinking (Claude 3.7 Sonnet, Claude 4 and later)", req.Model)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	thinkingOn := th.On

	// max_tokens is required.
	maxTokens := m.maxOutput
	if !req.Stream && maxTokens > nonStreamingMaxTokens {
		maxTokens = nonStreamingMaxTokens
	}
	if w.MaxTokens, err = th.MaxTokens(req, maxTokens, "max_tokens"); err != nil {
		return nil, err
	}
	switch {
	case th.Effort != "":
		w.Thinking = &wireThinking{Type: "adaptive"}
		w.OutputConfig = &wireOutputCfg{Effort: th.Effort}
	case th.On:
		w.Thinking = &wireThinking{Type: "enabled", BudgetTokens: th.Budget}
	}

	// Sampling.
	if err := (blockproject.Sampling{API: "Anthropic", Thinking: "extended thinking"}).CheckSampling(req, thinkingOn); err != nil {
		return nil, err
	}
	w.Temperature, w.TopP = req.Temperature, req.TopP
	if m.defaultSampling {
		if err := blockproject.CheckDefaultSampling(req, w.TopK != nil, "/provider_options/top_k"); err != nil {
			return nil, err
		}
		w.Temperature, w.TopP = nil, nil // the defaults: not sent
	}
	if thinkingOn && w.TopK != nil {
		return nil, unsupported("/provider_options/top_k", "model %s with extended thinking does not take top_k: remove it or disable reasoning", req.Model)
	}
	if m.oneSampler && w.Temperature != nil && w.TopP != nil {
		return nil, invalid("/top_p", "model %s accepts temperature or top_p, not both: remove one", req.Model)
	}

	// Cache breakpoints: checked here, placed with their tools and blocks.
	if _, err := blockproject.CheckCache(req, maxCacheBreakpoints, "Anthropic", abi.CacheTTL5m, abi.CacheTTL1h); err != nil {
		return nil, err
	}

	// Tools.
	toolNames := make(map[string]bool, len(req.Tools))
	var refuseStrict func(string) error
	if !m.structured {
		refuseStrict = func(p string) error {
			return unsupported(p+"/strict", "model %s has no strict tool use: set strict to false or use a model with structured outputs (Claude Sonnet 4.5, Opus 4.5, Haiku 4.5, Opus 4.6, Sonnet 4.6)", req.Model)
		}
	}
	toolsKey, toolsBlock := cachedTools(req.Tools, refuseStrict != nil)
	if toolsBlock != nil {
		for _, t := range req.Tools {
			toolNames[t.Name] = true
		}
	} else {
		if err := projectTools(req.Tools, &w, headers, toolNames, refuseStrict); err != nil {
			return nil, err
		}
		if toolsKey != nil {
			if block, ok := appendTools(nil, w.Tools); ok {
				toolsCache.Put(toolsKey, block, len(block))
			}
		}
	}
	if tc := req.ToolChoice; tc != nil {
		if err := blockproject.CheckToolChoice(tc, toolNames, len(req.Tools)); err != nil {
			return nil, err
		}
		switch {
		case tc.Tool != "":
			if thinkingOn {
				return nil, unsupported("/tool_choice", "with extended thinking Anthropic allows tool_choice auto or none only: a forced tool call cannot be combined with reasoning")
			}
			w.ToolChoice = &wireToolChoice{Type: "tool", Name: tc.Tool}
		case tc.Mode == abi.ToolChoiceRequired:
			if thinkingOn {
				return nil, unsupported("/tool_choice", `with extended thinking Anthropic allows tool_choice auto or none only: "required" cannot be combined with reasoning`)
			}
			w.ToolChoice = &wireToolChoice{Type: "any"}
		case tc.Mode == abi.ToolChoiceNone:
			if len(req.Tools) > 0 {
				w.ToolChoice = &wireToolChoice{Type: "none"}
			}
		case tc.Mode == abi.ToolChoiceAuto:
			if len(req.Tools) > 0 {
				w.ToolChoice = &wireToolChoice{Type: "auto"}
			}
		}
	}

	// Structured output.
	schema, err := blockproject.ResponseSchema(req.ResponseFormat, m.structured, StrictSchema)
	if err != nil {
		return nil, err
	}
	switch {
	case schema == nil:
	case m.structured:
		if w.OutputConfig == nil {
			w.OutputConfig = &wireOutputCfg{}
		}
		w.OutputConfig.Format = &wireFormat{Type: "json_schema", Schema: schema}
	default:
		// Emulated: one forced tool whose input is the answer.
		if len(req.Tools) > 0 {
			return nil, unsupported("/response_format", "model %s has no native structured output; it is emulated with a forced tool, which cannot be combined with the request's tools: drop the tools or use a model with structured outputs", req.Model)
		}
		if thinkingOn {
			return nil, unsupported("/response_format", "model %s has no native structured output; it is emulated with a forced tool, which Anthropic does not allow with extended thinking", req.Model)
		}
		name := emulatedToolName(req.ResponseFormat)
		w.Tools = []wireTool{{Name: name, Description: "Respond with a JSON object that matches this schema.", InputSchema: schema}}
		w.ToolChoice = &wireToolChoice{Type: "tool", Name: name}
	}

	// Messages.
	sys, msgs, hasToolBlocks, err := projectMessages(req.Messages)
	if err != nil {
		return nil, err
	}
	if len(sys) > 0 {
		if len(sys) == 1 && sys[0].CacheControl == nil {
			w.System, _ = json.Marshal(sys[0].Text)
		} else {
			w.System, _ = json.Marshal(sys)
		}
	}
	if hasToolBlocks && len(req.Tools) == 0 {
		return nil, invalid("/tools", "the conversation holds tool calls or results but the request defines no tools; Anthropic requires the tool definitions whenever tool_use blocks are in the history: pass them (with tool_choice \"none\" to forbid new calls)")
	}
	w.Messages = msgs
	if usesFilesAPI(msgs) {
		addBeta(headers, filesBeta)
	}

	body, ok := appendRequest(nil, &w, toolsBlock)
	if !ok {
		if toolsBlock != nil {
			// The cached block stands for w.Tools: project them again
			// (they were projected without error before).
			if err := projectTools(req.Tools, &w, headers, map[string]bool{}, refuseStrict); err != nil {
				return nil, err
			}
		}
		var err error
		if body, err = json.Marshal(&w); err != nil {
			return nil, abi.Wrap(abi.CodeInvalidRequest, err, "encoding the Anthropic request")
		}
	}
	return &abi.ProviderRequest{
		Method:        "POST",
		Path:          "/v1/messages",
		Headers:       headers,
		Body:          body,
		StreamFraming: framingFor(req.Stream),
	}, nil
}

// toolsCache holds the tools blocks of recent requests (see
// guest.ToolsCache).
var toolsCache guest.ToolsCache[[]byte]

// cachedTools returns the cache key of a request's tools and their cached
// block, if any. Only lists of function tools are cached: their block
// depends on the tools and on whether the model takes strict tools
// (refused, the salt) alone, while provider tools also set headers and MCP
// servers. key is nil for a list that is not cached.
func cachedTools(tools []abi.ToolDefinition, refusesStrict bool) (key, block []byte) {
	if len(tools) == 0 {
		return nil, nil
	}
	for i := range tools {
		if tools[i].IsProvider() {
			return nil, nil
		}
	}
	salt := "strict"
	if refusesStrict {
		salt = "no-strict"
	}
	key = guest.ToolsKey(nil, salt, tools)
	block, _ = toolsCache.Get(key)
	return key, block
}

// projectTools projects the request's tools into w (and the betas and MCP
// servers provider tools need into headers and w), recording the function
// tools' names in toolNames.
func projectTools(tools []abi.ToolDefinition, w *wireRequest, headers map[string]string, toolNames map[string]bool, refuseStrict func(string) error) error {
	for i, t := range tools {
		if err := t.CheckType(i); err != nil {
			return err
		}
		if t.IsProvider() && t.Name == abi.ProviderToolMCP {
			srv, err := mcpServer(&t, "/tools/"+strconv.Itoa(i))
			if err != nil {
				return err
			}
			w.MCPServers = append(w.MCPServers, srv)
			addBeta(headers, mcpClientBeta)
			continue
		}
		if t.IsProvider() {
			wt, beta, err := serverTool(&t, "/tools/"+strconv.Itoa(i))
			if err != nil {
				return err
			}
			w.Tools = append(w.Tools, wt)
			addBeta(headers, beta)
			continue
		}
		schema, err := blockproject.ToolSchema(i, &t, toolNames, refuseStrict, StrictSchema)
		if err != nil {
			return err
		}
		wt := wireTool{Name: t.Name, Description: t.Description, InputSchema: schema, Strict: t.Strict}
		if t.Cache != nil {
			wt.CacheControl = cacheControl(*t.Cache)
		}
		w.Tools = append(w.Tools, wt)
	}
	return nil
}

// usesFilesAPI reports whether a message refers to a file by Files API ID.
func usesFilesAPI(msgs []wireMessage) bool {
	for _, m := range msgs {
		for _, b := range m.Content {
			if b.Source != nil && b.Source.Type == "file" {
				return true
			}
		}
	}
	return false
}

func framingFor(stream bool) string {
	if stream {
		return abi.FramingSSE
	}
	return abi.FramingNone
}

// emulatedToolName is the forced tool's name for a response format.
func emulatedToolName(rf *abi.ResponseFormat) string {
	return blockproject.EmulatedToolName(rf, jsonToolName)
}

func projectOptions(req *abi.Request, w *wireRequest, headers map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(req.ProviderOptions)) {
		v := req.ProviderOptions[k]
		p := "/provider_options/" + k
		switch k {
		case "top_k":
			var n int
			if err := json.Unmarshal(v, &n); err != nil || n < 1 {
				return invalid(p, "provider option top_k must be a positive integer")
			}
			w.TopK = &n
		case "user_id":
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return invalid(p, "provider option user_id must be a string")
			}
			w.Metadata = &wireMetadata{UserID: s}
		case "service_tier":
			var s string
			if err := json.Unmarshal(v, &s); err != nil || (s != "auto" && s != "standard_only") {
				return invalid(p, `provider option service_tier must be "auto" or "standard_only"`)
			}
			w.ServiceTier = s
		case "anthropic_beta":
			var list []string
			if err := json.Unmarshal(v, &list); err != nil || len(list) == 0 {
				return invalid(p, "provider option anthropic_beta must be a non-empty array of beta names")
			}
			headers["anthropic-beta"] = strings.Join(list, ",")
		default:
			return invalid(p, "unknown provider option %q: the anthropic module reads %s", k, strings.Join(providerOptions, ", "))
		}
	}
	return nil
}

// projectMessages builds the system blocks and the alternating messages.
func projectMessages(in []abi.Message) (system []wireBlock, out []wireMessage, hasToolBlocks bool, err error) {
	if in, err = blockproject.CacheOnParts(in, Provider); err != nil {
		return nil, nil, false, err
	}
	mapID := blockproject.IDMapper(in, toolid.AlnumDashUnderscore)
	turns, hasToolBlocks, err := blockproject.Turns(in, &blockproject.Dialect[wireBlock]{
		API: "Anthropic",
		ToolUse: func(b *wireBlock) (string, string, bool) {
			return b.ID, b.Name, b.Type == "tool_use"
		},
		ToolResult: func(b *wireBlock) (string, bool) {
			return b.ToolUseID, b.Type == "tool_result"
		},
		ResultRule: "Anthropic requires every tool result in the user message right after its tool_use",
		CallRule:   "Anthropic requires a result for every tool call",
		Part: func(role abi.Role, p abi.Part, pointer string) (wireBlock, bool, error) {
			return projectPart(role, p, pointer, mapID)
		},
		System: func(text string) { system = append(system, wireBlock{Type: "text", Text: text}) },
		SystemCache: func(c abi.Cache) {
			system[len(system)-1].CacheControl = cacheControl(c)
		},
		TrimPrefill: func(b *wireBlock) {
			if b.Type == "text" {
				b.Text = strings.TrimRight(b.Text, " \t\r\n")
			}
		},
	})
	if err != nil {
		return nil, nil, false, err
	}
	out, err = blockproject.Messages(in, turns, func(blocks []wireBlock, c abi.Cache, src string) ([]wireBlock, error) {
		b := &blocks[len(blocks)-1]
		if b.Type == "thinking" || b.Type == "redacted_thinking" {
			return nil, unsupported(src+"/cache", "Anthropic takes no cache_control on a thinking block: mark the part after it or the message")
		}
		b.CacheControl = cacheControl(c)
		return blocks, nil
	}, func(role string, blocks []wireBlock) wireMessage { return wireMessage{Role: role, Content: blocks} })
	if err != nil {
		return nil, nil, false, err
	}
	return system, out, hasToolBlocks, nil
}

// projectPart converts one part; keep is false for parts that are dropped
// (empty text, reasoning from another provider).
func projectPart(role abi.Role, p abi.Part, pointer string, mapID func(string) string) (b wireBlock, keep bool, err error) {
	if p.IsServerTool() {
		return serverToolBlock(role, &p, pointer)
	}
	keep, input, err := blockproject.CheckPart(role, &p, pointer, Provider)
	if err != nil || !keep {
		return wireBlock{}, false, err
	}
	switch p.Type {
	case abi.PartImage:
		src, err := imageSource(p, pointer)
		if err != nil {
			return wireBlock{}, false, err
		}
		return wireBlock{Type: "image", Source: src}, true, nil
	case abi.PartFile:
		src, err := documentSource(p, pointer)
		if err != nil {
			return wireBlock{}, false, err
		}
		return wireBlock{Type: "document", Source: src, Title: p.Filename}, true, nil
	case abi.PartReasoning:
		if p.Redacted != "" {
			return wireBlock{Type: "redacted_thinking", Data: p.Redacted}, true, nil
		}
		text := p.Text
		return wireBlock{Type: "thinking", Thinking: &text, Signature: p.Signature}, true, nil
	case abi.PartToolCall:
		return wireBlock{Type: "tool_use", ID: mapID(p.ID), Name: p.Name, Input: input}, true, nil
	case abi.PartToolResult:
		return wireBlock{Type: "tool_result", ToolUseID: mapID(p.ToolCallID), Content: p.Content, IsError: p.IsError}, true, nil
	}
	// abi.PartText: CheckPart refused every other type.
	return wireBlock{Type: "text", Text: p.Text}, true, nil
}

// documentSource is a document block's source: a PDF inline, by URL or by
// Files API ID; plain text inline (sent as text, decoded from base64).
func documentSource(p abi.Part, pointer string) (*wireSource, error) {
	src, _ := abi.FileSource(&p, pointer) // checked by CheckPart
	switch src {
	case abi.FileStored:
		return &wireSource{Type: "file", FileID: p.FileID}, nil
	case abi.FileURL:
		if p.MediaType != "" && p.MediaType != abi.MediaTypePDF {
			return nil, unsupported(pointer+"/media_type", "Anthropic takes documents by URL as PDF only, not %q: send the text inline", p.MediaType)
		}
		return &wireSource{Type: "url", URL: p.URL}, nil
	}
	switch p.MediaType {
	case abi.MediaTypePDF:
		return &wireSource{Type: "base64", MediaType: p.MediaType, Data: p.Data}, nil
	case abi.MediaTypeText:
		text, err := base64.StdEncoding.DecodeString(p.Data)
		if err != nil || !utf8.Valid(text) {
			return nil, invalid(pointer+"/data", "a text/plain file's data must be base64 of UTF-8 text")
		}
		return &wireSource{Type: "text", MediaType: p.MediaType, Data: string(text)}, nil
	}
	return nil, unsupported(pointer+"/media_type", "Anthropic takes documents of type application/pdf or text/plain, not %q", p.MediaType)
}

var imageTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true}

func imageSource(p abi.Part, pointer string) (*wireSource, error) {
	if p.Data != "" {
		if !imageTypes[p.MediaType] {
			return nil, invalid(pointer+"/media_type", "image media type %q is not one Anthropic accepts (image/jpeg, image/png, image/gif, image/webp)", p.MediaType)
		}
		return &wireSource{Type: "base64", MediaType: p.MediaType, Data: p.Data}, nil
	}
	if mt, data, isData, ok := guest.CutDataURL(p.URL); isData {
		if !ok || !imageTypes[mt] {
			return nil, invalid(pointer+"/url", "a data: image URL must be base64 of image/jpeg, image/png, image/gif or image/webp")
		}
		return &wireSource{Type: "base64", MediaType: mt, Data: data}, nil
	}
	if p.URL == "" {
		return nil, invalid(pointer, "image part has neither data nor url")
	}
	return &wireSource{Type: "url", URL: p.URL}, nil
}
