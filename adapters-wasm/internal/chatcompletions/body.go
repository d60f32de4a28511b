package chatcompletions

import (
	"bytes"
	"encoding/json"
)

// Body is a JSON object whose keys keep the order they were first set in,
// so that projections are byte-identical from run to run.
type Body struct {
	keys []string
	vals []json.RawMessage
}

// Set sets key to the JSON encoding of v.
func (b *Body) Set(key string, v any) error {
	raw, err := marshal(v)
	if err != nil {
		return err
	}
	b.SetRaw(key, raw)
	return nil
}

// SetRaw sets key to raw, which must be valid JSON.
func (b *Body) SetRaw(key string, raw json.RawMessage) {
	for i, k := range b.keys {
		if k == key {
			b.vals[i] = raw
			return
		}
	}
	b.keys = append(b.keys, key)
	b.vals = append(b.vals, raw)
}

// Get returns the raw value of key.
func (b *Body) Get(key string) (json.RawMessage, bool) {
	for i, k := range b.keys {
		if k == key {
			return b.vals[i], true
		}
	}
	return nil, false
}

// Delete removes key.
func (b *Body) Delete(key string) {
	for i, k := range b.keys {
		if k == key {
			b.keys = append(b.keys[:i], b.keys[i+1:]...)
			b.vals = append(b.vals[:i], b.vals[i+1:]...)
			return
		}
	}
}

// Keys returns the keys in order.
func (b *Body) Keys() []string { return b.keys }

// MarshalJSON writes the object with its keys in order.
func (b *Body) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range b.keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, _ := marshal(k)
		buf.Write(kb)
		buf.WriteByte(':')
		if err := json.Compact(&buf, b.vals[i]); err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// marshal is json.Marshal without HTML escaping (a provider request is not
// HTML: "<" stays "<").
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
