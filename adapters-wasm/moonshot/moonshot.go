// Package moonshot is the wasmadapt adapter for Moonshot AI's Kimi Chat
// Completions API (POST https://api.moonshot.ai/v1/chat/completions, or
// api.moonshot.cn for the China region; bearer key): a dialect of package
// chatcompletions built from a hosted.Spec. What differs from OpenAI:
//
//   - Streams put the usage object inside the finishing choice
//     (choices[0].usage), not in a chunk of its own; it is read there, and
//     stream_options is not sent. Context-cache hits are the top-level
//     usage field cached_tokens.
//   - Tool-call IDs look like "functions.get_weather:0"; they are valid
//     here and pass through unchanged (other providers' IDs are accepted
//     too). tool_choice "required" is not supported and is refused.
//   - Thinking models (kimi-k2-thinking, kimi-k2.5 and later, or any model
//     with the provider option thinking {"type":"enabled"}) stream
//     reasoning_content: reasoning-delta events. Kimi requires the
//     reasoning_content of assistant turns that made tool calls to be
//     passed back in thinking mode, so those turns carry the text of their
//     Kimi-produced reasoning parts ("" when there are none); reasoning of
//     other providers is never sent.
//   - kimi-k2.5 and later fix their sampling parameters: temperature,
//     top_p, n and the penalties are refused. Elsewhere temperature must lie
//     in [0, 1] (invalid_request otherwise). reasoning.effort is taken by
//     kimi-k3 only.
//   - JSON mode only: a json_schema response format and strict tools are
//     refused. Images on kimi-k2.5+ and the moonshot-v1 vision previews.
//   - Errors by type: exceeded_current_quota_error (the balance is spent)
//     is rate_limited and not retryable, engine_overloaded_error
//     overloaded, rate_limit_reached_error rate_limited, content_filter
//     (the input was judged high risk) content_filter.
//
// Provider options: frequency_penalty, n, presence_penalty, thinking.
package moonshot

import (
	"encoding/json"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Version is the module's version.
const Version = "1.0.0"

const fixed = "kimi-k2.5 and later fix their sampling parameters; remove it"

var fixedSampling = map[string]chatcompletions.Action{
	chatcompletions.FeatureTemperature: chatcompletions.Refuse, chatcompletions.FeatureTopP: chatcompletions.Refuse,
	chatcompletions.FeatureReasoningEffort: chatcompletions.Refuse,
}

// Spec is the Moonshot platform.
var Spec = hosted.Spec{
	Name:          "moonshot",
	BaseURL:       "https://api.moonshot.ai",
	NoStreamUsage: true,
	UsageInChoice: true,
	Usage:         hosted.TopLevelCached("cached_tokens"),
	EchoReasoning: true,
	Options:       hosted.Pass("frequency_penalty", "n", "presence_penalty", "thinking:object"),
	Refused: hosted.Same("Moonshot does not support it; remove it", "logprobs", "top_logprobs", "logit_bias", "seed",
		"service_tier", "store", "metadata", "prediction", "parallel_tool_calls"),
	Families: []hosted.Family{
		{Match: []string{"kimi-k3"}, Reasoning: true, Vision: true, Structured: hosted.JSONMode,
			Unsupported: map[string]chatcompletions.Action{chatcompletions.FeatureTemperature: chatcompletions.Refuse, chatcompletions.FeatureTopP: chatcompletions.Refuse},
			Refused:     hosted.Same(fixed, "n", "presence_penalty", "frequency_penalty")},
		{Match: []string{"kimi-k2.5", "kimi-k2.6", "kimi-k2.7"}, Reasoning: true, Vision: true, Structured: hosted.JSONMode,
			Unsupported: fixedSampling, Refused: hosted.Same(fixed, "n", "presence_penalty", "frequency_penalty")},
		{Match: []string{"thinking"}, Reasoning: true, Structured: hosted.JSONMode,
			Unsupported: hosted.RefuseEffort},
		{Match: []string{"vision"}, Vision: true, Structured: hosted.JSONMode},
	},
	Default: hosted.Family{Structured: hosted.JSONMode},
	// Limits: the context lengths of Moonshot's model list (the
	// moonshot-v1 names carry theirs; kimi-k2-0711-preview 128K, the later
	// Kimi K2 models 256K, a K read as 1024 tokens); the list gives no
	// output limit of its own.
	Limits: []opkit.Limit{
		{Prefix: "moonshot-v1-8k", Context: 8 << 10},
		{Prefix: "moonshot-v1-32k", Context: 32 << 10},
		{Prefix: "moonshot-v1-128k", Context: 128 << 10},
		{Prefix: "kimi-k2-0711-preview", Context: 128 << 10},
		{Prefix: "kimi-k2", Context: 256 << 10},
	},
	MaxTemperature:    1,
	ToolChoiceRefused: map[string]string{"required": "Kimi does not support it; use auto, or name the tool"},
	Errors: []hosted.ErrorRule{
		{Code: "exceeded_current_quota_error", To: abi.CodeRateLimited, Hint: "the Moonshot account balance is spent; top it up (retrying will not help)"},
		{Code: "engine_overloaded_error", To: abi.CodeOverloaded, Retryable: true, Hint: "Kimi is overloaded; retry after a delay"},
		{Code: "rate_limit_reached_error", To: abi.CodeRateLimited, Retryable: true, Hint: "retry after a delay"},
		{Code: "content_filter", To: abi.CodeContentFilter, Hint: "Moonshot judged the input high risk; rephrase the request"},
	},
}

// The hooks read Spec, so they are set after it.
func init() { Spec.ReasoningMode, Spec.Rewrite = Thinking, Rewrite }

// New returns the Moonshot adapter.
func New() guest.Adapter { return Spec.New(Version) }

// Thinking reports whether req runs in thinking mode: the provider option
// thinking when set, else whether the model reasons.
func Thinking(req *abi.Request) bool {
	if v, ok := req.ProviderOptions["thinking"]; ok {
		var t struct{ Type string }
		if json.Unmarshal(v, &t) == nil && (t.Type == "enabled" || t.Type == "disabled") {
			return t.Type == "enabled"
		}
	}
	return Spec.Family(req.Model).Reasoning
}

// Rewrite checks the thinking option.
func Rewrite(req *abi.Request) (*abi.Request, error) {
	if v, ok := req.ProviderOptions["thinking"]; ok {
		var t struct{ Type string }
		if json.Unmarshal(v, &t) != nil || (t.Type != "enabled" && t.Type != "disabled") {
			return nil, &abi.Error{Code: abi.CodeInvalidRequest, Pointer: "/provider_options/thinking",
				Message: `provider option "thinking" must be {"type":"enabled"} or {"type":"disabled"}`}
		}
	}
	return req, nil
}
