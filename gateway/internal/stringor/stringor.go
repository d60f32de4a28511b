// Package stringor decodes the JSON fields the three dialects accept as
// either a string or an array (message content, Responses input, tool
// results): one reading of the string form for openaiwire, responseswire
// and anthropicwire.
package stringor

import (
	"bytes"
	"encoding/json"
	"errors"
)

// Array decodes raw, surrounding space ignored: a JSON string is returned
// as s with isString set (err: the string's decoding error), anything else
// is decoded as an array of T into items, and when that fails err says
// notArray. null is an empty array.
func Array[T any](raw json.RawMessage, notArray string) (s string, items []T, isString bool, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		err = json.Unmarshal(raw, &s)
		return s, nil, true, err
	}
	if json.Unmarshal(raw, &items) != nil {
		return "", nil, false, errors.New(notArray)
	}
	return "", items, false, nil
}
