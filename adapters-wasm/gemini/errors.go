package gemini

import (
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// MapError turns a non-2xx Gemini response ({"error":{"code","message",
// "status","details"}}) into one error event.
func (Adapter) MapError(in *abi.ResponseInput, out *guest.Output) error {
	body := in.Body
	// A streamed request that failed before streaming may answer with an
	// array of one error object.
	if jsonx.KindOf(body) == jsonx.KindArray {
		ai := jsonx.Array(body)
		if ai.Next() {
			body = ai.Value()
		}
	}
	var e *abi.Error
	if v, ok, _ := jsonx.Lookup(body, "error"); ok && jsonx.KindOf(v) == jsonx.KindObject {
		e = providerError(int(in.Status), v)
	} else {
		e = statusError(int(in.Status), "")
		msg := strings.TrimSpace(string(in.Body))
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
		if msg != "" {
			e.Message += ": " + msg
		}
	}
	out.Emit(&abi.Event{Type: abi.EventError, Code: e.Code, Message: e.Message, Retryable: e.Retryable})
	return nil
}

// providerError maps the object under "error" (status is the HTTP status,
// 0 inside a stream).
func providerError(status int, v []byte) *abi.Error {
	var msg, gstatus, reason, retryDelay string
	code, daily := 0, false
	it := jsonx.Object(v)
	for it.Next() {
		switch {
		case it.KeyIs("message"):
			if b, err := jsonx.AppendUnescaped(nil, it.Value()); err == nil {
				msg = string(b)
			}
		case it.KeyIs("status"):
			if b, err := jsonx.AppendUnescaped(nil, it.Value()); err == nil {
				gstatus = string(b)
			}
		case it.KeyIs("code"):
			if n, err := jsonx.Int(it.Value()); err == nil {
				code = int(n)
			}
		case it.KeyIs("details"):
			reason, retryDelay, daily = details(it.Value())
		}
	}
	if status == 0 {
		status = code
	}
	var e *abi.Error
	switch gstatus {
	case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE":
		e = &abi.Error{Code: abi.CodeInvalidRequest}
		low := strings.ToLower(msg)
		switch {
		case reason == "API_KEY_INVALID" || strings.Contains(low, "api key not valid"):
			e.Code = abi.CodeAuthentication
		case strings.Contains(low, "token count") && strings.Contains(low, "exceed"),
			strings.Contains(low, "exceeds the maximum number of tokens"):
			e.Code = abi.CodeContextLengthExceeded
		}
	case "UNAUTHENTICATED":
		e = &abi.Error{Code: abi.CodeAuthentication}
	case "PERMISSION_DENIED":
		e = &abi.Error{Code: abi.CodePermission}
		if reason == "API_KEY_INVALID" {
			e.Code = abi.CodeAuthentication
		}
	case "NOT_FOUND":
		e = &abi.Error{Code: abi.CodeNotFound}
	case "RESOURCE_EXHAUSTED":
		// A per-minute quota refills; a per-day one does not within any
		// sensible retry window.
		e = &abi.Error{Code: abi.CodeRateLimited, Retryable: !daily}
	case "UNAVAILABLE":
		e = &abi.Error{Code: abi.CodeOverloaded, Retryable: true}
	case "INTERNAL", "DEADLINE_EXCEEDED", "UNKNOWN", "ABORTED":
		e = &abi.Error{Code: abi.CodeServerError, Retryable: true}
	default:
		e = statusError(status, "")
	}
	if msg == "" {
		msg = "Gemini returned an error without a message"
	}
	e.Message = "gemini: " + msg
	if gstatus != "" {
		e.Message += " (" + gstatus
		if reason != "" {
			e.Message += ", " + reason
		}
		e.Message += ")"
	}
	switch {
	case daily:
		e.Message += ": a daily quota is exhausted; retry tomorrow or raise the quota"
	case retryDelay != "" && e.Retryable:
		e.Message += ": retry after " + retryDelay
	}
	e.Status = status
	return e
}

// details reads the google.rpc details of an error: the reason of an
// ErrorInfo, the retryDelay of a RetryInfo, and whether a QuotaFailure names
// a per-day quota.
func details(v []byte) (reason, retryDelay string, daily bool) {
	str := func(b []byte) string {
		u, err := jsonx.AppendUnescaped(nil, b)
		if err != nil {
			return ""
		}
		return string(u)
	}
	ai := jsonx.Array(v)
	for ai.Next() {
		it := jsonx.Object(ai.Value())
		for it.Next() {
			switch {
			case it.KeyIs("reason") && reason == "":
				reason = str(it.Value())
			case it.KeyIs("retryDelay"):
				retryDelay = str(it.Value())
			case it.KeyIs("violations"):
				vi := jsonx.Array(it.Value())
				for vi.Next() {
					if q, ok, _ := jsonx.Lookup(vi.Value(), "quotaId"); ok && strings.Contains(str(q), "PerDay") {
						daily = true
					}
				}
			}
		}
	}
	return reason, retryDelay, daily
}

// statusError maps an HTTP status alone.
func statusError(status int, msg string) *abi.Error {
	e := &abi.Error{Status: status, Message: "gemini: HTTP " + itoa(status)}
	if msg != "" {
		e.Message += ": " + msg
	}
	e.Code, e.Retryable = guest.StatusCode(status, 503)
	return e
}
