package guest

import (
	"fmt"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// This file holds the rules every adapter applies the same way, so that an
// adapter states each of them by calling one function rather than by
// writing it again.

// Invalid returns an invalid_request error for the request field at the
// JSON pointer ptr of the normalized request ("" for the request as a
// whole). Build the pointer's tokens with PointerToken.
func Invalid(ptr, format string, args ...any) *abi.Error {
	return &abi.Error{Code: abi.CodeInvalidRequest, Message: fmt.Sprintf(format, args...), Pointer: ptr}
}

// Unsupported returns a capability_unsupported error for the request field
// at the JSON pointer ptr ("" for the request as a whole): a valid request
// that this provider or model cannot serve. The message should say what to
// change.
func Unsupported(ptr, format string, args ...any) *abi.Error {
	return &abi.Error{Code: abi.CodeCapabilityUnsupported, Message: fmt.Sprintf(format, args...), Pointer: ptr}
}

// SchemaUnsupported returns a schema_unsupported error for the JSON Schema
// keyword or node at the JSON pointer ptr of the normalized request: a
// valid schema the provider cannot take as it is.
func SchemaUnsupported(ptr, format string, args ...any) *abi.Error {
	return &abi.Error{Code: abi.CodeSchemaUnsupported, Message: fmt.Sprintf(format, args...), Pointer: ptr}
}

// ModelUnsupported is Unsupported for a feature a model lacks, in the one
// wording the adapters share:
//
//	<provider> model "<model>" does not support <feature>: <what to do>
func ModelUnsupported(provider, model, feature, what string) *abi.Error {
	return Unsupported("", "%s model %q does not support %s: %s", provider, model, feature, what)
}

// StatusCode is the error code of an HTTP error status that no
// provider-specific rule decided, and whether the call may be retried:
// 401 authentication, 403 permission, 404 not_found, 429 rate_limited
// (retryable), overloaded (the status the provider answers when it is
// overloaded, such as 503 or 529) overloaded (retryable), any other 5xx
// server_error (retryable), and anything else invalid_request. An adapter
// applies its own rules (error types, messages, other statuses) first and
// calls StatusCode for the rest.
func StatusCode(status, overloaded int) (code abi.Code, retryable bool) {
	switch {
	case status == 401:
		return abi.CodeAuthentication, false
	case status == 403:
		return abi.CodePermission, false
	case status == 404:
		return abi.CodeNotFound, false
	case status == 429:
		return abi.CodeRateLimited, true
	case status == overloaded:
		return abi.CodeOverloaded, true
	case status >= 500:
		return abi.CodeServerError, true
	}
	return abi.CodeInvalidRequest, false
}

// PointerToken escapes s as one reference token of a JSON pointer
// (RFC 6901): "~" as "~0" and "/" as "~1". A map key becomes part of a
// pointer as ptr + "/" + PointerToken(key).
func PointerToken(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// emptyObject is what no arguments at all stand for. ToolArguments returns
// it with its capacity cut, and callers must not modify it.
var emptyObject = []byte("{}")

// ToolArguments applies the completion rule to the arguments of a tool call
// that are whole (the call is about to be emitted as a tool-call event):
// arguments that are empty or only JSON whitespace mean "no arguments" and
// stand for {}; anything else must be one complete, valid JSON object. It
// returns the arguments the tool-call event carries (args itself, or a
// shared "{}" that must not be modified) and whether they pass. When they
// do not, the adapter emits an error event of code tool_arguments_invalid
// in place of the call: arguments are never guessed or repaired.
func ToolArguments(args []byte) (complete []byte, ok bool) {
	if IsBlank(args) {
		return emptyObject[:2:2], true
	}
	return args, jsonx.KindOf(args) == jsonx.KindObject && jsonx.Valid(args)
}

// IsBlank reports whether b is empty or holds only JSON whitespace (space,
// tab, line feed, carriage return).
func IsBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}
