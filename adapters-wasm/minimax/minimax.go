// Package minimax is the wasmadapt adapter for MiniMax's OpenAI-compatible
// Chat Completions API (POST https://api.minimax.io/v1/chat/completions,
// or api.minimaxi.com for mainland China; bearer key): a dialect of
// package chatcompletions built from a hosted.Spec. What differs from
// OpenAI:
//
//   - Reasoning: the MiniMax-M models think before they answer. Unless
//     asked otherwise they write the thinking into the answer as
//     <think>...</think> text; this module always sends
//     "reasoning_split": true, so the thinking arrives apart in
//     reasoning_details ([{"type":"reasoning.text","text"}], deltas in
//     streams): reasoning-delta events, and the text holds the answer
//     only. The provider option reasoning_split is therefore refused.
//     MiniMax asks for the thinking of assistant turns that made tool calls
//     to be passed back (interleaved thinking), so those turns carry the
//     text of their MiniMax-produced reasoning parts as reasoning_details;
//     reasoning of other providers is never sent. There is no effort
//     setting: reasoning.effort is refused.
//   - Errors: besides HTTP errors in the OpenAI shape, MiniMax answers many
//     failures with HTTP 200 and a body (or a stream chunk) whose
//     base_resp {"status_code", "status_msg"} has a non-zero code. Both
//     are mapped by that code: 1004 and 2049 (bad key) authentication;
//     1002, 1039, 1041 and 2045 (request, token, connection and growth
//     limits) rate_limited and retryable; 1008 (insufficient balance) and
//     2056 (plan usage limit) rate_limited and not retryable; 2061 (model
//     not in the plan) permission; 1026 and 1027 (sensitive input or
//     output) content_filter; 2013 and 1042 invalid_request; 1000, 1001,
//     1024 and 1033 server_error and retryable. A body with a non-zero
//     base_resp ends the response with that error even after a
//     response-start.
//   - Sampling: temperature and top_p lie in (0, 1] (0 and values above 1
//     are invalid_request). n, logprobs, top_logprobs, logit_bias, seed,
//     the penalties, parallel_tool_calls, service_tier, store, metadata,
//     prediction and user are not supported and are refused with
//     capability_unsupported.
//   - Tools: function tools with parallel calls; MiniMax enforces no
//     strict schemas (strict tools are refused) and documents tool_choice
//     auto only (none, required and a named tool are refused).
//   - Structured output: MiniMax-M2.x documents no response_format, so a
//     response format is refused on them; MiniMax-M3 takes json_schema
//     best-effort (strict refused). Images on MiniMax-M3 only.
//   - max_output_tokens is sent as max_completion_tokens (max_tokens is
//     deprecated). Streams carry usage on their last chunk unasked, so
//     stream_options is not sent; completion_tokens_details.reasoning_tokens
//     are the reasoning tokens.
//
// Models: MiniMax-M3, MiniMax-M2.7 (and -highspeed), MiniMax-M2.5,
// MiniMax-M2.1 (and -lightning), MiniMax-M2, MiniMax-M1 reason;
// MiniMax-Text-01 does not.
//
// Provider options: none besides the request's own fields.
package minimax

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// Version is the module's version.
const Version = "1.0.0"

const noEffort = "remove it; MiniMax models decide how long they think"

// Spec is the MiniMax platform.
var Spec = hosted.Spec{
	Name:            "minimax",
	BaseURL:         "https://api.minimax.io",
	MaxTokensField:  "max_completion_tokens",
	ReasoningFields: []string{"reasoning_details"},
	NoEffort:        noEffort,
	NoStreamUsage:   true,
	EchoReasoning:   true,
	MaxTemperature:  1,
	Refused: func() map[string]string {
		m := hosted.Same("MiniMax does not support it; remove it", "n", "logprobs", "top_logprobs", "logit_bias", "seed",
			"presence_penalty", "frequency_penalty", "parallel_tool_calls", "service_tier", "store", "metadata", "prediction", "user")
		m["reasoning_split"] = "this module always sends reasoning_split true, so reasoning arrives apart from the answer; remove it"
		return m
	}(),
	ToolChoiceRefused: map[string]string{
		"none":     "MiniMax documents tool_choice auto only; leave the tools out instead",
		"required": "MiniMax documents tool_choice auto only; use auto and say in the prompt that a tool must be called",
		"tool":     "MiniMax documents tool_choice auto only; use auto, or offer only that tool",
	},
	Families: []hosted.Family{
		{Match: []string{"minimax-m3"}, Reasoning: true, Vision: true, Structured: hosted.BestEffortSchema},
		{Match: []string{"minimax-m2", "minimax-m1"}, Reasoning: true, Structured: hosted.NoStructured},
	},
	Default: hosted.Family{Structured: hosted.NoStructured},
	Lines:   []string{"minimax"},
	Rewrite: Rewrite,
	Chunk:   Chunk,
}

// Extend reads Spec, so it is set after it.
func init() { Spec.Extend = Extend }

// New returns the MiniMax adapter.
func New() guest.Adapter { return chatcompletions.New(Dialect()) }

// Dialect returns the MiniMax dialect: the Spec's, with base_resp errors
// mapped by their status code.
func Dialect() *chatcompletions.Dialect {
	d := Spec.Dialect(Version)
	specError := d.Error
	d.Error = func(info *chatcompletions.ErrorInfo, e *abi.Error) {
		if code, msg, ok := BaseResp(info.Body); ok {
			*e = *StatusError(info.Status, code, msg)
			return
		}
		specError(info, e)
	}
	return d
}

// Rewrite refuses temperature and top_p of 0: MiniMax takes them in (0, 1]
// (the Spec refuses values above 1).
func Rewrite(req *abi.Request) (*abi.Request, error) {
	if req.Temperature != nil && *req.Temperature <= 0 {
		return nil, guest.Invalid("/temperature", "minimax takes temperature in (0, 1], not %g; use a small positive value such as 0.01", *req.Temperature)
	}
	if req.TopP != nil && (*req.TopP <= 0 || *req.TopP > 1) {
		return nil, guest.Invalid("/top_p", "minimax takes top_p in (0, 1], not %g", *req.TopP)
	}
	return req, nil
}

// Extend asks for reasoning apart from the answer (reasoning_split) and
// turns the reasoning_content that EchoReasoning puts on tool-call turns
// into MiniMax's reasoning_details (dropped when empty).
func Extend(req *abi.Request, body *chatcompletions.Body) error {
	if Spec.Family(req.Model).Reasoning {
		body.SetRaw("reasoning_split", json.RawMessage("true"))
	}
	raw, ok := body.Get("messages")
	if !ok {
		return nil
	}
	var msgs []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &msgs); err != nil {
		return fmt.Errorf("minimax: re-reading the projected messages: %w", err)
	}
	changed := false
	for _, m := range msgs {
		rc, ok := m["reasoning_content"]
		if !ok {
			continue
		}
		delete(m, "reasoning_content")
		changed = true
		var text string
		if json.Unmarshal(rc, &text) != nil || text == "" {
			continue
		}
		details, err := json.Marshal([]map[string]string{{"type": "reasoning.text", "text": text}})
		if err != nil {
			return err
		}
		m["reasoning_details"] = details
	}
	if !changed {
		return nil
	}
	return body.Set("messages", msgs)
}

// Chunk ends a response whose body or chunk carries a base_resp with a
// non-zero status_code (MiniMax's errors sent with HTTP 200).
func Chunk(doc jsonx.Value, _, _ bool, _ func(*abi.Event)) *abi.Error {
	br, ok, _ := doc.Lookup("base_resp")
	if !ok || br.Kind() != jsonx.KindObject {
		return nil
	}
	if code, msg, ok := BaseResp(br.Raw()); ok {
		return StatusError(0, code, msg)
	}
	return nil
}

// BaseResp reads a base_resp object, or a body holding one: ok when its
// status_code is present and non-zero.
func BaseResp(b []byte) (code int64, msg string, ok bool) {
	if v, found, err := jsonx.Lookup(b, "base_resp"); err == nil && found {
		b = v
	}
	var br struct {
		StatusCode *int64 `json:"status_code"`
		StatusMsg  string `json:"status_msg"`
	}
	if jsonx.KindOf(b) != jsonx.KindObject || json.Unmarshal(b, &br) != nil || br.StatusCode == nil || *br.StatusCode == 0 {
		return 0, "", false
	}
	return *br.StatusCode, br.StatusMsg, true
}

// statusCodes maps MiniMax status codes to stable codes, retryability and
// advice.
var statusCodes = map[int64]struct {
	code      abi.Code
	retryable bool
	hint      string
}{
	1000: {abi.CodeServerError, true, "retry after a delay"},
	1001: {abi.CodeServerError, true, "MiniMax timed out; retry after a delay"},
	1002: {abi.CodeRateLimited, true, "retry after a delay"},
	1004: {abi.CodeAuthentication, false, "check the API key the host is configured with (and that it belongs to this region's endpoint)"},
	1008: {abi.CodeRateLimited, false, "the MiniMax account balance is insufficient; top it up (retrying will not help)"},
	1024: {abi.CodeServerError, true, "retry after a delay"},
	1026: {abi.CodeContentFilter, false, "MiniMax judged the input sensitive; rephrase the request"},
	1027: {abi.CodeContentFilter, false, "MiniMax judged the output sensitive; rephrase the request"},
	1033: {abi.CodeServerError, true, "retry after a delay"},
	1039: {abi.CodeRateLimited, true, "the token rate limit was reached; retry after a delay"},
	1041: {abi.CodeRateLimited, true, "too many connections; retry after a delay"},
	1042: {abi.CodeInvalidRequest, false, "the input holds too many invisible characters; clean it"},
	2013: {abi.CodeInvalidRequest, false, "fix the request"},
	2045: {abi.CodeRateLimited, true, "the request rate grew too fast; retry after a delay"},
	2049: {abi.CodeAuthentication, false, "check the API key the host is configured with"},
	2056: {abi.CodeRateLimited, false, "the plan's usage limit is reached; wait for the next window or upgrade the plan (retrying now will not help)"},
	2061: {abi.CodePermission, false, "the model is not included in this account's plan; pick another model or upgrade the plan"},
}

// StatusError is the error of a non-zero base_resp status code, received
// with HTTP status (0 inside a stream; 200 for a whole body). Unknown
// codes are server_error, not retryable.
func StatusError(status int, code int64, msg string) *abi.Error {
	where := "minimax"
	if status != 0 {
		where += " HTTP " + strconv.Itoa(status)
	}
	m, known := statusCodes[code]
	if !known {
		m.code, m.hint = abi.CodeServerError, "an unknown MiniMax status code; see MiniMax's error code list"
	}
	return &abi.Error{Status: status, Code: m.code, Retryable: m.retryable,
		Message: fmt.Sprintf("%s: %s (status_code %d): %s", where, msg, code, m.hint)}
}
