// Package errtype classifies normalized error codes into the error types
// both the OpenAI and the Anthropic dialects name the same way.
package errtype

import "github.com/wasmadapt/wasmadapt/abi"

// Of is the error type of c ("invalid_request_error",
// "authentication_error", "permission_error", "not_found_error",
// "rate_limit_error", "overloaded_error", "timeout_error"), or "api_error".
func Of(c abi.Code) string {
	switch c {
	case abi.CodeInvalidRequest, abi.CodeContextLengthExceeded, abi.CodeCapabilityUnsupported, abi.CodeSchemaUnsupported, abi.CodeContentFilter:
		return "invalid_request_error"
	case abi.CodeAuthentication:
		return "authentication_error"
	case abi.CodePermission:
		return "permission_error"
	case abi.CodeNotFound:
		return "not_found_error"
	case abi.CodeRateLimited:
		return "rate_limit_error"
	case abi.CodeOverloaded, abi.CodeUnavailable:
		return "overloaded_error"
	case abi.CodeTimeout:
		return "timeout_error"
	}
	return "api_error"
}
