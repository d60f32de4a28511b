// This file holds the scanner: value kinds, validation and skipping.

package jsonx

import (
	"unicode/utf8"
)

// Kind is the kind of a JSON value, known from its first byte.
type Kind uint8

// The kinds of JSON values.
const (
	KindInvalid Kind = iota
	KindNull
	KindFalse
	KindTrue
	KindNumber
	KindString
	KindObject
	KindArray
)

// KindOf returns the kind of the value v starts with (after whitespace),
// judged by its first byte only; use Valid to check the whole value.
func KindOf(v []byte) Kind {
	for _, c := range v {
		if c > ' ' || !isWS(c) {
			return kindByte[c]
		}
	}
	return KindInvalid
}

// kindByte is the kind each first byte of a value announces.
var kindByte = func() (t [256]Kind) {
	t['n'], t['f'], t['t'], t['"'], t['{'], t['['], t['-'] = KindNull, KindFalse, KindTrue, KindString, KindObject, KindArray, KindNumber
	for c := '0'; c <= '9'; c++ {
		t[c] = KindNumber
	}
	return t
}()

func isWS(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

func skipWS(b []byte, i int) int {
	for i < len(b) && isWS(b[i]) {
		i++
	}
	return i
}

// trim removes JSON whitespace around v.
func trim(v []byte) []byte {
	i := skipWS(v, 0)
	j := len(v)
	for j > i && isWS(v[j-1]) {
		j--
	}
	return v[i:j]
}

// Valid reports whether b is exactly one well-formed JSON value (surrounding
// whitespace allowed), with valid UTF-8 in every string.
func Valid(b []byte) bool {
	end, err := Skip(b, 0)
	return err == nil && skipWS(b, end) == len(b)
}

// Skip skips whitespace and then one JSON value starting at offset i of b,
// validating it, and returns the offset just past the value.
func Skip(b []byte, i int) (end int, err error) {
	if i < 0 || i > len(b) {
		return i, ErrSyntax
	}
	return skipValue(b, skipWS(b, i), 0)
}

// skipValue skips the value starting exactly at i (no leading whitespace).
func skipValue(b []byte, i, depth int) (int, error) {
	if i >= len(b) {
		return i, ErrSyntax
	}
	switch c := b[i]; c {
	case '"':
		return skipString(b, i)
	case '{':
		return skipContainer(b, i, depth+1, '}')
	case '[':
		return skipContainer(b, i, depth+1, ']')
	case 't':
		return skipLit(b, i, "true")
	case 'f':
		return skipLit(b, i, "false")
	case 'n':
		return skipLit(b, i, "null")
	default:
		return skipNumber(b, i)
	}
}

func skipLit(b []byte, i int, lit string) (int, error) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, ErrSyntax
	}
	return i + len(lit), nil
}

// skipNumber validates the RFC 8259 number grammar
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func skipNumber(b []byte, i int) (int, error) {
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return i, ErrSyntax
	}
	switch {
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		for i++; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
	default:
		return i, ErrSyntax
	}
	if i < len(b) && b[i] == '.' {
		var err error
		if i, err = skipDigits(b, i+1); err != nil {
			return i, err
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		return skipDigits(b, i)
	}
	return i, nil
}

// skipDigits skips the one or more digits starting at i.
func skipDigits(b []byte, i int) (int, error) {
	d := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == d {
		return i, ErrSyntax
	}
	return i, nil
}

// plain marks the bytes that stand for themselves inside a string: ASCII,
// not a control character, quote or backslash.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// skipString validates the string literal starting at the quote at i and
// returns the offset past its closing quote.
func skipString(b []byte, i int) (int, error) {
	i++
	for i < len(b) {
		// Fast path: a run of plain ASCII bytes.
		for i < len(b) && plain[b[i]] {
			i++
		}
		if i >= len(b) {
			break
		}
		c := b[i]
		switch {
		case c == '"':
			return i + 1, nil
		case c == '\\':
			if i+1 >= len(b) {
				return i, ErrSyntax
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(b)-i < 6 || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return i, ErrSyntax
				}
				i += 6
			default:
				return i, ErrSyntax
			}
		case c < 0x20:
			return i, ErrSyntax
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return i, ErrSyntax
			}
			i += size
		}
	}
	return i, ErrSyntax
}

// skipContainer skips the object (close '}') or array (close ']') whose
// opening bracket is at i, validating it.
func skipContainer(b []byte, i, depth int, close byte) (int, error) {
	if depth > MaxDepth {
		return i, ErrDepth
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == close {
		return i + 1, nil
	}
	for {
		var err error
		if close == '}' { // a member's key and colon
			if i >= len(b) || b[i] != '"' {
				return i, ErrSyntax
			}
			if i, err = skipString(b, i); err != nil {
				return i, err
			}
			i = skipWS(b, i)
			if i >= len(b) || b[i] != ':' {
				return i, ErrSyntax
			}
			i = skipWS(b, i+1)
		}
		if i, err = skipValue(b, i, depth); err != nil {
			return i, err
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return i, ErrSyntax
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case close:
			return i + 1, nil
		default:
			return i, ErrSyntax
		}
	}
}

// fastString returns the offset past the string starting at the quote at i
// of already validated bytes.
func fastString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '"':
			return i + 1
		case '\\':
			i++
		}
	}
	return len(b)
}

// fastSkip returns the offset past the value starting at i of already
// validated bytes.
func fastSkip(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return fastString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = fastString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	}
	for ; i < len(b); i++ {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
	}
	return i
}
