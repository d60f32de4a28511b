package bedrock

import (
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstream"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// ParseResponse turns a whole Converse response into the events its stream
// would have given, with whole texts in single deltas.
func (Adapter) ParseResponse(in *abi.ResponseInput, out *guest.Output) error {
	var s state
	s.Init(in.Context)
	var content, usage []byte
	it := jsonx.Object(in.Body)
	for it.Next() {
		switch {
		case it.KeyIs("output"):
			msg, _, _ := jsonx.Lookup(it.Value(), "message")
			content, _, _ = jsonx.Lookup(msg, "content")
		case it.KeyIs("stopReason"):
			s.Stop = s.Bytes(it.Value())
		case it.KeyIs("usage"):
			usage = it.Value()
		}
	}
	if err := it.Err(); err != nil {
		return abi.Errorf(abi.CodeServerError, "bedrock: the Converse response is not a JSON object: %v", err)
	}
	out.Emit(&abi.Event{Type: abi.EventResponseStart, Model: string(s.model)})
	if err := dialect.Whole(&s.Core, content, usage, "output.message.content", func(v []byte) { parseBlock(&s, v, out) }); err != nil {
		return err
	}
	emitFinish(&s, out)
	return nil
}

func parseBlock(s *state, v []byte, out *guest.Output) {
	it := jsonx.Object(v)
	for it.Next() {
		if !it.KeyIs("text") {
			s.otherBlock()
		}
		switch {
		case it.KeyIs("text"):
			if t := s.Str(it.Value()); t != "" {
				s.emitText(out, t)
				s.flushText(out)
			}
		case it.KeyIs("reasoningContent"):
			rc := jsonx.Object(it.Value())
			for rc.Next() {
				switch {
				case rc.KeyIs("reasoningText"):
					var text, sig string
					rt := jsonx.Object(rc.Value())
					for rt.Next() {
						switch {
						case rt.KeyIs("text"):
							text = s.Str(rt.Value())
						case rt.KeyIs("signature"):
							sig = s.Str(rt.Value())
						}
					}
					if text != "" {
						out.Emit(&abi.Event{Type: abi.EventReasoningDelta, Text: text})
					}
					if sig != "" {
						out.Emit(&abi.Event{Type: abi.EventReasoningSignature, Signature: sig})
					}
				case rc.KeyIs("redactedContent"):
					out.Emit(&abi.Event{Type: abi.EventReasoningRedacted, Data: s.Str(rc.Value())})
				}
			}
		case it.KeyIs("toolUse"):
			var id, name, typ string
			var input []byte
			tu := jsonx.Object(it.Value())
			for tu.Next() {
				switch {
				case tu.KeyIs("toolUseId"):
					id = s.Str(tu.Value())
				case tu.KeyIs("name"):
					name = s.Str(tu.Value())
				case tu.KeyIs("input"):
					input = tu.Value()
				case tu.KeyIs("type"):
					typ = s.Str(tu.Value())
				}
			}
			if typ == "server_tool_use" {
				continue // run by Bedrock itself, not by the client
			}
			dialect.WholeToolUse(&s.Core, out, id, name, input)
		}
	}
}

// MapError maps an error response to one error event. The error type comes
// from the x-amzn-errortype header ("ThrottlingException:http://..."),
// else the body's __type, else the HTTP status.
func (Adapter) MapError(in *abi.ResponseInput, out *guest.Output) error {
	var s state
	typ := string(in.Header("x-amzn-errortype"))
	var msg string
	it := jsonx.Object(in.Body)
	for it.Next() {
		switch {
		case it.KeyIs("message"), it.KeyIs("Message"):
			msg = s.Str(it.Value())
		case it.KeyIs("__type"):
			if typ == "" {
				typ = s.Str(it.Value())
			}
		}
	}
	if i := strings.IndexByte(typ, ':'); i >= 0 {
		typ = typ[:i]
	}
	if i := strings.LastIndexByte(typ, '#'); i >= 0 {
		typ = typ[i+1:]
	}
	if msg == "" && it.Err() != nil {
		msg = blockstream.ErrorBody(in.Body)
	}
	code, retry := errorCode(typ, int(in.Status), msg)
	dialect.EmitHTTPError(out, code, retry, typ, in.Status, msg)
	return nil
}

// errorCode maps a Bedrock exception type (either case of its first
// letter: HTTP errors say ThrottlingException, stream events
// throttlingException) or, without a known type, the HTTP status.
func errorCode(typ string, status int, msg string) (abi.Code, bool) {
	if typ != "" {
		typ = strings.ToLower(typ[:1]) + typ[1:]
	}
	switch typ {
	case "throttlingException", "tooManyRequestsException":
		return abi.CodeRateLimited, true
	case "serviceQuotaExceededException":
		return abi.CodeRateLimited, false
	case "validationException":
		if isContextLength(msg) {
			return abi.CodeContextLengthExceeded, false
		}
		if isUnknownModel(msg) {
			return abi.CodeNotFound, false
		}
		return abi.CodeInvalidRequest, false
	case "accessDeniedException":
		return abi.CodePermission, false
	case "unrecognizedClientException", "invalidSignatureException", "expiredTokenException", "incompleteSignatureException", "missingAuthenticationTokenException":
		return abi.CodeAuthentication, false
	case "resourceNotFoundException":
		return abi.CodeNotFound, false
	case "serviceUnavailableException", "modelNotReadyException":
		return abi.CodeOverloaded, true
	case "internalServerException", "modelStreamErrorException", "modelTimeoutException":
		return abi.CodeServerError, true
	case "modelErrorException":
		return abi.CodeServerError, false
	}
	switch {
	case status == 424: // ModelErrorException: the model failed on this input
		return abi.CodeServerError, false
	case status == 408:
		return abi.CodeServerError, true
	case status < 400:
		return abi.CodeServerError, false
	}
	code, retryable := guest.StatusCode(status, 503)
	if code == abi.CodeInvalidRequest {
		if isContextLength(msg) {
			return abi.CodeContextLengthExceeded, false
		}
		if isUnknownModel(msg) {
			return abi.CodeNotFound, false
		}
	}
	return code, retryable
}

// isUnknownModel reports whether a validation message says the model ID
// names no model: Bedrock answers an unknown model ID with a 400
// ValidationException ("The provided model identifier is invalid.") where
// every other provider answers 404, so it is not_found like theirs.
func isUnknownModel(msg string) bool {
	return strings.Contains(strings.ToLower(msg), "model identifier is invalid")
}

func isContextLength(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "too long") || strings.Contains(m, "context window") || strings.Contains(m, "context length") || strings.Contains(m, "maximum context")
}
