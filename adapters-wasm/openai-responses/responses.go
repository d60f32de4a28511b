// Package openairesponses is the wasmadapt adapter for the OpenAI Responses
// API (POST /v1/responses). It shares the OpenAI model rules of package
// openai, and the request-body builder, strict-schema transform and HTTP
// error mapping of package chatcompletions; the wire protocol itself (input
// items, typed stream events) is its own.
//
// # Projection
//
// System messages before the first other message become "instructions"
// (joined by a blank line); later ones stay in "input" as role "system"
// messages. User text and images become input_text and input_image parts
// (inline images as data: URLs), assistant text output_text parts, tool
// calls function_call items {call_id, name, arguments} and tool results
// function_call_output items {call_id, output} ("Error: " prefixed when
// is_error: the item has no error flag). Tools are flat function tools
// {type, name, description, parameters, strict} made from the one
// ToolDefinition; strict is always sent, because the Responses API treats
// an absent strict as true. A strict tool or json_schema response format
// is made strict-compatible or refused with schema_unsupported and the
// JSON pointer of the offending keyword. response_format json_schema
// becomes text.format {type json_schema, name, schema, strict}.
// max_output_tokens, temperature and top_p are copied; stop sequences do
// not exist in the Responses API and are refused with
// capability_unsupported, as is reasoning.budget_tokens (effort only).
//
// Reasoning models (o-series, gpt-5 except its chat models): reasoning
// {effort, summary} is sent when the request has reasoning or
// provider_options.reasoning_summary ("auto", "concise", "detailed"; the
// default "auto" when the request has reasoning; "none" sends none). The
// module is stateless: it never relies on stored responses, so for reasoning
// models it sends store false and include ["reasoning.encrypted_content"]
// (unless provider_options.store says otherwise), and echoes the reasoning
// of earlier turns back as reasoning items {type, summary, encrypted_content}
// in their place in the history: only reasoning parts whose provider is
// this module's (Provider) and that carry encrypted content (redacted);
// reasoning from other providers, and any reasoning sent to a model that is
// not a reasoning model, is dropped (thinking-block scrubbing). The item's
// id is not part of the normalized history and is not sent: with store
// false, the API reads the encrypted content.
//
// # Stream events
//
// The typed SSE events map to normalized events (the type is read from the
// data's "type", else the SSE event name):
//
//   - response.created (or the first response.in_progress): response-start
//     with the response id and model.
//   - response.output_text.delta: text-delta; response.refusal.delta:
//     refusal (source "provider"). When a message item starts after text
//     of an earlier one (a commentary then a final answer), its text is
//     preceded by a "\n\n" text-delta, so the texts stay paragraphs.
//   - response.reasoning_summary_text.delta and response.reasoning_text.delta:
//     reasoning-delta; a summary part after the first one of an item is
//     preceded by a "\n\n" reasoning-delta, so parts stay paragraphs.
//   - response.output_item.added of a function_call: tool-call-start with a
//     dense index (0, 1, ... in the order the calls start), its call_id and
//     name; response.function_call_arguments.delta: tool-call-delta;
//     response.output_item.done of the call: the complete tool-call ("" is
//     "{}"; arguments that are no JSON object are the error
//     tool_arguments_invalid, never guessed).
//   - response.output_item.done of a reasoning item with encrypted_content:
//     reasoning-redacted with it (the host stores it as a reasoning part's
//     redacted field with this module's provider, for the next turn).
//   - response.completed, response.incomplete, response.failed end the
//     stream: usage (input_tokens, cached input_tokens_details.cached_tokens,
//     output_tokens, reasoning output_tokens_details.reasoning_tokens), then
//     finish. completed is stop, or tool-calls when the response holds
//     function calls, refusal when it holds a refusal, other when it holds
//     a client-executed built-in call (local_shell_call, computer_call, ...)
//     the normalized events cannot express; raw_reason "completed".
//     incomplete: incomplete_details.reason max_output_tokens is length,
//     content_filter is content-filter, anything else other (raw_reason is
//     the reason). failed: an error event from response.error, then finish
//     error (raw_reason "failed").
//   - error: one error event; the stream is over and later chunks are
//     ignored, as are chunks after the end marker (a body holding several
//     responses yields the first).
//
// Built-in tool items the Responses API runs itself (web_search_call,
// code_interpreter_call, file_search_call, mcp_call, mcp_list_tools) are
// server-tool-call and server-tool-result events when their item is done
// (see hostedtools.go and abi/README.md, "Hosted tool kinds (1.3)");
// image_generation_call has no normalized event and is skipped; items the
// client must act on (local_shell_call, computer_call, custom_tool_call,
// mcp_approval_request, ...) end the turn with finish other. Provider
// tools: web_search, code_execution (code_interpreter), file_search and
// mcp are projected; web_fetch is refused.
// Other events (content_part.*, output_text.done, annotations, *.in_progress,
// *.searching) carry nothing new and are skipped. A body that ends
// (FlagEnd) before an end marker gets the error stream_truncated.
//
// ParseResponse gives the same events for a whole response object, with
// whole texts. MapError maps error bodies as package chatcompletions does
// (429 and 5xx retryable, insufficient_quota not).
//
// Provider options: reasoning_summary (above), and metadata,
// parallel_tool_calls, previous_response_id, prompt_cache_key,
// prompt_cache_retention, safety_identifier, service_tier, store,
// truncation, user, copied to the body after a type check. Any other key is refused with invalid_request.
package openairesponses

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/openai"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Version is the module's version.
const Version = "1.0.0"

// Provider is the module's provider name: reasoning parts carrying it are
// echoed back to it.
const Provider = "openai-responses"

// StateFormat names the transform state layout.
const StateFormat = "openai-responses/1"

// Path is the Responses API path relative to the base URL.
const Path = "/v1/responses"

// Adapter is the OpenAI Responses API adapter. It is stateless and safe
// for concurrent use.
type Adapter struct{}

var _ guest.Adapter = Adapter{}

// New returns the adapter.
func New() guest.Adapter { return Adapter{} }

var passThrough = chatcompletions.Pass("metadata", "parallel_tool_calls", "previous_response_id:string", "prompt_cache_key",
	"prompt_cache_retention", "safety_identifier", "service_tier", "store", "truncation:string", "user")

// Capabilities describes the module for model ("" for the defaults): the
// features of package openai's model rules.
func (Adapter) Capabilities(model string) abi.Capabilities {
	keys := []string{"reasoning_summary"}
	for _, o := range passThrough {
		keys = append(keys, o.Key)
	}
	slices.Sort(keys)
	return abi.Capabilities{
		ABIVersion:      abi.VersionString(abi.Version),
		Name:            "openai-responses",
		Version:         Version,
		Provider:        Provider,
		Model:           model,
		DefaultBaseURL:  "https://api.openai.com",
		Auth:            abi.Auth{Scheme: abi.AuthBearer},
		StateFormat:     StateFormat,
		ProviderOptions: keys,
		Features:        chatcompletions.Reported(openai.Model(model).Features),
		Details:         openai.Model(model).Details,
		ProviderTools:   hostedKinds,
		EchoServerTools: true,
		Operations:      guest.OpsOf(Adapter{}),
	}
}

var invalid = guest.Invalid

func unsupported(model, feature, what string) error {
	return guest.ModelUnsupported(Provider, model, feature, what)
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only called with values that always encode
	}
	return b
}

type textPart struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type imagePart struct {
	Type     string `json:"type"`
	ImageURL string `json:"image_url"`
	Detail   string `json:"detail"`
}

// filePart is an input_file content part: inline as a data URL, by URL or
// by file ID.
type filePart struct {
	Type     string `json:"type"`
	Filename string `json:"filename,omitempty"`
	FileData string `json:"file_data,omitempty"`
	FileURL  string `json:"file_url,omitempty"`
	FileID   string `json:"file_id,omitempty"`
}

// projectFile projects a file part to input_file: a PDF inline (as a data
// URL, with a file name: the API requires one), or any file by URL or by
// file ID; the model must take images (PDF input is read as pages of text
// and images).
func projectFile(p abi.Part, pointer string, m chatcompletions.Model, model string) (filePart, error) {
	src, err := abi.FileSource(&p, pointer)
	if err != nil {
		return filePart{}, err
	}
	if !m.Features.Vision {
		return filePart{}, unsupported(model, "file input", "remove the file parts or pick a model with vision, which reads PDFs")
	}
	f := filePart{Type: "input_file", Filename: p.Filename}
	switch src {
	case abi.FileStored:
		f.FileID = p.FileID
	case abi.FileURL:
		f.FileURL = p.URL
	default:
		if f.Filename, f.FileData, err = chatcompletions.InlinePDF(&p, pointer, "the Responses API"); err != nil {
			return filePart{}, err
		}
	}
	return f, nil
}

type messageItem struct {
	Role    string `json:"role"`
	Content []any  `json:"content"`
}

type functionCallItem struct {
	Type      string `json:"type"`
	CallID    string `json:"call_id"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

type functionOutputItem struct {
	Type   string `json:"type"`
	CallID string `json:"call_id"`
	Output string `json:"output"`
}

type reasoningItem struct {
	Type             string     `json:"type"`
	Summary          []textPart `json:"summary"`
	EncryptedContent string     `json:"encrypted_content"`
}

type functionTool struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters"`
	Strict      bool            `json:"strict"`
}

// toolsCache holds the tools blocks of recent requests (see
// guest.ToolsCache).
var toolsCache guest.ToolsCache[[]byte]

// cachedTools returns the cache key of a request's tools and their cached
// block, if any. Only lists of function tools are cached (their block
// depends on the tools alone); key is nil for a list that is not.
func cachedTools(tools []abi.ToolDefinition) (key, block []byte) {
	for i := range tools {
		if tools[i].IsProvider() {
			return nil, nil
		}
	}
	key = guest.ToolsKey(nil, "", tools)
	block, _ = toolsCache.Get(key)
	return key, block
}

// Project builds the Responses API request for req.
func (Adapter) Project(req *abi.Request) (*abi.ProviderRequest, error) {
	if req.Model == "" {
		return nil, invalid("/model", "the request names no model: set model")
	}
	m := openai.Model(req.Model)
	f := m.Features
	var body chatcompletions.Body
	body.SetRaw("model", mustJSON(req.Model))

	instructions, input, err := projectInput(req, m)
	if err != nil {
		return nil, err
	}
	if instructions != "" {
		if err := body.Set("instructions", instructions); err != nil {
			return nil, err
		}
	}
	if err := body.Set("input", input); err != nil {
		return nil, err
	}

	names := map[string]bool{}
	if len(req.Tools) > 0 {
		if f.ToolCalling != abi.SupportNative {
			return nil, unsupported(req.Model, "tools", "send the request without tools or pick a model with tool calling")
		}
		key, block := cachedTools(req.Tools)
		if block != nil {
			for _, t := range req.Tools {
				names[t.Name] = true
			}
			body.SetCompact("tools", block)
		} else {
			tools := make([]any, 0, len(req.Tools))
			for i, t := range req.Tools {
				ptr := fmt.Sprintf("/tools/%d", i)
				if err := t.CheckType(i); err != nil {
					return nil, err
				}
				if t.IsProvider() {
					wt, err := hostedTool(&t, ptr)
					if err != nil {
						return nil, err
					}
					tools = append(tools, wt)
					continue
				}
				params, err := chatcompletions.FunctionTool(&t, ptr, names)
				if err != nil {
					return nil, err
				}
				if len(params) == 0 {
					params = json.RawMessage(`{"type":"object","properties":{}}`)
				}
				tools = append(tools, functionTool{Type: "function", Name: t.Name, Description: t.Description, Parameters: params, Strict: t.Strict})
			}
			if err := body.Set("tools", tools); err != nil {
				return nil, err
			}
			if key != nil {
				raw, _ := body.Get("tools")
				toolsCache.Put(key, raw, len(raw))
			}
		}
	}
	if tc := req.ToolChoice; tc != nil {
		name, mode, err := chatcompletions.ToolChoice(tc, names, len(req.Tools))
		if err != nil {
			return nil, err
		}
		switch {
		case name != "":
			body.SetRaw("tool_choice", mustJSON(map[string]string{"type": "function", "name": name}))
		case mode != "":
			body.SetRaw("tool_choice", mustJSON(mode))
		}
	}
	if rf := req.ResponseFormat; rf != nil && rf.Type != "" && rf.Type != "text" {
		name, schema, err := chatcompletions.JSONSchema(rf, Provider, req.Model, f.StructuredOutput)
		if err != nil {
			return nil, err
		}
		format := struct {
			Type   string          `json:"type"`
			Name   string          `json:"name"`
			Schema json.RawMessage `json:"schema"`
			Strict bool            `json:"strict"`
		}{"json_schema", name, schema, rf.Strict}
		if err := body.Set("text", map[string]any{"format": format}); err != nil {
			return nil, err
		}
	}
	if len(req.Stop) > 0 {
		return nil, unsupported(req.Model, "stop", "the Responses API has no stop sequences: drop stop, or use the openai (Chat Completions) module")
	}
	if err := m.SetSampling(req, Provider, &body); err != nil {
		return nil, err
	}
	if req.MaxOutputTokens != nil {
		if *req.MaxOutputTokens <= 0 {
			return nil, invalid("/max_output_tokens", "max_output_tokens must be positive")
		}
		body.SetRaw("max_output_tokens", mustJSON(*req.MaxOutputTokens))
	}
	if err := projectReasoning(req, f, &body); err != nil {
		return nil, err
	}
	if err := applyOptions(req, &body); err != nil {
		return nil, err
	}
	if f.Reasoning {
		if _, set := body.Get("store"); !set {
			body.SetRaw("store", json.RawMessage("false"))
		}
		if v, _ := body.Get("store"); string(v) == "false" {
			body.SetRaw("include", json.RawMessage(`["reasoning.encrypted_content"]`))
		}
	}
	framing := abi.FramingNone
	if req.Stream {
		if !f.Streaming {
			return nil, unsupported(req.Model, "streaming", "send the request with stream false")
		}
		framing = abi.FramingSSE
		body.SetRaw("stream", json.RawMessage("true"))
	}
	raw, err := body.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return &abi.ProviderRequest{Method: "POST", Path: Path, Body: raw, StreamFraming: framing}, nil
}

func projectReasoning(req *abi.Request, f abi.Features, body *chatcompletions.Body) error {
	summary := ""
	summarySet := false
	if v, ok := req.ProviderOptions["reasoning_summary"]; ok {
		if err := json.Unmarshal(v, &summary); err != nil || !slices.Contains([]string{"auto", "concise", "detailed", "none"}, summary) {
			return invalid("/provider_options/reasoning_summary", `provider option "reasoning_summary" must be "auto", "concise", "detailed" or "none"`)
		}
		summarySet = true
	}
	r := req.Reasoning
	if r == nil && !summarySet {
		return nil
	}
	if r != nil && r.BudgetTokens != nil {
		return unsupported(req.Model, chatcompletions.FeatureReasoningBudget, "the Responses API takes an effort level: set reasoning.effort instead")
	}
	if !f.Reasoning {
		return unsupported(req.Model, "reasoning", "it is not a reasoning model: drop reasoning and reasoning_summary")
	}
	if !summarySet {
		summary = "auto"
	}
	out := map[string]string{}
	if r != nil && r.Effort != "" {
		out["effort"] = r.Effort
	}
	if summary != "none" {
		out["summary"] = summary
	}
	if len(out) > 0 {
		return body.Set("reasoning", out)
	}
	return nil
}

func applyOptions(req *abi.Request, body *chatcompletions.Body) error {
	keys := make([]string, 0, len(req.ProviderOptions))
	for k := range req.ProviderOptions {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == "reasoning_summary" {
			continue
		}
		i := slices.IndexFunc(passThrough, func(o chatcompletions.Option) bool { return o.Key == k })
		if i < 0 {
			return invalid("/provider_options/"+guest.PointerToken(k),
				"%s does not know provider option %q: known options are %s", Provider, k, strings.Join(New().Capabilities("").ProviderOptions, ", "))
		}
		if err := passThrough[i].Apply(req.ProviderOptions[k], body); err != nil {
			return invalid("/provider_options/"+k, "%v", err)
		}
	}
	return nil
}

// projectInput builds the instructions and the input items.
func projectInput(req *abi.Request, m chatcompletions.Model) (string, []any, error) {
	var instructions []string
	var items []any
	leading := true
	for i, msg := range req.Messages {
		ptr := fmt.Sprintf("/messages/%d", i)
		switch msg.Role {
		case abi.RoleSystem:
			texts, err := m.SystemTexts(&msg, ptr, Provider, req.Model)
			if err != nil {
				return "", nil, err
			}
			text := strings.Join(texts, "\n\n")
			if leading {
				instructions = append(instructions, text)
			} else {
				items = append(items, messageItem{Role: "system", Content: []any{textPart{"input_text", text}}})
			}
			continue
		case abi.RoleUser, abi.RoleTool:
			var parts []any
			for j, p := range msg.Content {
				pptr := fmt.Sprintf("%s/content/%d", ptr, j)
				switch p.Type {
				case abi.PartText:
					if msg.Role == abi.RoleTool {
						return "", nil, invalid(pptr, "a tool message holds tool-result parts only: put text in a user message")
					}
					parts = append(parts, textPart{"input_text", p.Text})
				case abi.PartImage:
					if msg.Role == abi.RoleTool {
						return "", nil, invalid(pptr, "a tool message holds tool-result parts only")
					}
					url, err := m.ImageURL(&p, pptr, Provider, req.Model)
					if err != nil {
						return "", nil, err
					}
					parts = append(parts, imagePart{"input_image", url, "auto"})
				case abi.PartFile:
					if msg.Role != abi.RoleUser {
						return "", nil, invalid(pptr, "a %s message cannot hold a file part: put it in a user message", msg.Role)
					}
					f, err := projectFile(p, pptr, m, req.Model)
					if err != nil {
						return "", nil, err
					}
					parts = append(parts, f)
				case abi.PartAudio:
					return "", nil, guest.Unsupported(pptr, "the Responses API takes no audio input: use the openai module (Chat Completions) with an audio model, or transcribe the audio first")
				case abi.PartToolResult:
					if p.ToolCallID == "" {
						return "", nil, invalid(pptr+"/tool_call_id", "a tool result needs the tool_call_id of its call")
					}
					out := p.Content
					if p.IsError {
						out = "Error: " + out
					}
					if len(parts) > 0 {
						items = append(items, messageItem{Role: "user", Content: parts})
						parts = nil
					}
					items = append(items, functionOutputItem{"function_call_output", p.ToolCallID, out})
				case abi.PartApprovalResponse:
					item, err := approvalResponse(&p, pptr)
					if err != nil {
						return "", nil, err
					}
					if item != nil {
						if len(parts) > 0 {
							items = append(items, messageItem{Role: "user", Content: parts})
							parts = nil
						}
						items = append(items, item)
					}
				case abi.PartReasoning, abi.PartServerToolCall, abi.PartServerToolResult, abi.PartApprovalRequest:
					// History of the assistant's turn, in the wrong place:
					// dropped below for an assistant message only.
					if p.Type != abi.PartReasoning {
						return "", nil, invalid(pptr, "a %s message cannot hold a %s part", msg.Role, p.Type)
					}
				default:
					return "", nil, invalid(pptr, "a %s message cannot hold a %s part", msg.Role, p.Type)
				}
			}
			if len(parts) > 0 {
				items = append(items, messageItem{Role: "user", Content: parts})
			} else if msg.Role == abi.RoleUser && len(msg.Content) == 0 {
				return "", nil, invalid(ptr+"/content", "a user message needs content")
			}
		case abi.RoleAssistant:
			var texts []any
			flush := func() {
				if len(texts) > 0 {
					items = append(items, messageItem{Role: "assistant", Content: texts})
					texts = nil
				}
			}
			for j, p := range msg.Content {
				pptr := fmt.Sprintf("%s/content/%d", ptr, j)
				switch p.Type {
				case abi.PartText:
					texts = append(texts, textPart{"output_text", p.Text})
				case abi.PartToolCall:
					args, err := chatcompletions.CallArguments(&p, pptr)
					if err != nil {
						return "", nil, err
					}
					flush()
					items = append(items, functionCallItem{"function_call", p.ID, p.Name, args})
				case abi.PartReasoning:
					// Only this module's own encrypted reasoning, and only
					// to a reasoning model, is echoed; the rest is dropped.
					if p.Provider != Provider || p.Redacted == "" || !m.Features.Reasoning {
						continue
					}
					flush()
					summary := []textPart{}
					if p.Text != "" {
						summary = append(summary, textPart{"summary_text", p.Text})
					}
					items = append(items, reasoningItem{"reasoning", summary, p.Redacted})
				case abi.PartServerToolCall:
					// MCP items go back (the server's tool list then need
					// not be fetched again); the API keeps its other output
					// items itself (store, previous_response_id).
					item, err := mcpItem(&p, msg.Content[j+1:], pptr)
					if err != nil {
						return "", nil, err
					}
					if item != nil {
						flush()
						items = append(items, item)
					}
				case abi.PartServerToolResult:
					// Sent with its call, above.
				case abi.PartApprovalRequest:
					item, err := approvalRequest(&p, pptr)
					if err != nil {
						return "", nil, err
					}
					if item != nil {
						flush()
						items = append(items, item)
					}
				default:
					return "", nil, invalid(pptr, "an assistant message cannot hold a %s part", p.Type)
				}
			}
			flush()
		default:
			return "", nil, invalid(ptr+"/role", "unknown role %q: use system, user, assistant or tool", msg.Role)
		}
		leading = false
	}
	if len(items) == 0 {
		return "", nil, invalid("/messages", "the request has no user, assistant or tool messages")
	}
	return strings.Join(instructions, "\n\n"), items, nil
}
