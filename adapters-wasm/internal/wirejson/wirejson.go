// Package wirejson holds the small writers the adapters' append-style body
// encoders share: each writes the bytes encoding/json writes for the same
// value, so that a provider body built with appends is byte-identical to
// the json.Marshal of the adapter's wire structs, without the reflection a
// Go guest in Wasm pays about a hundred times what native code does.
//
// HTML says whether strings escape <, > and & (json.Marshal does; an
// Encoder with SetEscapeHTML(false) does not).
package wirejson

import (
	"math"
	"strconv"

	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// Key appends the member name key and its colon, preceded by a comma
// unless it is the first member (dst ends with '{').
func Key(dst []byte, key string) []byte {
	if len(dst) > 0 && dst[len(dst)-1] != '{' {
		dst = append(dst, ',')
	}
	dst = append(dst, '"')
	dst = append(dst, key...)
	return append(dst, '"', ':')
}

// Str appends the member key with the string value val.
func Str(dst []byte, key, val string, html bool) []byte {
	return jsonx.AppendString(Key(dst, key), val, html)
}

// StrOmit is Str for a field tagged omitempty: nothing when val is "".
func StrOmit(dst []byte, key, val string, html bool) []byte {
	if val == "" {
		return dst
	}
	return Str(dst, key, val, html)
}

// Strings appends list as a JSON array of strings (nil as []: callers
// write the field only when the list is not empty).
func Strings(dst []byte, list []string, html bool) []byte {
	dst = append(dst, '[')
	for i, s := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonx.AppendString(dst, s, html)
	}
	return append(dst, ']')
}

// Raw appends the member key with the JSON value raw, compacted as
// encoding/json compacts a json.RawMessage; raw must be valid JSON (the
// caller checked it, or wrote it).
func Raw(dst []byte, key string, raw []byte, html bool) []byte {
	return jsonx.AppendCompact(Key(dst, key), raw, html)
}

// Float appends f as encoding/json writes a float64 (shortest
// representation, exponent form below 1e-6 and from 1e21). ok is false
// for NaN and infinities, which encoding/json refuses.
func Float(dst []byte, f float64) (out []byte, ok bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// e-09 becomes e-9, as encoding/json writes it.
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, true
}
