package abi

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// EventType names a normalized event.
type EventType string

// The normalized event types. abi/README.md lists the fields of each.
const (
	EventResponseStart      EventType = "response-start"
	EventTextDelta          EventType = "text-delta"
	EventReasoningDelta     EventType = "reasoning-delta"
	EventReasoningSignature EventType = "reasoning-signature"
	EventReasoningRedacted  EventType = "reasoning-redacted"
	EventToolCallStart      EventType = "tool-call-start"
	EventToolCallDelta      EventType = "tool-call-delta"
	EventToolCall           EventType = "tool-call"
	EventRefusal            EventType = "refusal"
	EventUsage              EventType = "usage"
	EventFinish             EventType = "finish"
	EventError              EventType = "error"
	// ABI 1.2: tools the provider ran itself (web search, code execution,
	// ...) and the sources that support the text. A module emits them only
	// for a request that lists provider tools or asks for citations.
	EventServerToolCall   EventType = "server-tool-call"
	EventServerToolResult EventType = "server-tool-result"
	EventSource           EventType = "source"
)

// The values of Event.Kind for source events.
const (
	// SourceKindURL: a web page (URL and Title).
	SourceKindURL = "url"
)

// FinishReason is the normalized reason a response ended.
type FinishReason string

// The finish reasons.
const (
	FinishStop          FinishReason = "stop"
	FinishLength        FinishReason = "length"
	FinishToolCalls     FinishReason = "tool-calls"
	FinishContentFilter FinishReason = "content-filter"
	FinishRefusal       FinishReason = "refusal"
	FinishError         FinishReason = "error"
	FinishOther         FinishReason = "other"
	// FinishPause (ABI 1.3): the provider paused a long turn of its own
	// server tools (Anthropic pause_turn); sending the conversation back
	// with this response's assistant message (its server-tool parts
	// included) lets it continue. Only for requests that list provider
	// tools.
	FinishPause FinishReason = "pause"
)

// Valid reports whether r is one of the finish reasons.
func (r FinishReason) Valid() bool {
	switch r {
	case FinishStop, FinishLength, FinishToolCalls, FinishContentFilter, FinishRefusal, FinishError, FinishOther, FinishPause:
		return true
	}
	return false
}

// Usage counts tokens with one meaning for every provider: InputTokens is
// every prompt token, cached ones included; OutputTokens every generated
// token, reasoning included; CachedInputTokens (read from the prompt
// cache), CacheWriteInputTokens (written to it, ABI 1.2) and
// ReasoningTokens are parts of those.
type Usage struct {
	InputTokens           int `json:"input_tokens"`
	OutputTokens          int `json:"output_tokens"`
	CachedInputTokens     int `json:"cached_input_tokens"`
	ReasoningTokens       int `json:"reasoning_tokens"`
	CacheWriteInputTokens int `json:"cache_write_input_tokens,omitempty"`
}

// Event is one normalized event. Only the fields of its Type are meaningful.
//
// An event has one JSON encoding, the canonical one of abi/README.md
// ("Canonical encoding"): AppendJSON writes exactly the fields of its Type, in a fixed
// order, so equal events encode to identical bytes. MarshalJSON and
// UnmarshalJSON use the same encoding, so encoding/json neither drops the
// token counts of a usage event nor a tool call's index 0. The struct tags
// below name the keys; they are not an encoding of their own.
type Event struct {
	Type EventType `json:"type"`
	// response-start
	ID    string `json:"id,omitempty"`
	Model string `json:"model,omitempty"`
	// text-delta, reasoning-delta, refusal
	Text string `json:"text,omitempty"`
	// refusal: what detected it: "provider" (a refusal field or finish
	// reason) or "phrase" (an opted-in phrase list).
	Source string `json:"source,omitempty"`
	// reasoning-signature
	Signature string `json:"signature,omitempty"`
	// reasoning-redacted
	Data string `json:"data,omitempty"`
	// tool-call-start, tool-call-delta, tool-call (ID shared with
	// response-start).
	Index     int    `json:"index,omitempty"`
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments,omitempty"`
	// usage
	Usage Usage `json:"-"`
	// finish
	Reason    FinishReason `json:"reason,omitempty"`
	RawReason string       `json:"raw_reason,omitempty"`
	// error
	Code      Code   `json:"code,omitempty"`
	Message   string `json:"message,omitempty"`
	Retryable bool   `json:"retryable,omitempty"`
	// server-tool-call (ID and Name shared): Input is the call's input, a
	// JSON object's text.
	Input string `json:"input,omitempty"`
	// server-tool-result (ID and Name shared): Content is the provider's
	// result as JSON text; IsError says the tool failed.
	Content string `json:"content,omitempty"`
	IsError bool   `json:"is_error,omitempty"`
	// tool-call-end (ABI 1.4; Index and Message shared): Truncated says
	// the stream was cut off, so the host emits the call only when its
	// arguments are a complete non-blank JSON object, and nothing
	// otherwise (see EventToolCallEnd).
	Truncated bool `json:"truncated,omitempty"`
	// source (ID shared): what supports the text emitted around it. Kind
	// is SourceKindURL or another kind a module documents; CitedText is
	// the passage cited, when the provider gives it.
	Kind      string `json:"kind,omitempty"`
	URL       string `json:"url,omitempty"`
	Title     string `json:"title,omitempty"`
	CitedText string `json:"cited_text,omitempty"`
}

// Err returns the error an error event carries, or nil for other events.
func (e *Event) Err() *Error {
	if e.Type != EventError {
		return nil
	}
	return &Error{Code: e.Code, Message: e.Message, Retryable: e.Retryable}
}

// AppendJSON appends the event's canonical JSON encoding (one object, no
// newline) to dst. It allocates nothing beyond growing dst.
func (e *Event) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"type":`...)
	dst = AppendString(dst, string(e.Type))
	switch e.Type {
	case EventResponseStart:
		dst = appendField(dst, "id", e.ID)
		dst = appendField(dst, "model", e.Model)
	case EventTextDelta, EventReasoningDelta:
		dst = appendField(dst, "text", e.Text)
	case EventRefusal:
		dst = appendField(dst, "text", e.Text)
		if e.Source != "" {
			dst = appendField(dst, "source", e.Source)
		}
	case EventReasoningSignature:
		dst = appendField(dst, "signature", e.Signature)
	case EventReasoningRedacted:
		dst = appendField(dst, "data", e.Data)
	case EventToolCallStart:
		dst = appendInt(dst, "index", e.Index)
		dst = appendField(dst, "id", e.ID)
		dst = appendField(dst, "name", e.Name)
	case EventToolCallDelta:
		dst = appendInt(dst, "index", e.Index)
		dst = appendField(dst, "arguments", e.Arguments)
	case EventToolCall:
		dst = appendInt(dst, "index", e.Index)
		dst = appendField(dst, "id", e.ID)
		dst = appendField(dst, "name", e.Name)
		dst = appendField(dst, "arguments", e.Arguments)
	case EventToolCallEnd:
		dst = appendInt(dst, "index", e.Index)
		dst = appendField(dst, "message", e.Message)
		dst = append(dst, `,"truncated":`...)
		dst = strconv.AppendBool(dst, e.Truncated)
	case EventUsage:
		dst = appendInt(dst, "input_tokens", e.Usage.InputTokens)
		dst = appendInt(dst, "output_tokens", e.Usage.OutputTokens)
		dst = appendInt(dst, "cached_input_tokens", e.Usage.CachedInputTokens)
		dst = appendInt(dst, "reasoning_tokens", e.Usage.ReasoningTokens)
		if e.Usage.CacheWriteInputTokens != 0 {
			// ABI 1.2: written only when non-zero, so a usage event
			// without cache writes encodes as in ABI 1.1.
			dst = appendInt(dst, "cache_write_input_tokens", e.Usage.CacheWriteInputTokens)
		}
	case EventFinish:
		dst = appendField(dst, "reason", string(e.Reason))
		dst = appendField(dst, "raw_reason", e.RawReason)
	case EventServerToolCall, EventApprovalRequest:
		dst = appendField(dst, "id", e.ID)
		dst = appendField(dst, "name", e.Name)
		dst = appendField(dst, "input", e.Input)
	case EventServerToolResult:
		dst = appendField(dst, "id", e.ID)
		dst = appendField(dst, "name", e.Name)
		dst = appendField(dst, "content", e.Content)
		dst = append(dst, `,"is_error":`...)
		dst = strconv.AppendBool(dst, e.IsError)
	case EventSource:
		dst = appendField(dst, "id", e.ID)
		dst = appendField(dst, "kind", e.Kind)
		dst = appendField(dst, "url", e.URL)
		dst = appendField(dst, "title", e.Title)
		if e.CitedText != "" {
			dst = appendField(dst, "cited_text", e.CitedText)
		}
	case EventError:
		dst = appendField(dst, "code", string(e.Code))
		dst = appendField(dst, "message", e.Message)
		dst = append(dst, `,"retryable":`...)
		dst = strconv.AppendBool(dst, e.Retryable)
	}
	return append(dst, '}')
}

// MarshalJSON returns the canonical JSON encoding (see AppendJSON), so that
// encoding/json writes an Event as the host and the guest do.
func (e Event) MarshalJSON() ([]byte, error) { return e.AppendJSON(nil), nil }

// UnmarshalJSON decodes the canonical JSON encoding: the keys of the struct
// tags, and for a usage event the token counts at the top level.
// Unknown keys are ignored.
func (e *Event) UnmarshalJSON(b []byte) error {
	type fields Event // the same fields without these methods
	var w struct {
		fields
		InputTokens       int `json:"input_tokens"`
		OutputTokens      int `json:"output_tokens"`
		CachedInputTokens int `json:"cached_input_tokens"`
		ReasoningTokens   int `json:"reasoning_tokens"`
		CacheWrite        int `json:"cache_write_input_tokens"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*e = Event(w.fields)
	e.Usage = Usage{InputTokens: w.InputTokens, OutputTokens: w.OutputTokens,
		CachedInputTokens: w.CachedInputTokens, ReasoningTokens: w.ReasoningTokens,
		CacheWriteInputTokens: w.CacheWrite}
	return nil
}

// String returns the canonical JSON encoding.
func (e *Event) String() string { return string(e.AppendJSON(nil)) }

func appendField(dst []byte, key, val string) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, key...)
	dst = append(dst, '"', ':')
	return AppendString(dst, val)
}

func appendInt(dst []byte, key string, v int) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, key...)
	dst = append(dst, '"', ':')
	return strconv.AppendInt(dst, int64(v), 10)
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string literal. Invalid UTF-8 is replaced
// by U+FFFD; control characters, quote and backslash are escaped; so are
// U+2028 and U+2029. The output is the same on every platform.
func AppendString(dst []byte, s string) []byte {
	return AppendStringEscaped(dst, s, false, false)
}

// plainBytes marks the bytes AppendStringEscaped copies as they are:
// ASCII from 0x20 on but the quote and the backslash; plainBytesHTML also
// leaves out <, > and &.
var plainBytes, plainBytesHTML = func() (p, h [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		p[c] = c != '"' && c != '\\'
		h[c] = p[c] && c != '<' && c != '>' && c != '&'
	}
	return p, h
}()

// AppendStringEscaped appends s as a JSON string literal as AppendString
// does, with two choices: shortBF writes backspace and form feed as \b and
// \f, as encoding/json does (AppendString writes \u0008 and \u000c), and
// escapeHTML also escapes <, > and &. It is the one escaper behind
// AppendString and the guest SDK's jsonx.AppendString.
func AppendStringEscaped[S ~string | ~[]byte](dst []byte, s S, shortBF, escapeHTML bool) []byte {
	dst = append(dst, '"')
	// One table load per byte decides the common case, a byte copied as
	// it is: in a Go guest under Wasm the comparisons it replaces were
	// most of the cost of writing an event.
	plain := &plainBytes
	if escapeHTML {
		plain = &plainBytesHTML
	}
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if plain[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch {
			case c == '"', c == '\\':
				dst = append(dst, '\\', c)
			case c == '\b' && shortBF:
				dst = append(dst, '\\', 'b')
			case c == '\f' && shortBF:
				dst = append(dst, '\\', 'f')
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:min(len(s), i+utf8.UTFMax)]))
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
