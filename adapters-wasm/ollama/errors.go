package ollama

import (
	"strconv"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// MapError turns a non-2xx Ollama response ({"error":"..."}) into one error
// event.
func (Adapter) MapError(in *abi.ResponseInput, out *guest.Output) error {
	msg := ""
	if v, ok, _ := jsonx.Lookup(in.Body, "error"); ok {
		if b, err := jsonx.AppendUnescaped(nil, v); err == nil {
			msg = string(b)
		}
	}
	if msg == "" {
		msg = strings.TrimSpace(string(in.Body))
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
	}
	e := classify(int(in.Status), msg)
	out.Emit(&abi.Event{Type: abi.EventError, Code: e.Code, Message: e.Message, Retryable: e.Retryable})
	return nil
}

// classify maps an Ollama error message and HTTP status (0 inside a
// stream) to a stable code.
func classify(status int, msg string) *abi.Error {
	low := strings.ToLower(msg)
	e := &abi.Error{Status: status, Message: "ollama: " + msg}
	if msg == "" {
		e.Message = "ollama: HTTP " + strconv.Itoa(status)
	}
	switch {
	case strings.Contains(low, "does not support"):
		// "registry.ollama.ai/library/gemma3:1b does not support tools",
		// "... does not support thinking".
		e.Code = abi.CodeCapabilityUnsupported
	case strings.Contains(low, "not found") && (status == 404 || status == 0 || strings.Contains(low, "model")):
		e.Code = abi.CodeNotFound
	case strings.Contains(low, "context length") || strings.Contains(low, "context window") || strings.Contains(low, "exceeds the context"):
		e.Code = abi.CodeContextLengthExceeded
	case status == 401:
		e.Code = abi.CodeAuthentication
	case status == 403:
		e.Code = abi.CodePermission
	case status == 404:
		e.Code = abi.CodeNotFound
	case status == 429:
		e.Code, e.Retryable = abi.CodeRateLimited, true
	case status == 503 || strings.Contains(low, "server busy"):
		e.Code, e.Retryable = abi.CodeOverloaded, true
	case status >= 500 || status == 0:
		e.Code, e.Retryable = abi.CodeServerError, true
	default:
		e.Code = abi.CodeInvalidRequest
	}
	return e
}
