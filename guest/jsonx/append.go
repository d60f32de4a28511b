package jsonx

import "github.com/wasmadapt/wasmadapt/abi"

// The writers below produce the bytes encoding/json produces, so that an
// adapter can build a provider body with appends instead of json.Marshal
// (reflection, which a Go guest in Wasm pays about a hundred times what it
// pays natively) and still send byte-identical bodies.

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string exactly as encoding/json writes
// it: quote, backslash and control characters escaped (\b \f \n \r \t in
// short form), invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped, and
// with escapeHTML also <, > and & (json.Marshal escapes them; an Encoder
// with SetEscapeHTML(false) does not).
func AppendString[S ~string | ~[]byte](dst []byte, s S, escapeHTML bool) []byte {
	return abi.AppendStringEscaped(dst, s, true, escapeHTML)
}

// AppendCompact appends src, which must be valid JSON (Valid), without
// insignificant whitespace, as json.Compact does; with escapeHTML it also
// escapes <, >, &, U+2028 and U+2029, as json.Marshal does with the
// output of a json.Marshaler (a json.RawMessage field). On bytes that are
// not valid JSON the output is unspecified.
func AppendCompact(dst, src []byte, escapeHTML bool) []byte {
	start := 0
	in := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if in {
			switch {
			case c == '\\':
				i++ // the escaped byte cannot end the string
			case c == '"':
				in = false
			case !escapeHTML:
			case c == '<' || c == '>' || c == '&':
				dst = append(dst, src[start:i]...)
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
				start = i + 1
			case c == 0xE2 && i+2 < len(src) && src[i+1] == 0x80 && src[i+2]&^1 == 0xA8:
				dst = append(dst, src[start:i]...)
				dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[src[i+2]&0xf])
				i += 2
				start = i + 1
			}
			continue
		}
		switch c {
		case '"':
			in = true
		case ' ', '\t', '\n', '\r':
			dst = append(dst, src[start:i]...)
			start = i + 1
		}
	}
	return append(dst, src[start:]...)
}
