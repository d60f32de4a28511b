package gemini

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/toolid"
)

// dummySignature is the value the Gemini documentation gives for function
// calls whose thought signature is unknown (history from elsewhere).
const dummySignature = "skip_thought_signature_validator"

type gRequest struct {
	Contents          []*gContent     `json:"contents"`
	SystemInstruction *gContent       `json:"systemInstruction,omitempty"`
	Tools             []gTool         `json:"tools,omitempty"`
	ToolConfig        *gToolConfig    `json:"toolConfig,omitempty"`
	SafetySettings    json.RawMessage `json:"safetySettings,omitempty"`
	CachedContent     string          `json:"cachedContent,omitempty"`
	GenerationConfig  *gGenConfig     `json:"generationConfig,omitempty"`
}

type gContent struct {
	Role  string   `json:"role,omitempty"`
	Parts []*gPart `json:"parts"`
}

type gPart struct {
	Text             *string            `json:"text,omitempty"`
	InlineData       *gBlob             `json:"inlineData,omitempty"`
	FileData         *gFile             `json:"fileData,omitempty"`
	FunctionCall     *gFunctionCall     `json:"functionCall,omitempty"`
	FunctionResponse *gFunctionResponse `json:"functionResponse,omitempty"`
	ThoughtSignature string             `json:"thoughtSignature,omitempty"`
}

type gBlob struct {
	MimeType string `json:"mimeType"`
	Data     string `json:"data"`
}

type gFile struct {
	MimeType string `json:"mimeType"`
	FileURI  string `json:"fileUri"`
}

type gFunctionCall struct {
	ID   string          `json:"id,omitempty"`
	Name string          `json:"name"`
	Args json.RawMessage `json:"args"`
}

type gFunctionResponse struct {
	ID       string          `json:"id,omitempty"`
	Name     string          `json:"name"`
	Response json.RawMessage `json:"response"`
}

// echoID returns the id to send back to Gemini for a tool call: Gemini
// asks that a call it gave an id be answered with that id, so every ID is
// sent back except the ones this adapter synthesized ("call_" and 22
// base62 characters, see toolID), which Gemini never saw.
func echoID(id string) string {
	if len(id) == 5+toolid.SynthLen && strings.HasPrefix(id, "call_") && toolid.IsBase62(id[5:], toolid.SynthLen) {
		return ""
	}
	return id
}

type gTool struct {
	FunctionDeclarations []gFuncDecl `json:"functionDeclarations,omitempty"`
	// GoogleSearch is the Google Search grounding tool ({}).
	GoogleSearch *struct{} `json:"googleSearch,omitempty"`
	// CodeExecution is the code execution tool ({}).
	CodeExecution *struct{} `json:"codeExecution,omitempty"`
	// URLContext is the URL context tool ({}).
	URLContext *struct{} `json:"urlContext,omitempty"`
}

type gFuncDecl struct {
	Name                 string          `json:"name"`
	Description          string          `json:"description,omitempty"`
	Parameters           json.RawMessage `json:"parameters,omitempty"`
	ParametersJSONSchema json.RawMessage `json:"parametersJsonSchema,omitempty"`
}

type gToolConfig struct {
	FunctionCallingConfig gFCConfig `json:"functionCallingConfig"`
}

type gFCConfig struct {
	Mode                 string   `json:"mode"`
	AllowedFunctionNames []string `json:"allowedFunctionNames,omitempty"`
}

type gGenConfig struct {
	StopSequences      []string        `json:"stopSequences,omitempty"`
	ResponseMimeType   string          `json:"responseMimeType,omitempty"`
	ResponseSchema     json.RawMessage `json:"responseSchema,omitempty"`
	ResponseJSONSchema json.RawMessage `json:"responseJsonSchema,omitempty"`
	MaxOutputTokens    *int            `json:"maxOutputTokens,omitempty"`
	Temperature        *float64        `json:"temperature,omitempty"`
	TopP               *float64        `json:"topP,omitempty"`
	ThinkingConfig     *gThinking      `json:"thinkingConfig,omitempty"`
}

type gThinking struct {
	IncludeThoughts *bool  `json:"includeThoughts,omitempty"`
	ThinkingBudget  *int   `json:"thinkingBudget,omitempty"`
	ThinkingLevel   string `json:"thinkingLevel,omitempty"`
}

type options struct {
	safety          json.RawMessage
	cachedContent   string
	schemaMode      string
	includeThoughts *bool
	thinkingLevel   string
}

var invalid = guest.Invalid

func unsupportedCap(model, format string, args ...any) error {
	return guest.Unsupported("", "model %q: "+format, append([]any{model}, args...)...)
}

func parseOptions(po map[string]json.RawMessage) (options, error) {
	var o options
	for k, v := range po {
		ptr := "/provider_options/" + guest.PointerToken(k)
		switch k {
		case "safety_settings":
			if t := bytes.TrimSpace(v); len(t) == 0 || t[0] != '[' {
				return o, invalid(ptr, "safety_settings must be an array of Gemini SafetySetting objects")
			}
			o.safety = v
		case "cached_content":
			if json.Unmarshal(v, &o.cachedContent) != nil || o.cachedContent == "" {
				return o, invalid(ptr, `cached_content must be a cached content name ("cachedContents/...")`)
			}
		case "schema_mode":
			if json.Unmarshal(v, &o.schemaMode) != nil || (o.schemaMode != "json_schema" && o.schemaMode != "openapi") {
				return o, invalid(ptr, `schema_mode must be "json_schema" or "openapi"`)
			}
		case "include_thoughts":
			var b bool
			if json.Unmarshal(v, &b) != nil {
				return o, invalid(ptr, "include_thoughts must be a boolean")
			}
			o.includeThoughts = &b
		case "thinking_level":
			if json.Unmarshal(v, &o.thinkingLevel) != nil || !validLevel(o.thinkingLevel) {
				return o, invalid(ptr, `thinking_level must be "minimal", "low", "medium" or "high"`)
			}
		default:
			return o, invalid(ptr, "unknown provider option %q; the gemini adapter reads %s", k, strings.Join(providerOptions, ", "))
		}
	}
	return o, nil
}

func validLevel(s string) bool {
	switch s {
	case "minimal", "low", "medium", "high":
		return true
	}
	return false
}

// validToolName follows Gemini's rule for function names: a letter or
// underscore first, then letters, digits, underscores, dots, colons and
// dashes, at most 64 characters.
func validToolName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '.' || c == ':' || c == '-'):
		default:
			return false
		}
	}
	return true
}

func validModel(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Budgets used for reasoning.effort on models that take a thinking budget
// (Gemini 2.5).
var effortBudget = map[string]int{"none": 0, "minimal": 512, "low": 1024, "medium": 8192, "high": 24576}

// Project turns a normalized request into a Gemini generateContent or
// streamGenerateContent request.
func (Adapter) Project(req *abi.Request) (*abi.ProviderRequest, error) {
	model := strings.TrimPrefix(req.Model, "models/")
	if !validModel(model) {
		return nil, invalid("/model", "model %q is not a Gemini model name (letters, digits, '.', '-', '_')", req.Model)
	}
	fam := modelFamily(model)
	opts, err := parseOptions(req.ProviderOptions)
	if err != nil {
		return nil, err
	}
	jsonSchema := fam.jsonSchema
	switch opts.schemaMode {
	case "json_schema":
		jsonSchema = true
	case "openapi":
		jsonSchema = false
	}
	body := gRequest{SafetySettings: opts.safety, CachedContent: opts.cachedContent}
	if err := projectMessages(req, fam, &body); err != nil {
		return nil, err
	}
	if err := projectTools(req, model, fam, jsonSchema, &body); err != nil {
		return nil, err
	}
	gc := &gGenConfig{MaxOutputTokens: req.MaxOutputTokens, Temperature: req.Temperature, TopP: req.TopP}
	if len(req.Stop) > 5 {
		return nil, invalid("/stop", "Gemini accepts at most 5 stop sequences, the request has %d", len(req.Stop))
	}
	gc.StopSequences = req.Stop
	if rf := req.ResponseFormat; rf != nil {
		switch rf.Type {
		case "", "text":
		case "json_schema":
			if fam.features.StructuredOutput == abi.SupportNone {
				return nil, unsupportedCap(model, "structured output is not supported")
			}
			gc.ResponseMimeType = "application/json"
			if s := bytes.TrimSpace(rf.Schema); len(s) > 0 && !bytes.Equal(s, []byte("null")) {
				if jsonSchema {
					if !json.Valid(s) {
						return nil, invalid("/response_format/schema", "response_format.schema is not valid JSON")
					}
					gc.ResponseJSONSchema = s
				} else if gc.ResponseSchema, err = toOpenAPI(s, "/response_format/schema"); err != nil {
					return nil, err
				}
			}
		default:
			return nil, invalid("/response_format/type", `response_format.type must be "text" or "json_schema", not %q`, rf.Type)
		}
	}
	if gc.ThinkingConfig, err = thinking(req, model, fam, opts); err != nil {
		return nil, err
	}
	if gc.StopSequences != nil || gc.ResponseMimeType != "" || gc.MaxOutputTokens != nil || gc.Temperature != nil || gc.TopP != nil || gc.ThinkingConfig != nil {
		body.GenerationConfig = gc
	}
	pr, err := opkit.PostJSON("/v1beta/models/"+model+":generateContent", &body, "the Gemini request")
	if err != nil {
		return nil, err
	}
	if req.Stream {
		pr.Path = "/v1beta/models/" + model + ":streamGenerateContent"
		pr.Query = map[string]string{"alt": "sse"}
		pr.StreamFraming = abi.FramingSSE
	}
	return pr, nil
}

func thinking(req *abi.Request, model string, fam family, opts options) (*gThinking, error) {
	r := req.Reasoning
	if r == nil && opts.thinkingLevel == "" && opts.includeThoughts == nil {
		return nil, nil
	}
	if !fam.features.Reasoning {
		return nil, unsupportedCap(model, "reasoning (thinking) is not supported")
	}
	t := &gThinking{}
	on := true
	if r != nil {
		switch {
		case fam.levels && r.Effort != "":
			if r.Effort == "none" {
				return nil, unsupportedCap(model, "thinking cannot be switched off (reasoning.effort \"none\"); use \"minimal\" or \"low\"")
			}
			if !validLevel(r.Effort) {
				return nil, invalid("/reasoning/effort", `reasoning.effort must be "minimal", "low", "medium" or "high" for %s`, model)
			}
			if r.Effort == "minimal" && fam.noMinimal {
				return nil, unsupportedCap(model, "there is no \"minimal\" thinking level on this model; use \"low\"")
			}
			t.ThinkingLevel = r.Effort
		case r.BudgetTokens != nil:
			b := *r.BudgetTokens
			if b < -1 {
				return nil, invalid("/reasoning/budget_tokens", "reasoning.budget_tokens must be -1 (dynamic), 0 (off) or a positive number of tokens")
			}
			if b == 0 && (fam.noDisableThinking || fam.levels) {
				return nil, unsupportedCap(model, "thinking cannot be switched off (reasoning.budget_tokens 0)")
			}
			t.ThinkingBudget = &b
			on = b != 0
		case r.Effort != "":
			b, ok := effortBudget[r.Effort]
			if !ok {
				return nil, invalid("/reasoning/effort", `reasoning.effort must be "none", "minimal", "low", "medium" or "high"`)
			}
			if b == 0 && fam.noDisableThinking {
				return nil, unsupportedCap(model, "thinking cannot be switched off (reasoning.effort \"none\")")
			}
			t.ThinkingBudget = &b
			on = b != 0
		}
	}
	if opts.thinkingLevel != "" {
		if !fam.levels {
			return nil, unsupportedCap(model, "thinking_level is a Gemini 3 setting; use reasoning.budget_tokens")
		}
		if opts.thinkingLevel == "minimal" && fam.noMinimal {
			return nil, unsupportedCap(model, "there is no \"minimal\" thinking level on this model; use \"low\"")
		}
		t.ThinkingLevel = opts.thinkingLevel
		t.ThinkingBudget = nil
	}
	switch {
	case opts.includeThoughts != nil:
		t.IncludeThoughts = opts.includeThoughts
	case r != nil && on:
		yes := true
		t.IncludeThoughts = &yes
	}
	return t, nil
}

func projectTools(req *abi.Request, model string, fam family, jsonSchema bool, body *gRequest) error {
	if len(req.Tools) > 0 && fam.features.ToolCalling == abi.SupportNone {
		return unsupportedCap(model, "tool calling is not supported")
	}
	hosted, err := providerTools(req)
	if err != nil {
		return err
	}
	names := map[string]bool{}
	salt := "openapi"
	if jsonSchema {
		salt = "json-schema"
	}
	key := guest.ToolsKey(nil, salt, req.Tools)
	decls, cached := toolsCache.Get(key)
	if cached {
		for _, t := range req.Tools {
			if !t.IsProvider() {
				names[t.Name] = true
			}
		}
	} else {
		var err error
		if decls, err = functionDecls(req.Tools, jsonSchema, names); err != nil {
			return err
		}
		size := 0
		for i := range decls {
			d := &decls[i]
			d.Parameters, d.ParametersJSONSchema = bytes.Clone(d.Parameters), bytes.Clone(d.ParametersJSONSchema)
			size += len(d.Name) + len(d.Description) + len(d.Parameters) + len(d.ParametersJSONSchema)
		}
		toolsCache.Put(key, decls, size)
	}
	if len(decls) > 0 {
		body.Tools = []gTool{{FunctionDeclarations: decls}}
	}
	body.Tools = append(body.Tools, hosted...)
	tc := req.ToolChoice
	if tc == nil {
		return nil
	}
	if len(decls) == 0 {
		if tc.Mode == abi.ToolChoiceNone || tc.Mode == abi.ToolChoiceAuto {
			return nil
		}
		return invalid("/tool_choice", "tool_choice asks for a tool call but the request declares no tools")
	}
	cfg := gFCConfig{}
	switch {
	case tc.Tool != "":
		if !names[tc.Tool] {
			return invalid("/tool_choice", "tool_choice names %q, which is not among the declared tools", tc.Tool)
		}
		cfg.Mode, cfg.AllowedFunctionNames = "ANY", []string{tc.Tool}
	case tc.Mode == abi.ToolChoiceAuto:
		cfg.Mode = "AUTO"
	case tc.Mode == abi.ToolChoiceNone:
		cfg.Mode = "NONE"
	case tc.Mode == abi.ToolChoiceRequired:
		cfg.Mode = "ANY"
	default:
		return invalid("/tool_choice", "unknown tool_choice %q", tc.Mode)
	}
	body.ToolConfig = &gToolConfig{FunctionCallingConfig: cfg}
	return nil
}

// toolsCache holds the function declarations of recent requests' tools
// (see guest.ToolsCache): they depend on the tools and on the schema
// dialect (the salt) alone.
var toolsCache guest.ToolsCache[[]gFuncDecl]

// functionDecls projects the function tools of a request, recording their
// names in names.
func functionDecls(tools []abi.ToolDefinition, jsonSchema bool, names map[string]bool) ([]gFuncDecl, error) {
	var decls []gFuncDecl
	for i, t := range tools {
		ptr := "/tools/" + strconv.Itoa(i)
		if t.IsProvider() {
			continue // projected by providerTools
		}
		if !validToolName(t.Name) {
			return nil, invalid(ptr+"/name", "tool name %q is not valid for Gemini: start with a letter or underscore, then letters, digits, '_', '.', ':' or '-', at most 64 characters", t.Name)
		}
		if names[t.Name] {
			return nil, invalid(ptr+"/name", "tool name %q is declared twice", t.Name)
		}
		names[t.Name] = true
		d := gFuncDecl{Name: t.Name, Description: t.Description}
		if p := bytes.TrimSpace(t.Parameters); len(p) > 0 && !bytes.Equal(p, []byte("null")) {
			if jsonSchema {
				if !json.Valid(p) {
					return nil, invalid(ptr+"/parameters", "tool parameters are not valid JSON")
				}
				d.ParametersJSONSchema = p
			} else {
				s, err := toOpenAPI(p, ptr+"/parameters")
				if err != nil {
					return nil, err
				}
				if !emptyObjectSchema(s) {
					d.Parameters = s
				}
			}
		}
		decls = append(decls, d)
	}
	return decls, nil
}

type pendingCall struct {
	id, name string
	result   *gPart
}

func strPtr(s string) *string { return &s }

// projectMessages builds contents and systemInstruction.
func projectMessages(req *abi.Request, fam family, body *gRequest) error {
	var (
		contents []*gContent
		pending  []pendingCall // calls of the last model turn awaiting results
		answered = map[string]bool{}
	)
	add := func(role string, parts []*gPart) {
		if len(parts) == 0 {
			return
		}
		if n := len(contents); n > 0 && contents[n-1].Role == role {
			contents[n-1].Parts = append(contents[n-1].Parts, parts...)
			return
		}
		contents = append(contents, &gContent{Role: role, Parts: parts})
	}
	// flush closes the pending calls: all must have results.
	flush := func(ptr string) error {
		if len(pending) == 0 {
			return nil
		}
		parts := make([]*gPart, 0, len(pending))
		for _, c := range pending {
			if c.result == nil {
				return invalid(ptr, "tool call %q (%s) has no tool-result before this message: Gemini needs one functionResponse for every functionCall of a turn", c.id, c.name)
			}
			parts = append(parts, c.result)
		}
		pending = nil
		add("user", parts)
		return nil
	}
	for mi, m := range req.Messages {
		mptr := "/messages/" + strconv.Itoa(mi)
		switch m.Role {
		case abi.RoleSystem:
			sys := body.SystemInstruction
			if sys == nil {
				sys = &gContent{}
				body.SystemInstruction = sys
			}
			for pi, p := range m.Content {
				if p.Type != abi.PartText {
					return invalid(mptr+"/content/"+strconv.Itoa(pi), "a system message may hold only text parts, not %q", p.Type)
				}
				if p.Text != "" {
					sys.Parts = append(sys.Parts, &gPart{Text: strPtr(p.Text)})
				}
			}
		case abi.RoleUser, abi.RoleTool:
			var parts []*gPart
			for pi, p := range m.Content {
				pptr := mptr + "/content/" + strconv.Itoa(pi)
				switch p.Type {
				case abi.PartToolResult:
					idx := -1
					for i := range pending {
						if pending[i].id == p.ToolCallID {
							idx = i
							break
						}
					}
					if idx < 0 {
						if answered[p.ToolCallID] {
							return invalid(pptr, "tool_call_id %q is answered twice", p.ToolCallID)
						}
						return invalid(pptr, "tool_call_id %q matches no tool-call of the preceding assistant turn", p.ToolCallID)
					}
					c := &pending[idx]
					if c.result != nil {
						return invalid(pptr, "tool_call_id %q is answered twice", p.ToolCallID)
					}
					if p.Name != "" && p.Name != c.name {
						return invalid(pptr, "tool-result name %q differs from its tool-call's name %q", p.Name, c.name)
					}
					key := "output"
					if p.IsError {
						key = "error"
					}
					resp, _ := json.Marshal(map[string]string{key: p.Content})
					c.result = &gPart{FunctionResponse: &gFunctionResponse{ID: echoID(c.id), Name: c.name, Response: resp}}
					answered[p.ToolCallID] = true
				default:
					if m.Role == abi.RoleTool {
						return invalid(pptr, "a tool message may hold only tool-result parts, not %q", p.Type)
					}
					gp, err := userPart(p, pptr)
					if err != nil {
						return err
					}
					if gp != nil {
						parts = append(parts, gp)
					}
				}
			}
			if len(parts) > 0 {
				if err := flush(mptr); err != nil {
					return err
				}
				add("user", parts)
			}
		case abi.RoleAssistant:
			if err := flush(mptr); err != nil {
				return err
			}
			var parts []*gPart
			sig := ""
			firstCall := true
			for pi, p := range m.Content {
				pptr := mptr + "/content/" + strconv.Itoa(pi)
				var gp *gPart
				switch p.Type {
				case abi.PartReasoning:
					if p.Provider == Name && p.Signature != "" {
						if sig != "" {
							parts = append(parts, &gPart{Text: strPtr(""), ThoughtSignature: sig})
						}
						sig = p.Signature
					}
					continue
				case abi.PartText:
					if p.Text == "" && sig == "" {
						continue
					}
					gp = &gPart{Text: strPtr(p.Text)}
				case abi.PartToolCall:
					args := bytes.TrimSpace([]byte(p.Arguments))
					if len(args) == 0 {
						args = []byte("{}")
					}
					if len(args) == 0 || args[0] != '{' || !json.Valid(args) {
						return invalid(pptr+"/arguments", "tool-call arguments must be a JSON object")
					}
					if p.ID == "" {
						return invalid(pptr+"/id", "a tool-call needs an id so that its result can be matched")
					}
					gp = &gPart{FunctionCall: &gFunctionCall{ID: echoID(p.ID), Name: p.Name, Args: args}}
					pending = append(pending, pendingCall{id: p.ID, name: p.Name})
					if firstCall && sig == "" && fam.needsSignature {
						sig = dummySignature
					}
					firstCall = false
				case abi.PartImage:
					var err error
					if gp, err = userPart(p, pptr); err != nil {
						return err
					}
				default:
					return invalid(pptr, "an assistant message may not hold %q parts", p.Type)
				}
				gp.ThoughtSignature, sig = sig, ""
				parts = append(parts, gp)
			}
			if sig != "" {
				parts = append(parts, &gPart{Text: strPtr(""), ThoughtSignature: sig})
			}
			add("model", parts)
		default:
			return invalid(mptr+"/role", "unknown role %q", m.Role)
		}
	}
	if err := flush("/messages/" + strconv.Itoa(len(req.Messages))); err != nil {
		return err
	}
	if len(contents) == 0 {
		return invalid("/messages", "the request has no user or assistant content; Gemini needs at least one")
	}
	body.Contents = contents
	if body.SystemInstruction != nil && len(body.SystemInstruction.Parts) == 0 {
		body.SystemInstruction = nil
	}
	return nil
}

func userPart(p abi.Part, ptr string) (*gPart, error) {
	switch p.Type {
	case abi.PartText:
		if p.Text == "" {
			return nil, nil
		}
		return &gPart{Text: strPtr(p.Text)}, nil
	case abi.PartImage:
		switch {
		case p.Data != "":
			if p.MediaType == "" {
				return nil, invalid(ptr+"/media_type", "an inline image needs its media_type")
			}
			return &gPart{InlineData: &gBlob{MimeType: p.MediaType, Data: p.Data}}, nil
		case p.URL != "":
			if p.MediaType == "" {
				return nil, invalid(ptr+"/media_type", "Gemini needs the media_type of an image given by URL (fileData.mimeType)")
			}
			return &gPart{FileData: &gFile{MimeType: p.MediaType, FileURI: p.URL}}, nil
		}
		return nil, invalid(ptr, "an image part needs data or url")
	case abi.PartFile:
		return filePart(p, ptr)
	case abi.PartAudio:
		if p.Data == "" && p.URL == "" {
			return nil, invalid(ptr, "an audio part needs data (base64, with media_type) or url")
		}
		if p.MediaType == "" {
			return nil, invalid(ptr+"/media_type", "Gemini needs the media_type of audio (e.g. audio/wav)")
		}
		if p.Data != "" {
			return &gPart{InlineData: &gBlob{MimeType: p.MediaType, Data: p.Data}}, nil
		}
		return &gPart{FileData: &gFile{MimeType: p.MediaType, FileURI: p.URL}}, nil
	case abi.PartReasoning:
		return nil, nil
	}
	return nil, invalid(ptr, "a user message may not hold %q parts", p.Type)
}

// filesURIPrefix is the URI of the Gemini API's uploaded files: a file_id
// that is a bare file name ("files/abc123") is sent as fileData.fileUri
// under it.
const filesURIPrefix = "https://generativelanguage.googleapis.com/v1beta/"

// filePart projects a file part: inline as inlineData, by URL or file ID
// as fileData (which needs the media type).
func filePart(p abi.Part, ptr string) (*gPart, error) {
	src, err := abi.FileSource(&p, ptr)
	if err != nil {
		return nil, err
	}
	if src == abi.FileInline {
		return &gPart{InlineData: &gBlob{MimeType: p.MediaType, Data: p.Data}}, nil
	}
	if p.MediaType == "" {
		return nil, invalid(ptr+"/media_type", "Gemini needs the media_type of a file given by url or file_id (fileData.mimeType)")
	}
	uri := p.URL
	if src == abi.FileStored {
		uri = p.FileID
		if strings.HasPrefix(uri, "files/") {
			uri = filesURIPrefix + uri
		}
	}
	return &gPart{FileData: &gFile{MimeType: p.MediaType, FileURI: uri}}, nil
}

func itoa(v int) string { return strconv.Itoa(v) }
