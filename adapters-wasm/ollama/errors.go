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
	default:
		e.Code, e.Retryable = guest.StatusCode(status, 503)
		if status == 0 {
			e.Code, e.Retryable = abi.CodeServerError, true
		}
		// "server busy" is an overload, unless the status said more.
		if strings.Contains(low, "server busy") && (e.Code == abi.CodeServerError || e.Code == abi.CodeInvalidRequest) {
			e.Code, e.Retryable = abi.CodeOverloaded, true
		}
	}
	return e
}
