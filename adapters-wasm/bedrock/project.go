package bedrock

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/anthropic"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockproject"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/toolid"
)

// jsonToolName is the forced structured-output tool's name when the
// response format has no usable name.
const jsonToolName = "json_response"

// idRule is Bedrock's toolUseId rule: ^[a-zA-Z0-9_-]+$, at most 64 bytes.
var idRule = toolid.CharsetRule{Allowed: toolid.IsAlnumDashUnderscore, MaxLen: 64, Replacement: '_', Sep: '_', HashLen: 8}

type wireRequest struct {
	Messages                     []wireMessage   `json:"messages"`
	System                       []wireSystem    `json:"system,omitempty"`
	InferenceConfig              *wireInference  `json:"inferenceConfig,omitempty"`
	ToolConfig                   *wireToolConfig `json:"toolConfig,omitempty"`
	OutputConfig                 *wireOutputCfg  `json:"outputConfig,omitempty"`
	AdditionalModelRequestFields json.RawMessage `json:"additionalModelRequestFields,omitempty"`
	GuardrailConfig              json.RawMessage `json:"guardrailConfig,omitempty"`
}

type wireText struct {
	Text string `json:"text"`
}

// wireSystem is a system content block: text, or a cachePoint after the
// text before it.
type wireSystem struct {
	Text       string          `json:"text,omitempty"`
	CachePoint *wireCachePoint `json:"cachePoint,omitempty"`
}

// wireCachePoint is a Converse cachePoint: the prompt up to the block
// before it may be cached, for the default lifetime.
type wireCachePoint struct {
	Type string `json:"type"`
}

var cachePoint = &wireCachePoint{Type: "default"}

type wireMessage struct {
	Role    string      `json:"role"`
	Content []wireBlock `json:"content"`
}

type wireBlock struct {
	Text             string          `json:"text,omitempty"`
	Image            *wireImage      `json:"image,omitempty"`
	ToolUse          *wireToolUse    `json:"toolUse,omitempty"`
	ToolResult       *wireToolResult `json:"toolResult,omitempty"`
	ReasoningContent *wireReasoning  `json:"reasoningContent,omitempty"`
	Document         *wireDocument   `json:"document,omitempty"`
	CachePoint       *wireCachePoint `json:"cachePoint,omitempty"`
}

// wireDocument is a Converse document block: bytes inline or an S3 object.
type wireDocument struct {
	Format string             `json:"format"`
	Name   string             `json:"name"`
	Source wireDocumentSource `json:"source"`
}

type wireDocumentSource struct {
	Bytes      string          `json:"bytes,omitempty"`
	S3Location *wireS3Location `json:"s3Location,omitempty"`
}

type wireS3Location struct {
	URI string `json:"uri"`
}

type wireImage struct {
	Format string `json:"format"`
	Source struct {
		Bytes string `json:"bytes"`
	} `json:"source"`
}

type wireToolUse struct {
	ToolUseID string          `json:"toolUseId"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
}

type wireToolResult struct {
	ToolUseID string     `json:"toolUseId"`
	Content   []wireText `json:"content"`
	Status    string     `json:"status,omitempty"`
}

type wireReasoning struct {
	ReasoningText   *wireReasoningText `json:"reasoningText,omitempty"`
	RedactedContent string             `json:"redactedContent,omitempty"`
}

type wireReasoningText struct {
	Text      string `json:"text"`
	Signature string `json:"signature,omitempty"`
}

type wireInference struct {
	MaxTokens     int      `json:"maxTokens,omitempty"`
	Temperature   *float64 `json:"temperature,omitempty"`
	TopP          *float64 `json:"topP,omitempty"`
	StopSequences []string `json:"stopSequences,omitempty"`
}

type wireToolConfig struct {
	Tools      []wireTool      `json:"tools"`
	ToolChoice json.RawMessage `json:"toolChoice,omitempty"`
}

type wireTool struct {
	ToolSpec   *wireToolSpec   `json:"toolSpec,omitempty"`
	CachePoint *wireCachePoint `json:"cachePoint,omitempty"`
}

type wireToolSpec struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	InputSchema struct {
		JSON json.RawMessage `json:"json"`
	} `json:"inputSchema"`
	Strict bool `json:"strict,omitempty"`
}

type wireOutputCfg struct {
	TextFormat wireTextFormat `json:"textFormat"`
}

type wireTextFormat struct {
	Type      string `json:"type"`
	Structure struct {
		JSONSchema wireJSONSchema `json:"jsonSchema"`
	} `json:"structure"`
}

type wireJSONSchema struct {
	Schema string `json:"schema"`
	Name   string `json:"name,omitempty"`
}

// escapePath escapes a model ID for one URL path segment the way the AWS
// SDKs do: every byte but the unreserved characters is percent-encoded
// (":" and "/" of ARNs included), so the signed and the sent path agree.
func escapePath(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

var (
	invalid     = guest.Invalid
	unsupported = guest.Unsupported
)

// Project turns a normalized request into a Converse or ConverseStream
// request.
func (Adapter) Project(req *abi.Request) (*abi.ProviderRequest, error) {
	if req.Model == "" {
		return nil, invalid("/model", "model is empty: set the Bedrock model ID or inference profile (e.g. us.anthropic.claude-sonnet-4-5-20250929-v1:0)")
	}
	m := lookup(req.Model)
	var w wireRequest
	inf := wireInference{StopSequences: req.Stop}
	extra := map[string]json.RawMessage{}

	// Reasoning.
	th, err := blockproject.ResolveThinking(req, m.thinking == thinkingAdaptive, m.thinking == thinkingAdaptiveOnly, "Claude", func() error {
		switch m.thinking {
		case thinkingNone:
			return unsupported("/reasoning", "model %s has no reasoning: remove reasoning from the request or pick a reasoning model (Claude 3.7 Sonnet, Claude 4 and later)", req.Model)
		case thinkingFixed:
			return unsupported("/reasoning", "model %s reasons on its own and takes no reasoning settings through Converse: remove reasoning from the request", req.Model)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	thinkingOn := th.On
	maxTokens := 0
	if thinkingOn {
		maxTokens = m.maxOutput // thinking needs room above its budget
	}
	if inf.MaxTokens, err = th.MaxTokens(req, maxTokens, "maxTokens"); err != nil {
		return nil, err
	}
	switch {
	case th.Effort != "":
		extra["thinking"] = json.RawMessage(`{"type":"adaptive"}`)
		extra["output_config"] = json.RawMessage(`{"effort":"` + th.Effort + `"}`)
	case th.On:
		extra["thinking"] = json.RawMessage(`{"type":"enabled","budget_tokens":` + strconv.Itoa(th.Budget) + `}`)
	}
	if err := (blockproject.Sampling{API: "Bedrock", Thinking: "reasoning"}).CheckSampling(req, thinkingOn); err != nil {
		return nil, err
	}
	inf.Temperature, inf.TopP = req.Temperature, req.TopP
	if m.defaultSampling {
		// top_k, which Converse has only as an additional field, is
		// checked with the provider options below.
		if err := blockproject.CheckDefaultSampling(req, false, ""); err != nil {
			return nil, err
		}
		inf.Temperature, inf.TopP = nil, nil // the defaults: not sent
	}
	if inf.MaxTokens != 0 || inf.Temperature != nil || inf.TopP != nil || len(inf.StopSequences) > 0 {
		w.InferenceConfig = &inf
	}

	// Cache breakpoints: cachePoint blocks on the models that take them,
	// for the default lifetime only (fail closed on anything else).
	if bps := req.CacheBreakpoints(); len(bps) > 0 && m.caching == cachingNone {
		return nil, unsupported(bps[0].Pointer, "model %s has no prompt caching on Bedrock: remove the cache markers or use Claude 3.7 Sonnet or later, or Amazon Nova", req.Model)
	}
	if _, err := blockproject.CheckCache(req, maxCachePoints, "Bedrock", abi.CacheTTL5m); err != nil {
		return nil, err
	}

	// Messages first: whether the history holds tool blocks matters below.
	sys, msgs, hasToolBlocks, err := projectMessages(req.Messages, m, req.Model)
	if err != nil {
		return nil, err
	}
	w.System, w.Messages = sys, msgs

	// Tools.
	var tc wireToolConfig
	toolNames := map[string]bool{}
	if len(req.Tools) > 0 && !m.tools {
		return nil, unsupported("/tools", "model %s does not take tools through Converse: remove the tools or pick a model with tool use", req.Model)
	}
	var refuseStrict func(string) error
	if !m.structured {
		refuseStrict = func(p string) error {
			return unsupported(p+"/strict", "model %s has no strict tool use on Bedrock: set strict to false or use Claude 4.5 or later", req.Model)
		}
	}
	if err := req.RefuseProviderTools("Bedrock Converse"); err != nil {
		return nil, err
	}
	for i, t := range req.Tools {
		schema, err := blockproject.ToolSchema(i, &t, toolNames, refuseStrict, anthropic.StrictSchema)
		if err != nil {
			return nil, err
		}
		var spec wireToolSpec
		spec.Name, spec.Description, spec.Strict = t.Name, t.Description, t.Strict
		spec.InputSchema.JSON = schema
		tc.Tools = append(tc.Tools, wireTool{ToolSpec: &spec})
		if t.Cache != nil {
			if m.caching != cachingClaude {
				return nil, unsupported("/tools/"+strconv.Itoa(i)+"/cache", "model %s takes no cachePoint in the tool list: cache the system prompt or messages instead", req.Model)
			}
			tc.Tools = append(tc.Tools, wireTool{CachePoint: cachePoint})
		}
	}
	if c := req.ToolChoice; c != nil {
		if err := blockproject.CheckToolChoice(c, toolNames, len(req.Tools)); err != nil {
			return nil, err
		}
		switch {
		case c.Tool != "" || c.Mode == abi.ToolChoiceRequired:
			if !m.forcedTool {
				return nil, unsupported("/tool_choice", "model %s takes tool_choice auto only on Bedrock: a forced tool call is not available", req.Model)
			}
			if thinkingOn {
				return nil, unsupported("/tool_choice", "with reasoning Claude allows tool_choice auto only: a forced tool call cannot be combined with reasoning")
			}
			if c.Tool != "" {
				b, _ := json.Marshal(map[string]any{"tool": map[string]string{"name": c.Tool}})
				tc.ToolChoice = b
			} else {
				tc.ToolChoice = json.RawMessage(`{"any":{}}`)
			}
		case c.Mode == abi.ToolChoiceNone:
			if hasToolBlocks {
				return nil, unsupported("/tool_choice", `Bedrock Converse has no tool_choice "none", and a conversation holding tool calls must send its tools: use "auto" or drop the tool turns`)
			}
			tc.Tools = nil // no tools offered: none can be called
		case c.Mode == abi.ToolChoiceAuto:
			if len(tc.Tools) > 0 {
				tc.ToolChoice = json.RawMessage(`{"auto":{}}`)
			}
		}
	}

	// Structured output.
	schema, err := blockproject.ResponseSchema(req.ResponseFormat, m.structured, anthropic.StrictSchema)
	if err != nil {
		return nil, err
	}
	switch {
	case schema == nil:
	case m.structured:
		// The models with structured outputs on Bedrock are Claude's.
		var oc wireOutputCfg
		oc.TextFormat.Type = "json_schema"
		oc.TextFormat.Structure.JSONSchema = wireJSONSchema{Schema: string(schema), Name: req.ResponseFormat.Name}
		w.OutputConfig = &oc
	case m.forcedTool:
		if len(req.Tools) > 0 {
			return nil, unsupported("/response_format", "model %s has no native structured output; it is emulated with a forced tool, which cannot be combined with the request's tools", req.Model)
		}
		if thinkingOn {
			return nil, unsupported("/response_format", "model %s has no native structured output; it is emulated with a forced tool, which cannot be combined with reasoning", req.Model)
		}
		jsonTool := emulatedToolName(req.ResponseFormat)
		var spec wireToolSpec
		spec.Name, spec.Description = jsonTool, "Respond with a JSON object that matches this schema."
		spec.InputSchema.JSON = schema
		tc.Tools = []wireTool{{ToolSpec: &spec}}
		b, _ := json.Marshal(map[string]any{"tool": map[string]string{"name": jsonTool}})
		tc.ToolChoice = b
	default:
		return nil, unsupported("/response_format", "model %s has neither structured output nor a forced tool choice on Bedrock: remove response_format or pick another model", req.Model)
	}
	if len(tc.Tools) > 0 {
		w.ToolConfig = &tc
	} else if hasToolBlocks {
		return nil, invalid("/tools", "the conversation holds tool calls or results but the request defines no tools; Bedrock requires toolConfig whenever toolUse or toolResult blocks are in the history: pass the tool definitions")
	}

	if err := projectOptions(req, &w, extra); err != nil {
		return nil, err
	}
	if _, topK := extra["top_k"]; topK && m.defaultSampling {
		return nil, unsupported("/provider_options/additional_model_request_fields/top_k", "model %s does not take top_k: remove it", req.Model)
	}
	if len(extra) > 0 {
		w.AdditionalModelRequestFields, _ = json.Marshal(extra)
	}

	body, err := json.Marshal(&w)
	if err != nil {
		return nil, abi.Wrap(abi.CodeInvalidRequest, err, "encoding the Converse request")
	}
	pr := &abi.ProviderRequest{Method: "POST", Body: body}
	if req.Stream {
		pr.Path = "/model/" + escapePath(req.Model) + "/converse-stream"
		pr.StreamFraming = abi.FramingAWSEventStream
	} else {
		pr.Path = "/model/" + escapePath(req.Model) + "/converse"
		pr.StreamFraming = abi.FramingNone
	}
	return pr, nil
}

func emulatedToolName(rf *abi.ResponseFormat) string {
	return blockproject.EmulatedToolName(rf, jsonToolName)
}

func projectOptions(req *abi.Request, w *wireRequest, extra map[string]json.RawMessage) error {
	for _, k := range slices.Sorted(maps.Keys(req.ProviderOptions)) {
		v := bytes.TrimSpace(req.ProviderOptions[k])
		p := "/provider_options/" + k
		switch k {
		case "additional_model_request_fields":
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(v, &fields); err != nil || fields == nil {
				return invalid(p, "provider option additional_model_request_fields must be a JSON object")
			}
			for f, fv := range fields {
				if _, taken := extra[f]; taken {
					return invalid(p+"/"+f, "additional_model_request_fields.%s conflicts with a field the request's own settings produce (reasoning): set it one way only", f)
				}
				extra[f] = fv
			}
		case "guardrail_config":
			if len(v) == 0 || v[0] != '{' || !json.Valid(v) {
				return invalid(p, "provider option guardrail_config must be a JSON object ({\"guardrailIdentifier\",\"guardrailVersion\",...})")
			}
			var buf bytes.Buffer
			_ = json.Compact(&buf, v)
			w.GuardrailConfig = buf.Bytes()
		default:
			return invalid(p, "unknown provider option %q: the bedrock module reads %s", k, strings.Join(providerOptions, ", "))
		}
	}
	return nil
}

func projectMessages(in []abi.Message, m model, modelID string) (system []wireSystem, out []wireMessage, hasToolBlocks bool, err error) {
	if in, err = blockproject.CacheOnParts(in, Provider); err != nil {
		return nil, nil, false, err
	}
	mapID := blockproject.IDMapper(in, idRule)
	turns, hasToolBlocks, err := blockproject.Turns(in, &blockproject.Dialect[wireBlock]{
		API: "Converse",
		ToolUse: func(b *wireBlock) (string, string, bool) {
			if b.ToolUse == nil {
				return "", "", false
			}
			return b.ToolUse.ToolUseID, b.ToolUse.Name, true
		},
		ToolResult: func(b *wireBlock) (string, bool) {
			if b.ToolResult == nil {
				return "", false
			}
			return b.ToolResult.ToolUseID, true
		},
		ResultRule: "Converse requires every toolResult in the user message right after its toolUse",
		CallRule:   "Converse requires a result for every toolUse",
		Part: func(role abi.Role, p abi.Part, pointer string) (wireBlock, bool, error) {
			return projectPart(role, p, pointer, mapID, m, modelID)
		},
		System:      func(text string) { system = append(system, wireSystem{Text: text}) },
		SystemCache: func(abi.Cache) { system = append(system, wireSystem{CachePoint: cachePoint}) },
		TrimPrefill: func(b *wireBlock) {
			if b.Text != "" {
				b.Text = strings.TrimRight(b.Text, " \t\r\n")
			}
		},
	})
	if err != nil {
		return nil, nil, false, err
	}
	out, err = blockproject.Messages(in, turns, func(blocks []wireBlock, _ abi.Cache, _ string) ([]wireBlock, error) {
		return append(blocks, wireBlock{CachePoint: cachePoint}), nil
	}, func(role string, blocks []wireBlock) wireMessage { return wireMessage{Role: role, Content: blocks} })
	if err != nil {
		return nil, nil, false, err
	}
	return system, out, hasToolBlocks, nil
}

// documentFormats maps media types to Converse document formats.
var documentFormats = map[string]string{
	abi.MediaTypePDF:     "pdf",
	abi.MediaTypeText:    "txt",
	"text/markdown":      "md",
	"text/html":          "html",
	"text/csv":           "csv",
	"application/msword": "doc",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
	"application/vnd.ms-excel": "xls",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}

// documentName makes a Converse document name from a file name: the name
// without its extension, with characters other than letters, digits,
// single spaces, hyphens, parentheses and square brackets replaced by
// hyphens; "document" when nothing is left.
func documentName(filename string) string {
	if i := strings.LastIndexByte(filename, '.'); i > 0 {
		filename = filename[:i]
	}
	var b strings.Builder
	space := false
	for _, r := range filename {
		switch {
		case r == ' ':
			if !space && b.Len() > 0 {
				b.WriteRune(' ')
			}
			space = true
			continue
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("-()[]", r):
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
		space = false
	}
	name := strings.TrimSpace(b.String())
	if name == "" {
		return "document"
	}
	return name
}

// projectDocument projects a file part to a document block: inline bytes,
// or an s3:// URL as an S3 location; other URLs and file IDs are refused.
func projectDocument(p abi.Part, pointer string, m model, modelID string) (wireBlock, error) {
	if !m.tools {
		return wireBlock{}, unsupported(pointer, "model %s is not known to take documents through Converse: remove the file part or pick a model such as Claude or Amazon Nova", modelID)
	}
	d := &wireDocument{Name: documentName(p.Filename)}
	src, _ := abi.FileSource(&p, pointer) // checked by CheckPart
	switch src {
	case abi.FileStored:
		return wireBlock{}, unsupported(pointer+"/file_id", "Converse has no file store: pass the document's data (base64) or an s3:// URL")
	case abi.FileURL:
		if !strings.HasPrefix(p.URL, "s3://") {
			return wireBlock{}, unsupported(pointer+"/url", "Converse takes documents as bytes or from S3, not by %s URL: pass the data (base64) or an s3:// URL", strings.SplitN(p.URL, ":", 2)[0])
		}
		d.Source.S3Location = &wireS3Location{URI: p.URL}
	default:
		d.Source.Bytes = p.Data
	}
	mt := p.MediaType
	if mt == "" && src == abi.FileURL {
		return wireBlock{}, invalid(pointer+"/media_type", "an S3 document needs media_type: Converse needs its format")
	}
	f, ok := documentFormats[mt]
	if !ok {
		return wireBlock{}, unsupported(pointer+"/media_type", "Converse takes no documents of type %q (it takes PDF, plain text, Markdown, HTML, CSV, Word and Excel)", mt)
	}
	d.Format = f
	return wireBlock{Document: d}, nil
}

var imageFormats = map[string]string{"image/jpeg": "jpeg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}

func projectPart(role abi.Role, p abi.Part, pointer string, mapID func(string) string, m model, modelID string) (b wireBlock, keep bool, err error) {
	keep, input, err := blockproject.CheckPart(role, &p, pointer, Provider)
	if err != nil || !keep {
		return wireBlock{}, false, err
	}
	switch p.Type {
	case abi.PartFile:
		b, err := projectDocument(p, pointer, m, modelID)
		return b, err == nil, err
	case abi.PartImage:
		if !m.vision {
			return wireBlock{}, false, unsupported(pointer, "model %s takes no images through Converse", modelID)
		}
		mt, data := p.MediaType, p.Data
		if data == "" {
			var isData, ok bool
			mt, data, isData, ok = guest.CutDataURL(p.URL)
			if !isData {
				return wireBlock{}, false, unsupported(pointer+"/url", "Converse takes images as bytes, not by URL: pass the image data (base64) instead")
			}
			if !ok {
				return wireBlock{}, false, invalid(pointer+"/url", "a data: image URL must be base64")
			}
		}
		f, ok := imageFormats[mt]
		if !ok {
			return wireBlock{}, false, invalid(pointer+"/media_type", "image media type %q is not one Bedrock accepts (image/jpeg, image/png, image/gif, image/webp)", mt)
		}
		img := &wireImage{Format: f}
		img.Source.Bytes = data
		return wireBlock{Image: img}, true, nil
	case abi.PartReasoning:
		if p.Redacted != "" {
			return wireBlock{ReasoningContent: &wireReasoning{RedactedContent: p.Redacted}}, true, nil
		}
		return wireBlock{ReasoningContent: &wireReasoning{ReasoningText: &wireReasoningText{Text: p.Text, Signature: p.Signature}}}, true, nil
	case abi.PartToolCall:
		return wireBlock{ToolUse: &wireToolUse{ToolUseID: mapID(p.ID), Name: p.Name, Input: input}}, true, nil
	case abi.PartToolResult:
		r := &wireToolResult{ToolUseID: mapID(p.ToolCallID), Content: []wireText{}}
		if p.Content != "" {
			r.Content = []wireText{{Text: p.Content}}
		}
		if p.IsError {
			r.Status = "error"
		}
		return wireBlock{ToolResult: r}, true, nil
	}
	// abi.PartText: CheckPart refused every other type.
	return wireBlock{Text: p.Text}, true, nil
}
