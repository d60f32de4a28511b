// Package openaicompatible is the wasmadapt adapter for servers that speak
// an OpenAI-compatible Chat Completions API: vLLM, llama.cpp server, LM
// Studio, Together, and the like. It is the chatcompletions protocol with
// defaults that suit most such hosts, and quirks switched by
// provider_options; on top of it, two stream rewrites the hosts need and
// OpenAI does not: inline think splitting and emulated tool calling.
//
// # Defaults
//
// POST /v1/chat/completions (provider_options.path changes it), bearer
// auth, no default base URL (the host sets Provider.BaseURL, e.g.
// http://localhost:8000), max_tokens for max_output_tokens,
// reasoning_effort for reasoning.effort, stream_options.include_usage in
// streams (provider_options.stream_usage false leaves it out, for servers
// that reject it). Reasoning arrives as "reasoning_content" or "reasoning"
// delta fields (both read). The first tool-call delta may lack the name or
// id (calls are buffered by index until the name is known; a call without
// an id gets call_<index>); deltas without "index" continue the last call
// unless their id is new. A stream that ends after a finish_reason but
// without "data: [DONE]" ends cleanly.
//
// # Inline think splitting
//
// Models served without a reasoning parser write their reasoning into the
// text as <think>...</think>. Unless provider_options.think is false, text
// deltas go through guest/think: a think block at the start of the
// response is emitted as reasoning-delta, the rest as text-delta (the
// whitespace right after </think> is dropped), even when a tag is cut
// across chunks; the splitter's state travels in the transform state.
// provider_options.think_start_in_reasoning true handles chat templates
// that open the block in the prompt (the output starts inside it). An
// unclosed block is reasoning up to the end.
//
// # Emulated tool calling
//
// For models without native tools, provider_options.tool_mode "emulated"
// (or the model-name suffix "+emulated-tools", below) projects tools as a
// deterministic instruction instead of the tools parameter: a system
// message (appended to a leading system message, else prepended) listing
// each tool's name, description and JSON Schema, and the exact reply
// format, one JSON object and nothing else:
//
//	{"tool_calls":[{"name":"<tool>","arguments":{...}}]}
//
// tool_choice "required" or a named tool adds a sentence demanding a call;
// "none" leaves the instruction out. The tool history is rendered as text:
// an assistant turn's tool calls as that same JSON object (after its text),
// tool results as a user message "Result of tool NAME (call ID):\nCONTENT"
// ("Error from tool ..." when is_error).
//
// The reply is parsed strictly. Text is held back from its first
// non-whitespace character if that is "{" or "`" (a possible envelope,
// optionally in a ``` fence), and streamed as usual otherwise. At the end
// of the response a held reply that is a JSON object with a "tool_calls"
// key must be exactly {"tool_calls":[...]} with at least one call, each
// exactly {"name","arguments"}, the name one of the request's tools and
// the arguments a JSON object: it then becomes tool-call events (IDs
// "call_" plus a hash of the response id and the call's position,
// deterministic) and the finish reason tool-calls. Anything else that
// mentions "tool_calls" (invalid JSON, unknown tool, arguments that are a
// string, extra keys) is the error emulation_parse_failed, never a silent
// text answer. A held reply without a "tool_calls" key (a JSON answer) is
// emitted as text. In emulated mode usage is held until the end so the
// order stays tool-call*, usage, finish. When the stream breaks
// (stream_truncated or a provider error), a held reply that mentions
// "tool_calls" is dropped (the error already says the response is
// incomplete) and any other held text is emitted before the error. The
// held reply travels in the transform state, so it costs state bytes
// proportional to the reply.
//
// # Capabilities and the model-name suffixes
//
// The host asks for capabilities by model name before it projects, so
// provider_options cannot change them. Two suffixes of the model name can:
// "+emulated-tools" reports tool_calling "emulated" and turns emulation on
// (as tool_mode "emulated"), "+no-auth" declares auth scheme none (for
// local servers without keys, so the host needs no credential). Suffixes
// combine ("llama3.1:8b+emulated-tools+no-auth") and are stripped from the
// model name sent to the server. The module knows no model: every model
// has capabilities source "unknown" and reports plain text (streaming,
// multi-turn) and bearer auth, so the host refuses tools, structured
// output, images and reasoning unless the caller assumes capabilities
// (host.AssumeCapabilities, host.WithAssumedCapabilities); projection
// serves them all (native tools and structured output, vision,
// reasoning). Emulated tools are plain text on the wire, so the host
// admits them for an unknown model when the suffix reports them; tool_mode
// "emulated" without the suffix still emulates, but the host then needs
// the caller's assumption to send tools at all.
//
// Provider options: tool_mode ("native" or "emulated"), think (bool),
// think_start_in_reasoning (bool), path (string starting with "/"),
// stream_usage (bool), and chat_template_kwargs, frequency_penalty,
// logit_bias, logprobs, min_p, parallel_tool_calls, presence_penalty,
// repetition_penalty, seed, top_k, top_logprobs, user, copied to the body
// after a type check. Any other key is refused with invalid_request.
package openaicompatible

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Version is the module's version.
const Version = "1.0.0"

// Provider is the module's provider name.
const Provider = "openai-compatible"

// StateFormat names the transform state layout (this module's fields
// followed by the chatcompletions state).
const StateFormat = "openai-compatible/2"

// The model-name suffixes.
const (
	SuffixEmulatedTools = "+emulated-tools"
	SuffixNoAuth        = "+no-auth"
)

// The values of provider_options.tool_mode.
const (
	ToolModeNative   = "native"
	ToolModeEmulated = "emulated"
)

// Adapter is the OpenAI-compatible adapter: the chatcompletions dialect
// plus think splitting and tool-call emulation. Safe for concurrent use.
type Adapter struct {
	inner guest.Adapter
}

var _ guest.Adapter = (*Adapter)(nil)

// New returns the adapter.
func New() guest.Adapter { return &Adapter{inner: chatcompletions.New(Dialect())} }

// Preset configures the adapter for one server that speaks the protocol
// (vLLM, llama.cpp server, LM Studio), so that it is a module of its own
// with the server's name, default base URL, auth and extra request
// options; think splitting, tool emulation, the model-name suffixes and
// every provider option of the generic module work the same.
type Preset struct {
	// Name is the module (and provider) name, Version its version.
	Name, Version string
	// DefaultBaseURL is where the server listens by default.
	DefaultBaseURL string
	// NoAuth declares auth scheme none (a server without keys); else
	// bearer, and the suffix "+no-auth" still turns it off per model.
	NoAuth bool
	// Options are the server's own request fields, passed on after a
	// type check, besides the generic module's.
	Options []chatcompletions.Option
	// Error adjusts the mapping of the server's error bodies (nil: the
	// generic module's).
	Error func(info *chatcompletions.ErrorInfo, e *abi.Error)
}

// NewPreset returns the adapter configured by p.
func NewPreset(p Preset) guest.Adapter {
	d := Dialect()
	d.Name, d.Provider, d.Version, d.DefaultBaseURL = p.Name, p.Name, p.Version, p.DefaultBaseURL
	if p.NoAuth {
		d.Auth = abi.Auth{Scheme: abi.AuthNone}
	}
	d.Options = append(d.Options, p.Options...)
	d.Error = p.Error
	slices.SortFunc(d.Options, func(a, b chatcompletions.Option) int { return strings.Compare(a.Key, b.Key) })
	return &Adapter{inner: chatcompletions.New(d)}
}

// ParseModel splits the model-name suffixes off name.
func ParseModel(name string) (base string, emulated, noAuth bool) {
	base = name
	for {
		switch {
		case strings.HasSuffix(base, SuffixEmulatedTools) && len(base) > len(SuffixEmulatedTools):
			base, emulated = strings.TrimSuffix(base, SuffixEmulatedTools), true
		case strings.HasSuffix(base, SuffixNoAuth) && len(base) > len(SuffixNoAuth):
			base, noAuth = strings.TrimSuffix(base, SuffixNoAuth), true
		default:
			return base, emulated, noAuth
		}
	}
}

func validate(key, kind string, check func(v any) bool, what string) chatcompletions.Option {
	return chatcompletions.Option{Key: key, Apply: func(v json.RawMessage, _ *chatcompletions.Body) error {
		var x any
		if err := json.Unmarshal(v, &x); err != nil || !check(x) {
			return fmt.Errorf("provider option %q must be %s", key, what)
		}
		return nil
	}}
}

func isBool(v any) bool { _, ok := v.(bool); return ok }

// Dialect returns the chatcompletions dialect the adapter wraps.
func Dialect() *chatcompletions.Dialect {
	features := chatcompletions.DefaultFeatures
	features.Reasoning = true
	features.Source = abi.SourceUnknown
	return &chatcompletions.Dialect{
		Name:                 "openai-compatible",
		Version:              Version,
		Provider:             Provider,
		StateFormat:          StateFormat,
		MaxTokensField:       "max_tokens",
		ReasoningEffortField: "reasoning_effort",
		StreamUsage:          true,
		ReasoningFields:      []string{"reasoning_content", "reasoning"},
		DoneOptional:         true,
		Options: append([]chatcompletions.Option{
			validate("tool_mode", "string", func(v any) bool { return v == ToolModeNative || v == ToolModeEmulated }, `"native" or "emulated"`),
			validate("think", "boolean", isBool, "a boolean"),
			validate("think_start_in_reasoning", "boolean", isBool, "a boolean"),
			validate("path", "string", func(v any) bool { s, ok := v.(string); return ok && strings.HasPrefix(s, "/") }, `a path starting with "/"`),
			validate("stream_usage", "boolean", isBool, "a boolean"),
		}, chatcompletions.Pass("chat_template_kwargs:object", "frequency_penalty", "logit_bias", "logprobs", "min_p",
			"parallel_tool_calls", "presence_penalty", "repetition_penalty", "seed", "top_k", "top_logprobs",
			"user")...),
		Embeddings: &chatcompletions.Embeddings{MaxBatch: 256},
		Models:     &chatcompletions.Models{},
		Model: func(name string) chatcompletions.Model {
			f := features
			if name == "" {
				f.Source = ""
			}
			return chatcompletions.Model{Features: f}
		},
		Route: func(req *abi.Request) (string, map[string]string, error) {
			if p := chatcompletions.StringOption(req, "path"); p != "" {
				return p, nil, nil
			}
			return chatcompletions.DefaultPath, nil, nil
		},
		Extend: func(req *abi.Request, body *chatcompletions.Body) error {
			if v, ok := req.ProviderOptions["stream_usage"]; ok && string(v) == "false" {
				body.Delete("stream_options")
			}
			return nil
		},
	}
}

// Capabilities describes the module for model; the suffixes (see the
// package doc) switch tool_calling to emulated and auth to none.
func (a *Adapter) Capabilities(model string) abi.Capabilities {
	c := a.inner.Capabilities(model)
	_, emulated, noAuth := ParseModel(model)
	if emulated {
		c.Features.ToolCalling = abi.SupportEmulated
	}
	if noAuth {
		c.Auth = abi.Auth{Scheme: abi.AuthNone}
	}
	return c
}

// Project projects req; in emulated mode the tools become an instruction
// and the tool history text (see the package doc).
func (a *Adapter) Project(req *abi.Request) (*abi.ProviderRequest, error) {
	base, emulated, _ := ParseModel(req.Model)
	if chatcompletions.StringOption(req, "tool_mode") == ToolModeEmulated {
		emulated = true
	}
	r := *req
	r.Model = base
	if emulated {
		var err error
		if r, err = emulate(r); err != nil {
			return nil, err
		}
	}
	return a.inner.Project(&r)
}

// MapError maps error bodies as chatcompletions does.
func (a *Adapter) MapError(in *abi.ResponseInput, out *guest.Output) error {
	return a.inner.MapError(in, out)
}
