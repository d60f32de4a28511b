package abi

import (
	"errors"
	"fmt"
	"slices"
)

// Code is a stable error code. Codes are part of the public contract: they
// appear in error events, in CLI output and in typed Go errors, and are never
// renamed within a major ABI version.
type Code string

// The stable error codes.
const (
	// Errors a provider reports, mapped by the adapter.
	CodeInvalidRequest        Code = "invalid_request"
	CodeAuthentication        Code = "authentication"
	CodePermission            Code = "permission"
	CodeNotFound              Code = "not_found"
	CodeRateLimited           Code = "rate_limited"
	CodeOverloaded            Code = "overloaded"
	CodeServerError           Code = "server_error"
	CodeContextLengthExceeded Code = "context_length_exceeded"
	CodeContentFilter         Code = "content_filter"
	CodeCapabilityUnsupported Code = "capability_unsupported"
	CodeSchemaUnsupported     Code = "schema_unsupported"
	CodeToolArgumentsInvalid  Code = "tool_arguments_invalid"
	CodeEmulationParseFailed  Code = "emulation_parse_failed"
	CodeStreamTruncated       Code = "stream_truncated"
	CodeAdapterTrap           Code = "adapter_trap"
	CodeAdapterTimeout        Code = "adapter_timeout"
	CodeAdapterMemory         Code = "adapter_memory"
	CodeAdapterBadOutput      Code = "adapter_bad_output"
	CodeABIMismatch           Code = "abi_mismatch"

	// Failures to reach the provider, told apart by the host.
	CodeUnavailable Code = "unavailable"
	CodeTimeout     Code = "timeout"

	// A structured answer that does not match its response_format schema.
	CodeOutputInvalid Code = "output_invalid"
)

// codes lists every stable error code, in the order of abi/README.md. It
// is unexported so that no importer can widen what Valid accepts.
var codes = []Code{
	CodeInvalidRequest, CodeAuthentication, CodePermission, CodeNotFound,
	CodeRateLimited, CodeOverloaded, CodeServerError, CodeContextLengthExceeded,
	CodeContentFilter, CodeCapabilityUnsupported, CodeSchemaUnsupported,
	CodeToolArgumentsInvalid, CodeEmulationParseFailed, CodeStreamTruncated,
	CodeAdapterTrap, CodeAdapterTimeout, CodeAdapterMemory, CodeAdapterBadOutput,
	CodeABIMismatch, CodeUnavailable, CodeTimeout, CodeOutputInvalid,
}

// Codes returns every stable error code, in the order of abi/README.md. The
// slice is a fresh copy on every call.
func Codes() []Code { return slices.Clone(codes) }

// Valid reports whether c is one of the stable codes.
func (c Code) Valid() bool {
	for _, k := range codes {
		if k == c {
			return true
		}
	}
	return false
}

// Error is the typed error of the whole project: adapters return it, the
// engine and host wrap their failures in it. Match it by code with errors.Is
// against a sentinel (errors.Is(err, abi.ErrAdapterTimeout)) or extract it
// with errors.As.
type Error struct {
	// Code is the stable code.
	Code Code `json:"code"`
	// Message says what went wrong and, where it can, what to do.
	Message string `json:"message"`
	// Retryable is set when the same request may succeed later (rate
	// limits, overload, transient server errors).
	Retryable bool `json:"retryable,omitempty"`
	// Pointer is the JSON pointer of the offending element, when there is
	// one (schema_unsupported, invalid_request).
	Pointer string `json:"pointer,omitempty"`
	// Status is the HTTP status the provider answered with, when known.
	Status int `json:"status,omitempty"`
	// Err is the underlying cause, when there is one.
	Err error `json:"-"`
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with code and message whose cause is err.
func Wrap(code Code, err error, message string) *Error {
	return &Error{Code: code, Message: message + ": " + err.Error(), Err: err}
}

// Error implements error as "code: message".
func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Message
	if e.Pointer != "" {
		s += " (at " + e.Pointer + ")"
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same code and no message:
// the sentinels below match every error of their code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Code == e.Code
}

// CodeOf returns the code of the first *Error in err's chain, or "" if none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Sentinels, one per code, for errors.Is.
var (
	ErrInvalidRequest        = &Error{Code: CodeInvalidRequest}
	ErrAuthentication        = &Error{Code: CodeAuthentication}
	ErrPermission            = &Error{Code: CodePermission}
	ErrNotFound              = &Error{Code: CodeNotFound}
	ErrRateLimited           = &Error{Code: CodeRateLimited}
	ErrOverloaded            = &Error{Code: CodeOverloaded}
	ErrServerError           = &Error{Code: CodeServerError}
	ErrContextLengthExceeded = &Error{Code: CodeContextLengthExceeded}
	ErrContentFilter         = &Error{Code: CodeContentFilter}
	ErrCapabilityUnsupported = &Error{Code: CodeCapabilityUnsupported}
	ErrSchemaUnsupported     = &Error{Code: CodeSchemaUnsupported}
	ErrToolArgumentsInvalid  = &Error{Code: CodeToolArgumentsInvalid}
	ErrEmulationParseFailed  = &Error{Code: CodeEmulationParseFailed}
	ErrStreamTruncated       = &Error{Code: CodeStreamTruncated}
	ErrAdapterTrap           = &Error{Code: CodeAdapterTrap}
	ErrAdapterTimeout        = &Error{Code: CodeAdapterTimeout}
	ErrAdapterMemory         = &Error{Code: CodeAdapterMemory}
	ErrAdapterBadOutput      = &Error{Code: CodeAdapterBadOutput}
	ErrABIMismatch           = &Error{Code: CodeABIMismatch}
	ErrUnavailable           = &Error{Code: CodeUnavailable}
	ErrTimeout               = &Error{Code: CodeTimeout}
	ErrOutputInvalid         = &Error{Code: CodeOutputInvalid}
)

// AppendJSON appends the error's JSON object
// {"code","message","retryable","pointer","status"} (empty fields omitted
// except code and message) to dst.
func (e *Error) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"code":`...)
	dst = AppendString(dst, string(e.Code))
	dst = appendField(dst, "message", e.Message)
	if e.Retryable {
		dst = append(dst, `,"retryable":true`...)
	}
	if e.Pointer != "" {
		dst = appendField(dst, "pointer", e.Pointer)
	}
	if e.Status != 0 {
		dst = appendInt(dst, "status", e.Status)
	}
	return append(dst, '}')
}
