// This file holds the scalar readers: strings, unescaping, numbers,
// booleans and null.

package jsonx

import (
	"unicode/utf8"
)

func trustedStr(v []byte) ([]byte, error) {
	if len(v) < 2 || v[0] != '"' {
		return nil, ErrType
	}
	return v[1 : len(v)-1], nil
}

// Str returns the raw content of the string value v (between the quotes,
// escapes not decoded). It fails with ErrType if v is another kind of value.
func Str(v []byte) ([]byte, error) {
	v = trim(v)
	if len(v) == 0 || v[0] != '"' {
		return nil, typeOrSyntax(v, 0)
	}
	end, err := skipString(v, 0)
	if err != nil {
		return nil, err
	}
	if end != len(v) {
		return nil, ErrSyntax
	}
	return v[1 : end-1], nil
}

// StrOrNull is Str that also accepts null, returning nil content for it.
func StrOrNull(v []byte) (raw []byte, null bool, err error) {
	if IsNull(v) {
		return nil, true, nil
	}
	raw, err = Str(v)
	return raw, false, err
}

// AppendUnescaped appends the decoded text of the string value v to dst.
func AppendUnescaped(dst, v []byte) ([]byte, error) {
	raw, err := Str(v)
	if err != nil {
		return dst, err
	}
	return Unescape(dst, raw)
}

// HasEscape reports whether the raw string content has a backslash escape.
func HasEscape(raw []byte) bool {
	for _, c := range raw {
		if c == '\\' {
			return true
		}
	}
	return false
}

func hexVal(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c - 'a' + 10)
	case c >= 'A' && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		h := hexVal(c)
		if h < 0 {
			return -1
		}
		r = r<<4 | h
	}
	return r
}

// Unescape appends the decoded form of raw string content (as returned by
// Str or ObjectIter.Key) to dst. A \u escape of a lone surrogate decodes to
// U+FFFD, as encoding/json does. Content that is not valid string content
// (bad escape, control character, invalid UTF-8) is ErrSyntax.
func Unescape(dst, raw []byte) ([]byte, error) {
	start := 0
	for i := 0; i < len(raw); {
		c := raw[i]
		if c < 0x20 || c == '"' {
			return dst, ErrSyntax
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 {
				return dst, ErrSyntax
			}
			i += size
			continue
		}
		if c != '\\' {
			i++
			continue
		}
		dst = append(dst, raw[start:i]...)
		if i+1 >= len(raw) {
			return dst, ErrSyntax
		}
		switch e := raw[i+1]; e {
		case '"', '\\', '/':
			dst = append(dst, e)
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(raw[i+2:])
			if r < 0 {
				return dst, ErrSyntax
			}
			i += 6
			if r >= 0xD800 && r < 0xDC00 {
				// A high surrogate must pair with a following low one.
				if i+1 < len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					if r2 := hex4(raw[i+2:]); r2 >= 0xDC00 && r2 < 0xE000 {
						r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
						i += 6
					} else {
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			} else if r >= 0xDC00 && r < 0xE000 {
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
			start = i
			continue
		default:
			return dst, ErrSyntax
		}
		i += 2
		start = i
	}
	return append(dst, raw[start:]...), nil
}

// rawEquals reports whether raw string content, unescaped, equals s,
// without allocating.
func rawEquals(raw []byte, s string) bool {
	if !HasEscape(raw) {
		return string(raw) == s
	}
	var buf [64]byte
	if len(raw) > len(buf) {
		// A key with escapes longer than the buffer: compare by decoding
		// rune by rune.
		return escapedEquals(raw, s)
	}
	d, err := Unescape(buf[:0], raw)
	return err == nil && string(d) == s
}

func escapedEquals(raw []byte, s string) bool {
	var buf [8]byte
	j := 0
	for i := 0; i < len(raw); {
		var piece []byte
		if raw[i] == '\\' {
			n := 2
			if i+1 < len(raw) && raw[i+1] == 'u' {
				n = 6
				if i+12 <= len(raw) && raw[i+6] == '\\' && raw[i+7] == 'u' {
					if r := hex4(raw[i+2:]); r >= 0xD800 && r < 0xDC00 {
						n = 12
					}
				}
			}
			if i+n > len(raw) {
				return false
			}
			d, err := Unescape(buf[:0], raw[i:i+n])
			if err != nil {
				return false
			}
			piece = d
			i += n
		} else {
			piece = raw[i : i+1]
			i++
		}
		if len(s)-j < len(piece) || s[j:j+len(piece)] != string(piece) {
			return false
		}
		j += len(piece)
	}
	return j == len(s)
}

// Int returns the integer value v. A number with a fraction or exponent is
// ErrType unless its value is integral (1.0, 2e3); out of int64 range is
// ErrRange.
func Int(v []byte) (int64, error) {
	v = trim(v)
	end, err := skipNumber(v, 0)
	if len(v) == 0 || err != nil || end != len(v) {
		return 0, typeOrSyntax(v, 0)
	}
	neg := v[0] == '-'
	i := 0
	if neg {
		i = 1
	}
	var n uint64
	for ; i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
		d := uint64(v[i] - '0')
		if n > (1<<63-d)/10 {
			return 0, ErrRange
		}
		n = n*10 + d
	}
	if i != len(v) {
		return intSlow(v, neg, n, i)
	}
	if !neg && n > 1<<63-1 {
		return 0, ErrRange
	}
	if neg {
		return -int64(n), nil
	}
	return int64(n), nil
}

// intSlow handles integral values written with a fraction or exponent.
func intSlow(v []byte, neg bool, n uint64, i int) (int64, error) {
	// digits after '.' must be zeros; then an exponent scales by 10^e.
	if v[i] == '.' {
		for i++; i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
			if v[i] != '0' {
				return 0, ErrType
			}
		}
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		eneg := false
		if v[i] == '+' || v[i] == '-' {
			eneg = v[i] == '-'
			i++
		}
		e := 0
		for ; i < len(v); i++ {
			e = e*10 + int(v[i]-'0')
			if e > 19 {
				if n == 0 {
					return 0, nil
				}
				if eneg {
					return 0, ErrType
				}
				return 0, ErrRange
			}
		}
		for ; e > 0; e-- {
			if eneg {
				if n%10 != 0 {
					return 0, ErrType
				}
				n /= 10
			} else {
				if n > (1<<63)/10 {
					return 0, ErrRange
				}
				n *= 10
			}
		}
	}
	if !neg && n > 1<<63-1 || n > 1<<63 {
		return 0, ErrRange
	}
	if neg {
		return -int64(n), nil
	}
	return int64(n), nil
}

// Bool returns the boolean value v.
func Bool(v []byte) (bool, error) {
	switch string(trim(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, typeOrSyntax(trim(v), 0)
}

// IsNull reports whether v is the literal null.
func IsNull(v []byte) bool { return string(trim(v)) == "null" }
