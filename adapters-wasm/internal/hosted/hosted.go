// Package hosted builds the Chat Completions dialects of hosted inference
// platforms (Together AI, Fireworks AI, Cerebras, DeepInfra, Hugging Face,
// Moonshot, DashScope, Zhipu, SambaNova, Nebius, NVIDIA NIM, Perplexity,
// MiniMax, IBM watsonx.ai) from data: a Spec lists the model families with their
// features, the documented limits of its models (reported as details, with
// the open-weight models' card limits of package openweights where the
// platform serves them), the
// parameters each family or the whole platform refuses, the
// platform's error rules and finish reasons, and Dialect turns it into a
// chatcompletions.Dialect. What a platform needs beyond that (its usage
// fields, history rewrites, extra body fields) stays a hook of its own
// package, so the platforms share the logic and differ only in data.
//
// The fail-closed policy: a request feature the platform documents as
// unsupported, ignored or rejected for the model is refused at projection
// with capability_unsupported naming the model and the feature, never sent
// and never dropped silently.
package hosted

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/openweights"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// Structured-output levels of a Family.
const (
	// Schema: json_schema response formats, strict ones included.
	Schema = iota
	// BestEffortSchema: json_schema without strict (a strict one is refused).
	BestEffortSchema
	// JSONMode: json_object only (a json_schema response format is refused).
	JSONMode
	// NoStructured: no response_format at all.
	NoStructured
)

// Family is a group of models with the same features, matched by model id.
type Family struct {
	// Match holds lower-case substrings of the model id; the first family
	// of Spec.Families with a matching substring is the model's.
	Match []string
	// Reasoning, Vision: the model reasons (reasoning events, effort
	// accepted when the Spec has an effort field) and takes images.
	Reasoning, Vision bool
	// NoTools: the model has no tool calling; NoParallel: one tool call
	// per turn; NoStrictTools: strict tools refused even where the
	// platform enforces them for other models.
	NoTools, NoParallel, NoStrictTools bool
	// Structured is the structured-output level (Schema, ...).
	Structured int
	// Unsupported maps chatcompletions feature names to what projection
	// does with them for this family.
	Unsupported map[string]chatcompletions.Action
	// Refused maps provider_options keys the family rejects or ignores to
	// what to do instead.
	Refused map[string]string
	// Defaults are body fields (raw JSON) the family gets when the request
	// does not set them (Cerebras: reasoning_format "parsed").
	Defaults map[string]string
}

// RefuseEffort is the Unsupported of a reasoning family that takes no
// reasoning.effort although the platform takes it for other models (the
// model always reasons, or decides for itself how long): an effort is
// refused with capability_unsupported.
var RefuseEffort = map[string]chatcompletions.Action{chatcompletions.FeatureReasoningEffort: chatcompletions.Refuse}

// ErrorRule maps a provider error. A rule applies when every set field
// matches: Status (0 any), Code (the error's code or type, "" any) and
// Contains (a lower-case substring of the message, "" any). The first
// applying rule of Spec.Errors wins.
type ErrorRule struct {
	Status    int
	Code      string
	Contains  string
	To        abi.Code
	Retryable bool
	// Hint replaces the default hint after the provider's message.
	Hint string
}

// Spec describes one hosted platform.
type Spec struct {
	// Name is the module name (also its provider name unless Provider
	// is set); BaseURL the public base URL; Path the chat path ("" is
	// /v1/chat/completions).
	Name, Provider, BaseURL, Path string
	// Auth is the credential scheme; the zero value is a bearer token.
	Auth abi.Auth
	// MaxTokensField and ReasoningEffortField name the body fields of
	// max_output_tokens ("" is max_tokens) and reasoning.effort ("" is
	// reasoning_effort, the field of OpenAI and of most platforms).
	MaxTokensField, ReasoningEffortField string
	// NoEffort marks a platform that takes no reasoning.effort: it says
	// what to do instead, and an effort on a reasoning model is refused
	// with it.
	NoEffort string
	// ReasoningFields are the delta and message fields holding reasoning;
	// nil is reasoning_content, the field of most platforms, and an empty
	// list reads none.
	ReasoningFields []string
	// NoStreamUsage leaves stream_options out (the platform sends usage
	// unasked, or rejects the field).
	NoStreamUsage bool
	// DoneOptional: the platform may end a stream without [DONE].
	DoneOptional bool
	// UsageInChoice: usage comes inside the finishing choice.
	UsageInChoice bool
	// EchoReasoning, ReasoningMode: see chatcompletions.Dialect.
	EchoReasoning bool
	ReasoningMode func(req *abi.Request) bool
	// Options are the provider_options keys passed on.
	Options []chatcompletions.Option
	// Refused are OpenAI provider_options the whole platform rejects.
	Refused map[string]string
	// RefusedValues maps a provider option to values (raw JSON, such as
	// `"raw"`) refused for every model, each with what to do instead.
	RefusedValues map[string]map[string]string
	// Families are matched in order; Default is the family of any other
	// model.
	Families []Family
	Default  Family
	// Limits are the documented context windows and output limits of the
	// platform's models (model ids in lower case); a model of one reports
	// details: its limits, text input plus images when its family has
	// Vision, and the sampling parameters the platform passes on for its
	// family (temperature, top_p and stop unless the family's Unsupported
	// leaves them out; top_k and seed where Options pass them).
	Limits []opkit.Limit
	// OpenWeights: the platform serves open-weight models; a model of no
	// Limits line whose model card documents its limits reports them
	// (openweights.Find), and the card's effort levels as its reasoning
	// controls when the platform takes reasoning.effort for the model.
	OpenWeights bool
	// Lines are name parts, besides OpenWeightLines, of the platform's
	// model lines that take the Default family.
	Lines []string
	// StrictTools: the platform enforces strict tool schemas; without it a
	// strict tool is refused.
	StrictTools bool
	// MaxTemperature is the platform's upper temperature bound (0: no
	// bound of its own); a higher temperature is invalid_request, except on
	// families that refuse temperature anyway.
	MaxTemperature float64
	// ToolChoiceRefused maps tool_choice modes the platform lacks ("auto",
	// "none", "required", or "tool" for a named tool) to what to do instead.
	ToolChoiceRefused map[string]string
	// Finish maps raw finish reasons OpenAI lacks.
	Finish map[string]abi.FinishReason
	// Errors are the platform's error rules, tried in order.
	Errors []ErrorRule
	// Rewrite runs after the Spec's own checks; Extend, Usage, Headers,
	// Route, ToolCallID and Chunk are passed to the dialect as they are.
	Rewrite    func(req *abi.Request) (*abi.Request, error)
	Route      func(req *abi.Request) (path string, query map[string]string, err error)
	Extend     func(req *abi.Request, body *chatcompletions.Body) error
	Usage      func(usage []byte, u *abi.Usage) error
	Headers    func(req *abi.Request) map[string]string
	ToolCallID func(id string) string
	Chunk      func(doc jsonx.Value, finished, once bool, emit func(*abi.Event)) *abi.Error
}

// Family returns the family of model.
func (s *Spec) Family(model string) *Family {
	m := strings.ToLower(model)
	for i := range s.Families {
		for _, sub := range s.Families[i].Match {
			if strings.Contains(m, sub) {
				return &s.Families[i]
			}
		}
	}
	return &s.Default
}

// OpenWeightLines are name parts of the open-weight model lines hosted
// platforms serve. A model of no family of a Spec but of one of these lines
// (or of the Spec's Lines) gets the Default family with source "family";
// a model of none has source "unknown".
var OpenWeightLines = []string{"llama", "qwen", "qwq", "deepseek", "mistral", "mixtral", "ministral", "gemma",
	"kimi", "moonshot", "glm", "gpt-oss", "nemotron", "phi-", "phi4", "hermes", "euryale", "minimax", "command-r", "granite"}

// knownLine reports whether model is of one of OpenWeightLines or Lines.
func (s *Spec) knownLine(model string) bool {
	m := strings.ToLower(model)
	for _, lines := range [][]string{OpenWeightLines, s.Lines} {
		for _, l := range lines {
			if strings.Contains(m, l) {
				return true
			}
		}
	}
	return false
}

// Model returns what the dialect knows of model: a model of one of the
// Families, OpenWeightLines or Lines has source "family", any other
// source "unknown" (Capabilities then reports plain text).
func (s *Spec) Model(model string) chatcompletions.Model {
	fam := s.Family(model)
	f := chatcompletions.DefaultFeatures
	f.Reasoning, f.Vision = fam.Reasoning, fam.Vision
	switch {
	case model == "":
	case fam != &s.Default || s.knownLine(model):
		f.Source = abi.SourceFamily
	default:
		f.Source = abi.SourceUnknown
	}
	if fam.NoTools {
		f.ToolCalling, f.ParallelToolCalls = abi.SupportNone, false
	}
	if fam.NoParallel {
		f.ParallelToolCalls = false
	}
	switch fam.Structured {
	case JSONMode:
		f.StructuredOutput = abi.SupportJSONMode
	case NoStructured:
		f.StructuredOutput = abi.SupportNone
	}
	card, carded := openweights.Find(model)
	carded = carded && s.OpenWeights
	if carded && card.TextOnly {
		// The model card says text only, whatever the family's name
		// match suggests (Gemma 3 1B among the Gemma 3 vision models).
		f.Vision = false
	}
	m := chatcompletions.Model{Features: f, Unsupported: fam.Unsupported}
	mods := opkit.Modalities(f.Vision, false, false)
	if l, ok := opkit.FindLimit(s.Limits, model); ok {
		m.Details = l.Details(mods...)
	} else if carded {
		_, refused := fam.Unsupported[chatcompletions.FeatureReasoningEffort]
		m.Details = card.Details(fam.Reasoning && s.effortField() != "" && !refused, mods...)
	}
	if m.Details != nil {
		m.Details.Sampling = chatcompletions.Sampling(fam.Unsupported, s.passes(fam, "top_k"), s.passes(fam, "seed"))
	}
	return m
}

// passes reports whether the platform passes the provider option key on
// for a model of fam.
func (s *Spec) passes(fam *Family, key string) bool {
	_, refused := s.Refused[key]
	_, famRefused := fam.Refused[key]
	return !refused && !famRefused && slices.ContainsFunc(s.Options, func(o chatcompletions.Option) bool { return o.Key == key })
}

// reasoningFields are the fields holding reasoning: ReasoningFields, or
// reasoning_content when it is nil.
func (s *Spec) reasoningFields() []string {
	if s.ReasoningFields == nil {
		return reasoningContent
	}
	return s.ReasoningFields
}

var reasoningContent = []string{"reasoning_content"}

// effortField is the body field of reasoning.effort, "" when the platform
// takes none.
func (s *Spec) effortField() string {
	switch {
	case s.NoEffort != "":
		return ""
	case s.ReasoningEffortField != "":
		return s.ReasoningEffortField
	}
	return "reasoning_effort"
}

func (s *Spec) provider() string {
	if s.Provider != "" {
		return s.Provider
	}
	return s.Name
}

// refuse is the capability_unsupported error for model and what.
func (s *Spec) refuse(ptr, model, what, why string) error {
	return &abi.Error{Code: abi.CodeCapabilityUnsupported, Pointer: ptr,
		Message: fmt.Sprintf("%s model %q does not support %s: %s", s.provider(), model, what, why)}
}

// check refuses what the platform or the model's family cannot do, then
// runs the Spec's own Rewrite.
func (s *Spec) check(req *abi.Request) (*abi.Request, error) {
	fam := s.Family(req.Model)
	if !s.StrictTools || fam.NoStrictTools {
		why := s.provider() + " does not enforce strict tool schemas; set strict false"
		if s.StrictTools {
			why = s.provider() + " enforces strict tool schemas on other models only; set strict false or pick another model"
		}
		for i, t := range req.Tools {
			if t.Strict {
				return nil, s.refuse(fmt.Sprintf("/tools/%d/strict", i), req.Model, "strict tools", why)
			}
		}
	}
	if r := req.Reasoning; r != nil && r.Effort != "" && s.NoEffort != "" && fam.Reasoning {
		return nil, s.refuse("/reasoning/effort", req.Model, "reasoning.effort", s.provider()+" has no effort setting; "+s.NoEffort)
	}
	if tc := req.ToolChoice; tc != nil {
		mode := tc.Mode
		if tc.Tool != "" {
			mode = "tool"
		}
		if why, ok := s.ToolChoiceRefused[mode]; ok {
			return nil, s.refuse("/tool_choice", req.Model, "tool_choice "+mode, why)
		}
	}
	if _, fixed := fam.Unsupported[chatcompletions.FeatureTemperature]; req.Temperature != nil && s.MaxTemperature > 0 && !fixed &&
		(*req.Temperature < 0 || *req.Temperature > s.MaxTemperature) {
		return nil, &abi.Error{Code: abi.CodeInvalidRequest, Pointer: "/temperature",
			Message: fmt.Sprintf("%s takes temperature in [0, %g], not %g", s.provider(), s.MaxTemperature, *req.Temperature)}
	}
	if rf := req.ResponseFormat; rf != nil && rf.Type == "json_schema" && rf.Strict && fam.Structured == BestEffortSchema {
		return nil, s.refuse("/response_format/strict", req.Model, "strict json_schema",
			"the schema is followed best-effort only; set strict false and validate the output")
	}
	if fam.NoParallel {
		if v, ok := req.ProviderOptions["parallel_tool_calls"]; ok && strings.TrimSpace(string(v)) == "true" {
			return nil, s.refuse("/provider_options/parallel_tool_calls", req.Model, "parallel tool calls", "remove parallel_tool_calls")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(s.RefusedValues)) {
		if v, ok := req.ProviderOptions[k]; ok {
			if why, ok := s.RefusedValues[k][strings.TrimSpace(string(v))]; ok {
				return nil, s.refuse("/provider_options/"+k, req.Model, fmt.Sprintf("provider option %s %s", k, strings.TrimSpace(string(v))), why)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(fam.Refused)) {
		if _, ok := req.ProviderOptions[k]; ok {
			return nil, s.refuse("/provider_options/"+k, req.Model, fmt.Sprintf("provider option %q", k), fam.Refused[k])
		}
	}
	if s.Rewrite != nil {
		return s.Rewrite(req)
	}
	return req, nil
}

// extend sets the family's default body fields, then runs the Spec's
// Extend.
func (s *Spec) extend(req *abi.Request, body *chatcompletions.Body) error {
	fam := s.Family(req.Model)
	for _, k := range slices.Sorted(maps.Keys(fam.Defaults)) {
		if _, ok := body.Get(k); !ok {
			body.SetRaw(k, json.RawMessage(fam.Defaults[k]))
		}
	}
	if s.Extend != nil {
		return s.Extend(req, body)
	}
	return nil
}

// problem reads the error bodies of servers that answer in FastAPI
// ({"detail": "..."} or {"detail": {"error": "..."}}), RFC 9457
// ({"title", "detail", "status"}) or IBM ({"errors":[{"code","message"}]})
// form rather than OpenAI's.
func problem(body []byte) (detail, title, code string) {
	var p struct {
		Detail json.RawMessage `json:"detail"`
		Title  string          `json:"title"`
		// Errors is IBM's form: {"errors":[{"code","message"}],"trace"}.
		Errors []struct{ Code, Message string } `json:"errors"`
	}
	if json.Unmarshal(body, &p) != nil {
		return "", "", ""
	}
	if len(p.Errors) > 0 {
		return p.Errors[0].Message, "", p.Errors[0].Code
	}
	if json.Unmarshal(p.Detail, &detail) != nil {
		var obj struct{ Error, Message string }
		if json.Unmarshal(p.Detail, &obj) == nil {
			detail = obj.Error + obj.Message
		}
	}
	return detail, p.Title, ""
}

// Error applies the Spec's error rules to a mapped error. A body in
// FastAPI or RFC 9457 form gets its detail (and title) as the message.
func (s *Spec) Error(info *chatcompletions.ErrorInfo, e *abi.Error) {
	if info.Message == "" && info.Status != 0 {
		if detail, title, code := problem(info.Body); detail != "" || title != "" {
			info.Code = code
			hint := ""
			if i := strings.LastIndex(e.Message, ": "); i >= 0 {
				hint = e.Message[i:]
			}
			info.Message = detail
			switch {
			case detail == "":
				info.Message = title
			case title != "":
				info.Message += " (" + title + ")"
			}
			tag := ""
			if code != "" {
				tag = " (code " + code + ")"
			}
			e.Message = fmt.Sprintf("%s HTTP %d: %s%s%s", s.provider(), info.Status, info.Message, tag, hint)
		}
	}
	msg := strings.ToLower(info.Message)
	for _, r := range s.Errors {
		if (r.Status != 0 && r.Status != info.Status) ||
			(r.Code != "" && r.Code != info.Code && r.Code != info.Type) ||
			(r.Contains != "" && !strings.Contains(msg, r.Contains)) {
			continue
		}
		e.Code, e.Retryable = r.To, r.Retryable
		if r.Hint != "" {
			// The default message ends in ": <default hint>".
			if i := strings.LastIndex(e.Message, ": "); i >= 0 {
				e.Message = e.Message[:i]
			}
			e.Message += ": " + r.Hint
		}
		return
	}
}

// Dialect returns the chatcompletions dialect of s, at version.
func (s *Spec) Dialect(version string) *chatcompletions.Dialect {
	auth := s.Auth
	if auth.Scheme == "" {
		auth = abi.Auth{Scheme: abi.AuthBearer}
	}
	d := &chatcompletions.Dialect{
		Name:                 s.Name,
		Version:              version,
		Provider:             s.provider(),
		DefaultBaseURL:       s.BaseURL,
		Auth:                 auth,
		StateFormat:          chatcompletions.StateFormat,
		Options:              s.Options,
		MaxTokensField:       s.MaxTokensField,
		ReasoningEffortField: s.effortField(),
		StreamUsage:          !s.NoStreamUsage,
		ReasoningFields:      s.reasoningFields(),
		EchoReasoning:        s.EchoReasoning,
		ReasoningMode:        s.ReasoningMode,
		DoneOptional:         s.DoneOptional,
		UsageInChoice:        s.UsageInChoice,
		Refused:              s.Refused,
		Rewrite:              s.check,
		Model:                s.Model,
		ToolCallID:           s.ToolCallID,
		Extend:               s.extend,
		Usage:                s.Usage,
		Headers:              s.Headers,
		Error:                s.Error,
		Chunk:                s.Chunk,
	}
	if s.Route != nil {
		d.Route = s.Route
	} else if s.Path != "" {
		path := s.Path
		d.Route = func(*abi.Request) (string, map[string]string, error) { return path, nil, nil }
	}
	if len(s.Finish) > 0 {
		fin := s.Finish
		d.Finish = func(raw string) abi.FinishReason { return fin[raw] }
	}
	return d
}

// New returns the adapter of s at version.
func (s *Spec) New(version string) guest.Adapter {
	return chatcompletions.New(s.Dialect(version))
}

// Pass is chatcompletions.Pass: each entry is "key:kind[|kind]", or a
// bare key of chatcompletions.OptionKinds (OpenAI's parameters and the
// common sampling extras) taking its types from there, so a platform
// lists its options as data.
func Pass(entries ...string) []chatcompletions.Option { return chatcompletions.Pass(entries...) }

// Same returns a map of every key to why.
func Same(why string, keys ...string) map[string]string {
	m := make(map[string]string, len(keys))
	for _, k := range keys {
		m[k] = why
	}
	return m
}

// CommonErrors are rules most platforms share, appended after their own:
// 402 (no credit) is rate_limited and not retryable.
var CommonErrors = []ErrorRule{
	{Status: 402, To: abi.CodeRateLimited, Hint: "the account has no credit left; add credit (retrying will not help)"},
}

// TopLevelCached returns a usage reader for platforms that report cached
// input tokens in a top-level usage field (Moonshot: cached_tokens)
// rather than in prompt_tokens_details.
func TopLevelCached(key string) func(b []byte, u *abi.Usage) error {
	return func(b []byte, u *abi.Usage) error {
		if err := chatcompletions.ReadUsage(b, u); err != nil {
			return err
		}
		if v, ok, _ := jsonx.Lookup(b, key); ok {
			if n := chatcompletions.IntOr0(v); n > 0 {
				u.CachedInputTokens = n
			}
		}
		return nil
	}
}
