package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/valyala/fastjson"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// errBadErrorObject marks an ERROR result whose error object is malformed.
var errBadErrorObject = errors.New("malformed error object")

// HostOnlyCodes are the error codes only the host can observe: a module
// that claims one (in an ERROR result or an error event) poses as the
// host, and the call is adapter_bad_output instead.
var HostOnlyCodes = []abi.Code{abi.CodeAdapterTrap, abi.CodeAdapterTimeout, abi.CodeAdapterMemory, abi.CodeAdapterBadOutput, abi.CodeABIMismatch}

// MaxErrorMessageBytes caps the message of a module's ERROR result; a
// longer one is adapter_bad_output.
const MaxErrorMessageBytes = 64 << 10

func hostOnly(c abi.Code) bool {
	for _, h := range HostOnlyCodes {
		if h == c {
			return true
		}
	}
	return false
}

// decodeGuestError decodes the payload of an ERROR result. A malformed
// object, an unknown or host-only code, or a message or pointer that is
// not valid UTF-8 or is longer than MaxErrorMessageBytes is
// adapter_bad_output (with errBadErrorObject as its cause).
func decodeGuestError(p *fastjson.Parser, b []byte) error {
	bad := func(format string, args ...any) error {
		return &abi.Error{Code: abi.CodeAdapterBadOutput, Message: "ERROR result: " + fmt.Sprintf(format, args...), Err: errBadErrorObject}
	}
	v, err := p.ParseBytes(b)
	if err != nil {
		return bad("not JSON: %v", err)
	}
	o, err := v.Object()
	if err != nil {
		return bad("not a JSON object")
	}
	e := &abi.Error{}
	var ferr error
	// str reads the string field k into *dst; text (a message or a
	// pointer) must also be valid UTF-8 of at most MaxErrorMessageBytes.
	str := func(k string, v *fastjson.Value, text bool, dst *string) {
		s, err := v.StringBytes()
		if err != nil {
			ferr = bad("%s is not a string", k)
			return
		}
		if text && (!utf8.Valid(s) || len(s) > MaxErrorMessageBytes) {
			ferr = bad("%s is not valid UTF-8 of at most %d bytes", k, MaxErrorMessageBytes)
			return
		}
		*dst = string(s)
	}
	o.Visit(func(k []byte, v *fastjson.Value) {
		if ferr != nil {
			return
		}
		switch key := string(k); key {
		case "code":
			var code string
			str(key, v, false, &code)
			e.Code = abi.Code(code)
		case "message":
			str(key, v, true, &e.Message)
		case "pointer":
			str(key, v, true, &e.Pointer)
		case "retryable":
			b, err := v.Bool()
			if err != nil {
				ferr = bad("retryable is not a boolean")
				return
			}
			e.Retryable = b
		case "status":
			n, err := v.Int()
			if err != nil || n < 0 {
				ferr = bad("status is not a non-negative integer")
				return
			}
			e.Status = n
		}
	})
	if ferr != nil {
		return ferr
	}
	if !e.Code.Valid() {
		return bad("unknown error code %q: use one of the stable codes of abi/README.md", e.Code)
	}
	if hostOnly(e.Code) {
		return bad("code %q is one only the host observes; a module reports what the provider said (see abi/README.md, \"Error codes\")", e.Code)
	}
	return e
}

func badOutput(format string, args ...any) *abi.Error {
	return abi.Errorf(abi.CodeAdapterBadOutput, format, args...)
}

// decodeCapabilities decodes and sanity-checks a capabilities payload.
// version is the ABI version the module reported (0: do not compare).
func decodeCapabilities(b []byte, version uint32) (*abi.Capabilities, error) {
	var c abi.Capabilities
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, badOutput("capabilities are not valid JSON of the capabilities shape: %v", err)
	}
	if version != 0 {
		if want := abi.VersionString(version); c.ABIVersion != want {
			return nil, badOutput("capabilities say abi_version %q but wasmadapt_abi_version returned %s", c.ABIVersion, want)
		}
	} else if c.ABIVersion == "" {
		return nil, badOutput("capabilities lack abi_version")
	}
	switch c.Features.ToolCalling {
	case abi.SupportNative, abi.SupportEmulated, abi.SupportNone:
	default:
		return nil, badOutput("capabilities: tool_calling is %q, want native, emulated or none", c.Features.ToolCalling)
	}
	switch c.Features.StructuredOutput {
	case abi.SupportNative, abi.SupportJSONMode, abi.SupportNone:
	default:
		return nil, badOutput("capabilities: structured_output is %q, want native, json_mode or none", c.Features.StructuredOutput)
	}
	switch c.Auth.Scheme {
	case abi.AuthBearer, abi.AuthNone:
	case abi.AuthHeader, abi.AuthQuery:
		if c.Auth.Name == "" {
			return nil, badOutput("capabilities: auth scheme %q needs a name", c.Auth.Scheme)
		}
	case abi.AuthAWSSigV4:
		if c.Auth.Service == "" {
			return nil, badOutput("capabilities: auth scheme aws-sigv4 needs a service")
		}
	default:
		return nil, badOutput("capabilities: unknown auth scheme %q, want bearer, header, query, aws-sigv4 or none", c.Auth.Scheme)
	}
	for _, op := range c.Operations {
		if !slices.Contains(abi.Ops(), op) {
			return nil, badOutput("capabilities: unknown operation %q, want one of %v", op, abi.Ops())
		}
	}
	if c.EmbedMaxBatch < 0 || c.EmbedMaxBatch > abi.MaxEmbedBatch {
		return nil, badOutput("capabilities: embed_max_batch %d, want 0 to %d", c.EmbedMaxBatch, abi.MaxEmbedBatch)
	}
	return &c, nil
}

// decodeProviderRequest decodes and sanity-checks a projection payload.
// guestError is a decoder's verdict that stands for the module's own
// ERROR result (module.call returns err and keeps the instance).
type guestError struct{ err *abi.Error }

func (e *guestError) Error() string { return e.err.Error() }

// decodeProjection decodes the OK payload of a projection: the provider
// request's JSON, or, when split is set (a module of ABI 1.5 or later)
// and the payload starts with abi.SplitProjection, its split form. The
// split body is compacted here as json.Marshal writes a json.RawMessage,
// the bytes guest.AppendProviderRequest writes in the module; a body that
// is not JSON is refused as json.Marshal refuses it, with the ERROR
// result the module's own fallback to json.Marshal returns.
func decodeProjection(p []byte, split bool) (*abi.ProviderRequest, error) {
	if !split || len(p) == 0 || p[0] != abi.SplitProjection {
		return decodeProviderRequest(p)
	}
	head, body, err := abi.DecodeSplitProjection(p)
	if err != nil {
		return nil, badOutput("split provider request: the head's length runs past the payload")
	}
	r, err := decodeProviderRequest(head)
	if err != nil {
		return nil, err
	}
	if r.Body != nil {
		return nil, badOutput("split provider request: the head has a body; the body follows the head")
	}
	if len(body) > 0 {
		b, err := compactBody(body)
		if err != nil {
			return nil, &guestError{&abi.Error{Code: abi.CodeInvalidRequest, Message: err.Error()}}
		}
		r.Body = b
	}
	return r, nil
}

// compactBody returns body as json.Marshal writes a json.RawMessage, by
// the guest SDK's own check and compaction (guest.AppendProviderRequest's,
// run natively), and by json.Marshal for what that check refuses (the
// SDK's fallback): the same bytes, or json.Marshal's error.
func compactBody(body []byte) ([]byte, error) {
	if jsonx.Valid(body) {
		return jsonx.AppendCompact(make([]byte, 0, len(body)), body, true), nil
	}
	return json.Marshal(json.RawMessage(body))
}

func decodeProviderRequest(b []byte) (*abi.ProviderRequest, error) {
	var r abi.ProviderRequest
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, badOutput("provider request is not valid JSON of the provider request shape: %v", err)
	}
	if r.Method == "" || strings.ToUpper(r.Method) != r.Method {
		return nil, badOutput("provider request: method %q is not an upper-case HTTP method", r.Method)
	}
	if r.Path != "" && !strings.HasPrefix(r.Path, "/") {
		return nil, badOutput("provider request: path %q does not start with /", r.Path)
	}
	switch r.StreamFraming {
	case abi.FramingSSE, abi.FramingNDJSON, abi.FramingAWSEventStream, abi.FramingNone:
	default:
		return nil, badOutput("provider request: stream_framing %q, want sse, ndjson, aws-eventstream or none", r.StreamFraming)
	}
	return &r, nil
}

// Event fields, as bits.
const (
	fType uint32 = 1 << iota
	fID
	fModel
	fText
	fSource
	fSignature
	fData
	fIndex
	fName
	fArguments
	fInputTokens
	fOutputTokens
	fCachedInputTokens
	fReasoningTokens
	fReason
	fRawReason
	fCode
	fMessage
	fRetryable
	fCacheWriteInputTokens
	fInput
	fContent
	fIsError
	fKind
	fURL
	fTitle
	fCitedText
	fTruncated
)

var fieldNames = [...]string{"type", "id", "model", "text", "source", "signature", "data", "index", "name", "arguments",
	"input_tokens", "output_tokens", "cached_input_tokens", "reasoning_tokens", "reason", "raw_reason", "code", "message", "retryable",
	"cache_write_input_tokens", "input", "content", "is_error", "kind", "url", "title", "cited_text", "truncated"}

func fieldBit(k []byte) uint32 {
	switch string(k) {
	case "type":
		return fType
	case "id":
		return fID
	case "model":
		return fModel
	case "text":
		return fText
	case "source":
		return fSource
	case "signature":
		return fSignature
	case "data":
		return fData
	case "index":
		return fIndex
	case "name":
		return fName
	case "arguments":
		return fArguments
	case "input_tokens":
		return fInputTokens
	case "output_tokens":
		return fOutputTokens
	case "cached_input_tokens":
		return fCachedInputTokens
	case "reasoning_tokens":
		return fReasoningTokens
	case "reason":
		return fReason
	case "raw_reason":
		return fRawReason
	case "code":
		return fCode
	case "message":
		return fMessage
	case "retryable":
		return fRetryable
	case "cache_write_input_tokens":
		return fCacheWriteInputTokens
	case "input":
		return fInput
	case "content":
		return fContent
	case "is_error":
		return fIsError
	case "kind":
		return fKind
	case "url":
		return fURL
	case "title":
		return fTitle
	case "cited_text":
		return fCitedText
	case "truncated":
		return fTruncated
	}
	return 0
}

func fieldName(bit uint32) string {
	for i := range fieldNames {
		if bit == 1<<i {
			return fieldNames[i]
		}
	}
	return "?"
}

// eventShape is the allowed and required fields of one event type.
type eventShape struct{ allowed, required uint32 }

func shapeOf(t abi.EventType) (eventShape, bool) {
	switch t {
	case abi.EventResponseStart:
		return eventShape{fType | fID | fModel, fType}, true
	case abi.EventTextDelta, abi.EventReasoningDelta:
		return eventShape{fType | fText, fType | fText}, true
	case abi.EventRefusal:
		return eventShape{fType | fText | fSource, fType | fText}, true
	case abi.EventReasoningSignature:
		return eventShape{fType | fSignature, fType | fSignature}, true
	case abi.EventReasoningRedacted:
		return eventShape{fType | fData, fType | fData}, true
	case abi.EventToolCallStart:
		return eventShape{fType | fIndex | fID | fName, fType | fIndex | fID | fName}, true
	case abi.EventToolCallDelta:
		return eventShape{fType | fIndex | fArguments, fType | fIndex | fArguments}, true
	case abi.EventToolCall:
		return eventShape{fType | fIndex | fID | fName | fArguments, fType | fIndex | fID | fName | fArguments}, true
	case abi.EventToolCallEnd:
		return eventShape{fType | fIndex | fMessage | fTruncated, fType | fIndex}, true
	case abi.EventUsage:
		return eventShape{fType | fInputTokens | fOutputTokens | fCachedInputTokens | fReasoningTokens | fCacheWriteInputTokens, fType}, true
	case abi.EventFinish:
		return eventShape{fType | fReason | fRawReason, fType | fReason}, true
	case abi.EventError:
		return eventShape{fType | fCode | fMessage | fRetryable, fType | fCode | fMessage}, true
	case abi.EventServerToolCall, abi.EventApprovalRequest:
		return eventShape{fType | fID | fName | fInput, fType | fID | fName | fInput}, true
	case abi.EventServerToolResult:
		return eventShape{fType | fID | fName | fContent | fIsError, fType | fID | fName | fContent}, true
	case abi.EventSource:
		return eventShape{fType | fID | fKind | fURL | fTitle | fCitedText, fType | fID | fKind}, true
	}
	return eventShape{}, false
}

// eventError is the adapter_bad_output error for event i.
func eventError(i int, t abi.EventType, format string, args ...any) *abi.Error {
	where := "event " + strconv.Itoa(i)
	if t != "" {
		where += " (" + string(t) + ")"
	}
	return abi.Errorf(abi.CodeAdapterBadOutput, "%s: %s", where, fmt.Sprintf(format, args...))
}

// validateEvents parses newline-terminated event objects, checks each
// against its type's exact shape, and appends the events to dst. p and args
// are reusable parsers. ends allows tool-call-end events (ABI 1.4: the
// transform results of a module that reports 1.4 or later). Anything off
// is adapter_bad_output naming the event index and the field.
func validateEvents(p, args *fastjson.Parser, b []byte, dst []abi.Event, ends bool) ([]abi.Event, error) {
	for i := 0; len(b) > 0; i++ {
		nl := bytes.IndexByte(b, '\n')
		if nl < 0 {
			return dst, eventError(i, "", "not newline-terminated: every event is one JSON object followed by \\n")
		}
		line := b[:nl]
		b = b[nl+1:]
		ev, err := parseEvent(p, args, i, line, ends)
		if err != nil {
			return dst, err
		}
		dst = append(dst, ev)
	}
	return dst, nil
}

func parseEvent(p, args *fastjson.Parser, i int, line []byte, ends bool) (abi.Event, error) {
	var e abi.Event
	v, err := p.ParseBytes(line)
	if err != nil {
		return e, eventError(i, "", "not valid JSON: %v", err)
	}
	o, err := v.Object()
	if err != nil {
		return e, eventError(i, "", "not a JSON object")
	}
	tv := o.Get("type")
	if tv == nil {
		return e, eventError(i, "", `lacks "type"`)
	}
	tb, err := tv.StringBytes()
	if err != nil {
		return e, eventError(i, "", `"type" is not a string`)
	}
	shape, ok := shapeOf(abi.EventType(tb))
	if !ok {
		return e, eventError(i, "", "unknown event type %q", tb)
	}
	e.Type = abi.EventType(tb)
	if e.Type == abi.EventToolCallEnd && !ends {
		return e, eventError(i, e.Type, "tool-call-end is an ABI 1.4 event of wasmadapt_transform results only: emit tool-call here (or report ABI 1.4)")
	}
	var seen uint32
	var ferr *abi.Error
	str := func(v *fastjson.Value, bit uint32) string {
		s, err := v.StringBytes()
		if err != nil {
			ferr = eventError(i, e.Type, "field %q is not a string", fieldName(bit))
			return ""
		}
		if !utf8.Valid(s) {
			ferr = eventError(i, e.Type, "field %q is not valid UTF-8", fieldName(bit))
			return ""
		}
		return string(s)
	}
	integer := func(v *fastjson.Value, bit uint32) int {
		n, err := v.Int64()
		if err != nil || n < 0 || v.Type() != fastjson.TypeNumber {
			ferr = eventError(i, e.Type, "field %q is not a non-negative integer", fieldName(bit))
			return 0
		}
		return int(n)
	}
	boolean := func(v *fastjson.Value, bit uint32) bool {
		b, err := v.Bool()
		if err != nil {
			ferr = eventError(i, e.Type, "field %q is not a boolean", fieldName(bit))
		}
		return b
	}
	o.Visit(func(k []byte, v *fastjson.Value) {
		if ferr != nil {
			return
		}
		bit := fieldBit(k)
		if bit == 0 || shape.allowed&bit == 0 {
			ferr = eventError(i, e.Type, "unexpected field %q", k)
			return
		}
		if seen&bit != 0 {
			ferr = eventError(i, e.Type, "duplicate field %q", k)
			return
		}
		seen |= bit
		switch bit {
		case fType:
		case fID:
			e.ID = str(v, bit)
		case fModel:
			e.Model = str(v, bit)
		case fText:
			e.Text = str(v, bit)
		case fSource:
			e.Source = str(v, bit)
		case fSignature:
			e.Signature = str(v, bit)
		case fData:
			e.Data = str(v, bit)
		case fIndex:
			e.Index = integer(v, bit)
		case fName:
			e.Name = str(v, bit)
		case fArguments:
			e.Arguments = str(v, bit)
		case fInputTokens:
			e.Usage.InputTokens = integer(v, bit)
		case fOutputTokens:
			e.Usage.OutputTokens = integer(v, bit)
		case fCachedInputTokens:
			e.Usage.CachedInputTokens = integer(v, bit)
		case fReasoningTokens:
			e.Usage.ReasoningTokens = integer(v, bit)
		case fCacheWriteInputTokens:
			e.Usage.CacheWriteInputTokens = integer(v, bit)
		case fReason:
			e.Reason = abi.FinishReason(str(v, bit))
		case fRawReason:
			e.RawReason = str(v, bit)
		case fCode:
			e.Code = abi.Code(str(v, bit))
		case fMessage:
			e.Message = str(v, bit)
		case fRetryable:
			e.Retryable = boolean(v, bit)
		case fInput:
			e.Input = str(v, bit)
		case fContent:
			e.Content = str(v, bit)
		case fIsError:
			e.IsError = boolean(v, bit)
		case fKind:
			e.Kind = str(v, bit)
		case fURL:
			e.URL = str(v, bit)
		case fTitle:
			e.Title = str(v, bit)
		case fCitedText:
			e.CitedText = str(v, bit)
		case fTruncated:
			e.Truncated = boolean(v, bit)
		}
	})
	if ferr != nil {
		return e, ferr
	}
	if missing := shape.required &^ seen; missing != 0 {
		return e, eventError(i, e.Type, "missing field %q", fieldName(missing&-missing))
	}
	switch e.Type {
	case abi.EventToolCallStart, abi.EventToolCall:
		if e.ID == "" {
			return e, eventError(i, e.Type, `field "id" is empty: synthesize a stable id when the provider gives none`)
		}
		if e.Name == "" {
			return e, eventError(i, e.Type, `field "name" is empty`)
		}
		if e.Type == abi.EventToolCall {
			av, err := args.Parse(e.Arguments)
			if err != nil {
				return e, eventError(i, e.Type, `field "arguments" is not valid JSON: %v`, err)
			}
			if av.Type() != fastjson.TypeObject {
				return e, eventError(i, e.Type, `field "arguments" is JSON %s, want an object`, av.Type())
			}
		}
	case abi.EventServerToolCall, abi.EventApprovalRequest:
		if e.ID == "" || e.Name == "" {
			return e, eventError(i, e.Type, `fields "id" and "name" must not be empty`)
		}
		if av, err := args.Parse(e.Input); err != nil || av.Type() != fastjson.TypeObject {
			return e, eventError(i, e.Type, `field "input" is not the text of a JSON object`)
		}
	case abi.EventServerToolResult:
		if e.ID == "" || e.Name == "" {
			return e, eventError(i, e.Type, `fields "id" and "name" must not be empty`)
		}
		if _, err := args.Parse(e.Content); err != nil {
			return e, eventError(i, e.Type, `field "content" is not valid JSON: %v`, err)
		}
	case abi.EventSource:
		if e.ID == "" || e.Kind == "" {
			return e, eventError(i, e.Type, `fields "id" and "kind" must not be empty`)
		}
	case abi.EventRefusal:
		if e.Source != "" && e.Source != "provider" && e.Source != "phrase" {
			return e, eventError(i, e.Type, `field "source" is %q, want "provider" or "phrase"`, e.Source)
		}
	case abi.EventFinish:
		if !e.Reason.Valid() {
			return e, eventError(i, e.Type, `field "reason" is %q, want stop, length, tool-calls, content-filter, refusal, error, other or pause`, e.Reason)
		}
	case abi.EventError:
		if !e.Code.Valid() {
			return e, eventError(i, e.Type, `field "code" is %q, not a stable error code`, e.Code)
		}
		if hostOnly(e.Code) {
			return e, eventError(i, e.Type, `field "code" is %q, which only the host observes`, e.Code)
		}
	}
	return e, nil
}
