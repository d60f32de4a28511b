// Package mistral is the wasmadapt adapter for Mistral's Chat Completions
// API (POST https://api.mistral.ai/v1/chat/completions): a dialect of
// package chatcompletions, which documents the projection, the events and
// their order. What differs from OpenAI:
//
//   - Tool-call IDs must be exactly 9 characters of [a-zA-Z0-9]. Every ID
//     of the history (assistant tool calls and tool results alike) is
//     rewritten with one toolid.Mapper per request: IDs already valid are
//     kept, the others hashed to base62, collisions resolved, so the
//     mapping is deterministic and injective and a call still matches its
//     result.
//   - Tool results carry the tool's name; a tool-result part without one
//     takes the name of the call it answers, and one whose call is not in
//     the history and names no tool is refused with invalid_request.
//   - tool_choice "required" is sent as "any".
//   - Finish reasons: stop, length, model_length (the context window was
//     reached: length), error (error), tool_calls.
//   - Magistral (reasoning) models answer with content as an array of typed
//     parts: "thinking" parts (nested text parts) are reasoning-delta
//     events, "text" parts text-delta events, in streams and whole
//     responses. Their reasoning cannot be tuned: reasoning.effort is
//     refused. Reasoning parts of the history are not sent back (as for
//     every Chat Completions dialect).
//   - max_output_tokens is max_tokens; streams carry usage in the chunk
//     with the finish_reason without stream_options, which is not sent.
//   - Error bodies come as {"object":"error","message","type","param",
//     "code"}, as {"message"} (401, 429), with message an object of
//     validation details (422), or as {"detail":...}; all map to the stable
//     codes by status.
//
// Provider options (copied to the body after a type check):
// frequency_penalty, parallel_tool_calls, presence_penalty, prompt_mode,
// random_seed, safe_prompt. OpenAI options Mistral lacks (logprobs,
// top_logprobs, logit_bias, seed, user, store, metadata, service_tier,
// reasoning_effort) are refused with capability_unsupported; any other key
// with invalid_request.
//
// Strict tools (function.strict) and strict json_schema response formats
// are supported and follow the chatcompletions strict-schema rules.
package mistral

import (
	"fmt"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
	"github.com/wasmadapt/wasmadapt/guest/toolid"
)

// Version is the module's version.
const Version = "1.0.0"

// IDRule is Mistral's tool-call ID rule: exactly 9 characters of [a-zA-Z0-9].
var IDRule = toolid.Base62Rule{N: 9}

// Dialect returns the Mistral dialect of Chat Completions.
func Dialect() *chatcompletions.Dialect {
	return &chatcompletions.Dialect{
		Name:           "mistral",
		Version:        Version,
		Provider:       "mistral",
		DefaultBaseURL: "https://api.mistral.ai",
		MaxTokensField: "max_tokens",
		ToolResultName: true,
		Embeddings:     &chatcompletions.Embeddings{MaxBatch: 128, DimensionsField: "output_dimension"},
		Models:         &chatcompletions.Models{Info: modelInfo},
		Options: chatcompletions.Pass("frequency_penalty", "parallel_tool_calls", "presence_penalty",
			"prompt_mode:string", "random_seed:integer", "safe_prompt:boolean"),
		Refused: map[string]string{
			"logprobs":         "Mistral returns no log probabilities; remove it",
			"top_logprobs":     "Mistral returns no log probabilities; remove it",
			"logit_bias":       "Mistral has no logit bias; remove it",
			"seed":             "Mistral names it random_seed; use provider option random_seed",
			"user":             "Mistral has no end-user field; remove it",
			"store":            "Mistral does not store completions; remove it",
			"metadata":         "Mistral has no request metadata; remove it",
			"service_tier":     "Mistral has no service tiers on this API; remove it",
			"reasoning_effort": "use reasoning.effort of the request (refused for models whose reasoning cannot be tuned)",
		},
		Model:   Model,
		Rewrite: Rewrite,
		Extend:  extend,
		Finish:  Finish,
		Error:   mapError,
	}
}

// New returns the Mistral adapter.
func New() guest.Adapter { return chatcompletions.New(Dialect()) }

// IsReasoningModel reports whether model is a magistral reasoning model.
func IsReasoningModel(model string) bool {
	return strings.HasPrefix(strings.ToLower(model), "magistral")
}

// mistralTable lists the models of Mistral's models overview (names
// continue with "-latest" or a "-YYMM" version); mistralFamilies the lines
// newer names continue.
var (
	mistralTable = []string{"mistral-large", "mistral-medium", "mistral-small", "ministral-3b", "ministral-8b",
		"magistral-medium", "magistral-small", "codestral", "devstral-small", "devstral-medium",
		"pixtral-large", "pixtral-12b", "open-mistral-nemo", "open-mistral-7b", "open-mixtral-8x7b",
		"open-mixtral-8x22b", "mistral-tiny", "mistral-saba"}
	mistralFamilies = []string{"mistral-", "ministral-", "magistral-", "codestral", "devstral", "pixtral-"}
)

// Model returns what the adapter knows of a Mistral model: magistral models
// reason; the code models (codestral, devstral), the open-mistral and
// open-mixtral models and ministral-3b/8b take no images.
func Model(name string) chatcompletions.Model {
	m := strings.ToLower(name)
	f := chatcompletions.DefaultFeatures
	f.Reasoning = IsReasoningModel(m)
	for _, p := range []string{"codestral", "devstral", "open-mistral", "open-mixtral", "ministral-3b", "ministral-8b", "mistral-tiny", "mistral-embed"} {
		if strings.HasPrefix(m, p) {
			f.Vision = false
		}
	}
	f.Source = chatcompletions.Source(m, mistralTable, mistralFamilies)
	cm := chatcompletions.Model{Features: f}
	if l, ok := opkit.FindLimit(Limits, m); ok {
		cm.Details = l.Details(opkit.Modalities(f.Vision, false, false)...)
		// temperature, top_p and stop; Mistral's seed is the random_seed
		// option, not the seed the host reads.
		cm.Details.Sampling = chatcompletions.Sampling(nil, false, false)
	}
	return cm
}

// Limits are the context windows ("Max Tokens") of the dated model
// versions of Mistral's models overview, a k read as 1024 tokens; the
// -latest aliases move between versions and are left to discovery (the
// models operation). The overview gives no output limit of its own.
var Limits = []opkit.Limit{
	{Prefix: "mistral-medium-2508", Context: 128 << 10},
	{Prefix: "mistral-medium-2505", Context: 128 << 10},
	{Prefix: "mistral-large-2411", Context: 128 << 10},
	{Prefix: "mistral-small-2506", Context: 128 << 10},
	{Prefix: "mistral-small-2503", Context: 128 << 10},
	{Prefix: "mistral-small-2501", Context: 32 << 10},
	{Prefix: "mistral-small-2407", Context: 32 << 10},
	{Prefix: "magistral-medium-2507", Context: 40 << 10},
	{Prefix: "magistral-medium-2506", Context: 40 << 10},
	{Prefix: "magistral-small-2507", Context: 40 << 10},
	{Prefix: "magistral-small-2506", Context: 40 << 10},
	{Prefix: "codestral-2508", Context: 256 << 10},
	{Prefix: "codestral-2501", Context: 256 << 10},
	{Prefix: "devstral-medium-2507", Context: 128 << 10},
	{Prefix: "devstral-small-2507", Context: 128 << 10},
	{Prefix: "devstral-small-2505", Context: 128 << 10},
	{Prefix: "ministral-3b-2410", Context: 128 << 10},
	{Prefix: "ministral-8b-2410", Context: 128 << 10},
	{Prefix: "pixtral-large-2411", Context: 128 << 10},
	{Prefix: "pixtral-12b-2409", Context: 128 << 10},
	{Prefix: "open-mistral-nemo", Context: 128 << 10},
}

// Rewrite maps every tool-call ID of the history to Mistral's 9-character
// form (one injective Mapper over the request), fills the names of tool
// results from the calls they answer, and refuses reasoning.effort.
func Rewrite(req *abi.Request) (*abi.Request, error) {
	if req.Reasoning != nil && (req.Reasoning.Effort != "" || req.Reasoning.BudgetTokens != nil) {
		what := "it is not a reasoning model: drop reasoning"
		if IsReasoningModel(req.Model) {
			what = "magistral models always reason and take no effort or budget: drop reasoning"
		}
		return nil, guest.Unsupported("/reasoning",
			"mistral model %q does not support %s: %s", req.Model, chatcompletions.FeatureReasoningEffort, what)
	}
	var ids []string
	names := map[string]string{}
	for _, m := range req.Messages {
		for _, p := range m.Content {
			switch p.Type {
			case abi.PartToolCall:
				if p.ID != "" {
					ids = append(ids, p.ID)
					if _, ok := names[p.ID]; !ok {
						names[p.ID] = p.Name
					}
				}
			case abi.PartToolResult:
				if p.ToolCallID != "" {
					ids = append(ids, p.ToolCallID)
				}
			}
		}
	}
	if len(ids) == 0 {
		return req, nil
	}
	mp := toolid.NewMapper(IDRule, ids)
	c := *req
	c.Messages = make([]abi.Message, len(req.Messages))
	for i, m := range req.Messages {
		parts := make([]abi.Part, len(m.Content))
		copy(parts, m.Content)
		for j := range parts {
			p := &parts[j]
			switch p.Type {
			case abi.PartToolCall:
				if p.ID != "" {
					p.ID, _ = mp.Map(p.ID)
				}
			case abi.PartToolResult:
				if p.ToolCallID == "" {
					continue
				}
				if p.Name == "" {
					p.Name = names[p.ToolCallID]
				}
				if p.Name == "" {
					return nil, guest.Invalid(fmt.Sprintf("/messages/%d/content/%d/name", i, j),
						"tool result %q answers no tool call of the history and names no tool: Mistral needs the tool name; set name", p.ToolCallID)
				}
				p.ToolCallID, _ = mp.Map(p.ToolCallID)
			}
		}
		c.Messages[i] = abi.Message{Role: m.Role, Content: parts}
	}
	return &c, nil
}

func extend(req *abi.Request, body *chatcompletions.Body) error {
	if tc, ok := body.Get("tool_choice"); ok && string(tc) == `"required"` {
		body.SetRaw("tool_choice", []byte(`"any"`))
	}
	return nil
}

// Finish maps Mistral's finish reasons that OpenAI lacks.
func Finish(raw string) abi.FinishReason {
	switch raw {
	case "model_length":
		return abi.FinishLength
	case "error":
		return abi.FinishError
	}
	return ""
}

// mapError gives validation errors whose message is an object (422) and
// {"detail":...} bodies a readable message.
func mapError(info *chatcompletions.ErrorInfo, e *abi.Error) {
	if info.Message != "" {
		return
	}
	detail, found, _ := jsonx.Lookup(info.Body, "message")
	if !found || jsonx.KindOf(detail) == jsonx.KindString {
		detail, found, _ = jsonx.Lookup(info.Body, "detail")
	}
	if !found {
		return
	}
	where := "stream error"
	if info.Status != 0 {
		where = fmt.Sprintf("HTTP %d", info.Status)
	}
	d := strings.TrimSpace(string(detail))
	if len(d) > 300 {
		d = d[:300] + "..."
	}
	e.Message = fmt.Sprintf("mistral %s: the request failed validation: %s: fix the request", where, d)
}
