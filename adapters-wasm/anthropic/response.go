package anthropic

import (
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstream"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// ParseResponse turns a whole (non-streamed) Messages response into the
// events its stream would have given, with whole texts in single deltas.
func (Adapter) ParseResponse(in *abi.ResponseInput, out *guest.Output) error {
	var s state
	s.Init(in.Context)
	id, model, content, usage, err := readMessage(&s, in.Body)
	if err != nil {
		return abi.Errorf(abi.CodeServerError, "anthropic: the response body is not a JSON object: %v", err)
	}
	out.Emit(&abi.Event{Type: abi.EventResponseStart, ID: id, Model: model})
	if err := dialect.Whole(&s.Core, content, usage, "the response content", func(v []byte) { parseBlock(&s, v, out) }); err != nil {
		return err
	}
	emitFinish(&s, out)
	return nil
}

// readMessage reads a message object (a whole response's body, or the
// message of message_start): its ID, model, content and usage; its
// stop_reason and stop_details are kept in s like message_delta's.
func readMessage(s *state, v []byte) (id, model string, content, usage []byte, err error) {
	it := jsonx.Object(v)
	for it.Next() {
		switch {
		case it.KeyIs("id"):
			id = s.Str(it.Value())
		case it.KeyIs("model"):
			model = s.Str(it.Value())
		case it.KeyIs("content"):
			content = it.Value()
		case it.KeyIs("stop_reason"):
			if !jsonx.IsNull(it.Value()) {
				s.Stop = s.Bytes(it.Value())
			}
		case it.KeyIs("usage"):
			usage = it.Value()
		case it.KeyIs("stop_details"):
			readStopDetails(s, it.Value())
		}
	}
	return id, model, content, usage, it.Err()
}

// contentBlock holds the raw members of a content block, as a whole
// response's content and content_block_start carry it.
type contentBlock struct {
	typ, text, thinking, sig, data, id, name, input, citations, server []byte
}

func readBlock(v []byte) (b contentBlock) {
	it := jsonx.Object(v)
	for it.Next() {
		switch {
		case it.KeyIs("type"):
			b.typ = it.Value()
		case it.KeyIs("text"):
			b.text = it.Value()
		case it.KeyIs("thinking"):
			b.thinking = it.Value()
		case it.KeyIs("signature"):
			b.sig = it.Value()
		case it.KeyIs("data"):
			b.data = it.Value()
		case it.KeyIs("id"):
			b.id = it.Value()
		case it.KeyIs("name"):
			b.name = it.Value()
		case it.KeyIs("input"):
			b.input = it.Value()
		case it.KeyIs("citations"):
			b.citations = it.Value()
		case it.KeyIs("server_name"):
			b.server = it.Value()
		}
	}
	return b
}

func parseBlock(s *state, v []byte, out *guest.Output) {
	cb := readBlock(v)
	kind := s.Str(cb.typ)
	if kind != "text" {
		blockBoundary(s)
	}
	switch kind {
	case "text":
		emitCitations(s, out, cb.citations)
		if t := s.Str(cb.text); t != "" {
			emitText(s, t, out)
		}
	case "server_tool_use":
		if tid, n := s.Str(cb.id), s.Str(cb.name); tid != "" && n != "" {
			emitServerToolCall(out, tid, n, cb.input)
		}
	case "mcp_tool_use":
		if tid, n := s.Str(cb.id), s.Str(cb.name); tid != "" && n != "" {
			emitMCPToolCall(out, tid, s.Str(cb.server), n, cb.input)
		}
	case "thinking":
		if t := s.Str(cb.thinking); t != "" {
			out.Emit(&abi.Event{Type: abi.EventReasoningDelta, Text: t})
		}
		if sg := s.Str(cb.sig); sg != "" {
			out.Emit(&abi.Event{Type: abi.EventReasoningSignature, Signature: sg})
		}
	case "redacted_thinking":
		out.Emit(&abi.Event{Type: abi.EventReasoningRedacted, Data: s.Str(cb.data)})
	case "tool_use":
		dialect.WholeToolUse(&s.Core, out, s.Str(cb.id), s.Str(cb.name), cb.input)
	default:
		if isServerToolResult(kind) {
			emitServerToolResult(s, out, kind, v)
		}
	}
}

// MapError maps an error response ({"type":"error","error":{"type",
// "message"}}) to one error event.
func (Adapter) MapError(in *abi.ResponseInput, out *guest.Output) error {
	var s state
	e, _, _ := jsonx.Lookup(in.Body, "error")
	et, msg := readError(&s, e)
	if et == "" && msg == "" {
		msg = blockstream.ErrorBody(in.Body)
	}
	code, retry := errorCode(et, int(in.Status), msg)
	dialect.EmitHTTPError(out, code, retry, et, in.Status, msg)
	return nil
}

// readError reads an error object's type and message.
func readError(s *state, e []byte) (errType, msg string) {
	it := jsonx.Object(e)
	for it.Next() {
		switch {
		case it.KeyIs("type"):
			errType = s.Str(it.Value())
		case it.KeyIs("message"):
			msg = s.Str(it.Value())
		}
	}
	return errType, msg
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

func errorMessage(errType, msg string) string {
	if errType == "" {
		return "anthropic: " + msg
	}
	return "anthropic: " + errType + ": " + msg
}

// errorCode maps Anthropic's error type (or, without one, the HTTP status)
// to a stable code and whether the request may be retried.
func errorCode(errType string, status int, msg string) (abi.Code, bool) {
	switch errType {
	case "invalid_request_error":
		if isContextLength(msg) {
			return abi.CodeContextLengthExceeded, false
		}
		return abi.CodeInvalidRequest, false
	case "authentication_error":
		return abi.CodeAuthentication, false
	case "permission_error", "billing_error":
		return abi.CodePermission, false
	case "not_found_error":
		return abi.CodeNotFound, false
	case "request_too_large":
		return abi.CodeInvalidRequest, false
	case "rate_limit_error":
		return abi.CodeRateLimited, true
	case "overloaded_error":
		return abi.CodeOverloaded, true
	case "api_error", "timeout_error":
		return abi.CodeServerError, true
	}
	switch {
	case status == 402:
		return abi.CodePermission, false
	case status < 400:
		// An error event inside a stream with an unknown type.
		return abi.CodeServerError, false
	}
	code, retryable := guest.StatusCode(status, 529)
	if code == abi.CodeInvalidRequest && isContextLength(msg) {
		return abi.CodeContextLengthExceeded, false
	}
	return code, retryable
}

func isContextLength(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "prompt is too long") || strings.Contains(m, "context window") || strings.Contains(m, "context length")
}
