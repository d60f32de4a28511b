package jsonx

import "unicode/utf8"

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
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && (!escapeHTML || c != '<' && c != '>' && c != '&') {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:min(len(s), i+utf8.UTFMax)]))
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
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
