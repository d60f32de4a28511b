package chatcompletions

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// ParseResponse turns a whole (non-streamed) Chat Completions body into the
// events a stream of it would give, with whole texts in single deltas.
func (d *Dialect) ParseResponse(in *abi.ResponseInput, out *guest.Output) error {
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	sc.st.reset()
	r := run{d: d, sc: sc, out: out, whole: true}
	if jsonx.KindOf(in.Body) != jsonx.KindObject || !jsonx.Valid(in.Body) {
		r.fail(abi.CodeServerError, d.Provider+": the response body is not a JSON object: "+snippet(in.Body)+"; retry the request", true)
		return nil
	}
	r.object(in.Body)
	st := r.st()
	if st.flags&(fFailed|fDone) != 0 {
		return nil
	}
	if st.flags&fFinish == 0 {
		r.flushTools(true)
		r.fail(abi.CodeStreamTruncated, d.Provider+": the response has no finish_reason: it is incomplete; retry the request", true)
		return nil
	}
	r.emitFinish()
	return nil
}

// MapError turns a non-2xx response into one error event.
func (d *Dialect) MapError(in *abi.ResponseInput, out *guest.Output) error {
	e := d.mapError(int(in.Status), in.Body)
	ev := abi.Event{Type: abi.EventError, Code: e.Code, Message: e.Message, Retryable: e.Retryable}
	out.Emit(&ev)
	return nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "..."
	}
	if s == "" {
		return "(empty body)"
	}
	return strconv.Quote(s)
}

func unq(v []byte) string {
	if raw, err := jsonx.Str(v); err == nil {
		b, _ := jsonx.Unescape(nil, raw)
		return string(b)
	}
	if jsonx.KindOf(v) == jsonx.KindNumber {
		return string(v)
	}
	return ""
}

// ParseError reads {"error":{"message","type","code","param"}} (or the
// error object itself, or {"message"} bodies); ok is false when body holds
// no error object.
func ParseError(body []byte) (info ErrorInfo, ok bool) {
	obj := body
	if v, found, err := jsonx.Lookup(body, "error"); err == nil && found {
		if jsonx.KindOf(v) == jsonx.KindString {
			info.Message = unq(v)
			return info, true
		}
		obj = v
	}
	it := jsonx.Object(obj)
	for it.Next() {
		switch {
		case it.KeyIs("message"):
			info.Message = unq(it.Value())
			ok = true
		case it.KeyIs("type"):
			info.Type = unq(it.Value())
		case it.KeyIs("code"):
			info.Code = unq(it.Value())
		case it.KeyIs("param"):
			info.Param = unq(it.Value())
		}
	}
	return info, ok && it.Err() == nil
}

// mapError maps a provider error (status 0 inside a stream) to a stable
// code with retryable set.
func (d *Dialect) mapError(status int, body []byte) *abi.Error {
	info, ok := ParseError(body)
	info.Status = status
	info.Body = body
	e := &abi.Error{Status: status}
	switch {
	case info.Code == "context_length_exceeded" || strings.Contains(info.Message, "maximum context length"):
		e.Code = abi.CodeContextLengthExceeded
	case info.Code == "content_filter" || info.Code == "content_policy_violation" || info.Type == "content_filter":
		e.Code = abi.CodeContentFilter
	case info.Code == "insufficient_quota":
		e.Code = abi.CodeRateLimited // quota exhausted: not retryable
	case status == 400 || status == 413 || status == 422:
		e.Code = abi.CodeInvalidRequest
	case status == 401:
		e.Code = abi.CodeAuthentication
	case status == 403:
		e.Code = abi.CodePermission
	case status == 404:
		e.Code = abi.CodeNotFound
	case status == 429:
		e.Code, e.Retryable = abi.CodeRateLimited, true
	case status == 503 || status == 529 || info.Type == "overloaded_error" || info.Code == "overloaded":
		e.Code, e.Retryable = abi.CodeOverloaded, true
	case status >= 500 || status == 408 || status == 409:
		e.Code, e.Retryable = abi.CodeServerError, true
	case status == 0:
		// An error object inside a 200 stream: judge by its type.
		switch info.Type {
		case "invalid_request_error":
			e.Code = abi.CodeInvalidRequest
		case "authentication_error":
			e.Code = abi.CodeAuthentication
		case "permission_error":
			e.Code = abi.CodePermission
		case "rate_limit_error", "tokens", "requests":
			e.Code, e.Retryable = abi.CodeRateLimited, true
		default:
			e.Code, e.Retryable = abi.CodeServerError, true
		}
	default:
		e.Code = abi.CodeInvalidRequest
	}
	var msg strings.Builder
	msg.WriteString(d.Provider)
	if status != 0 {
		msg.WriteString(" HTTP ")
		msg.WriteString(strconv.Itoa(status))
	} else {
		msg.WriteString(" stream error")
	}
	msg.WriteString(": ")
	if ok {
		msg.WriteString(info.Message)
		var tags []string
		if info.Type != "" {
			tags = append(tags, "type "+info.Type)
		}
		if info.Code != "" {
			tags = append(tags, "code "+info.Code)
		}
		if info.Param != "" {
			tags = append(tags, "param "+info.Param)
		}
		if len(tags) > 0 {
			msg.WriteString(" (" + strings.Join(tags, ", ") + ")")
		}
	} else {
		msg.WriteString("body is not a provider error object: " + snippet(body))
	}
	info.Summary = msg.String()
	info.Hint = hint(e.Code, info.Code)
	e.Message = info.Summary + info.Hint
	if d.Error != nil {
		d.Error(&info, e)
	}
	return e
}

func hint(c abi.Code, providerCode string) string {
	switch c {
	case abi.CodeAuthentication:
		return ": check the API key the host is configured with"
	case abi.CodePermission:
		return ": the key lacks access to this model or feature"
	case abi.CodeNotFound:
		return ": check the model name and the base URL"
	case abi.CodeRateLimited:
		if providerCode == "insufficient_quota" {
			return ": the quota is exhausted; add credit or raise the limit (retrying will not help)"
		}
		return ": retry after a delay"
	case abi.CodeOverloaded, abi.CodeServerError:
		return ": retry after a delay"
	case abi.CodeContextLengthExceeded:
		return ": shorten the conversation or lower max_output_tokens"
	case abi.CodeContentFilter:
		return ": the provider's safety system blocked it; rephrase the request"
	case abi.CodeInvalidRequest:
		return ": fix the request"
	}
	return ""
}
