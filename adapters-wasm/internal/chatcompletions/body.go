package chatcompletions

import (
	"bytes"
	"encoding/json"

	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// Body is a JSON object whose keys keep the order they were first set in,
// so that projections are byte-identical from run to run.
type Body struct {
	keys []string
	vals []json.RawMessage
	// compact marks values written compact by this package's encoders:
	// MarshalJSON copies them as they are instead of compacting them.
	compact []bool
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
func (b *Body) SetRaw(key string, raw json.RawMessage) { b.set(key, raw, false) }

// SetCompact sets key to raw, valid compact JSON (no insignificant
// whitespace, as marshal and this package's encoders write it), which
// MarshalJSON then copies as it is.
func (b *Body) SetCompact(key string, raw json.RawMessage) { b.set(key, raw, true) }

func (b *Body) set(key string, raw json.RawMessage, compact bool) {
	for i, k := range b.keys {
		if k == key {
			b.vals[i], b.compact[i] = raw, compact
			return
		}
	}
	b.keys = append(b.keys, key)
	b.vals = append(b.vals, raw)
	b.compact = append(b.compact, compact)
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
			b.compact = append(b.compact[:i], b.compact[i+1:]...)
			return
		}
	}
}

// Keys returns the keys in order.
func (b *Body) Keys() []string { return b.keys }

// MarshalJSON writes the object with its keys in order, each value
// compacted as json.Compact does.
func (b *Body) MarshalJSON() ([]byte, error) {
	n := 2
	for i, k := range b.keys {
		n += len(k) + len(b.vals[i]) + 4
	}
	out := make([]byte, 0, n)
	out = append(out, '{')
	for i, k := range b.keys {
		if i > 0 {
			out = append(out, ',')
		}
		out = jsonx.AppendString(out, k, false)
		out = append(out, ':')
		switch v := b.vals[i]; {
		case b.compact[i]:
			out = append(out, v...)
		case jsonx.Valid(v):
			out = jsonx.AppendCompact(out, v, false)
		default:
			// Not JSON jsonx accepts: json.Compact decides (and
			// reports what is wrong).
			var buf bytes.Buffer
			if err := json.Compact(&buf, v); err != nil {
				return nil, err
			}
			out = append(out, buf.Bytes()...)
		}
	}
	return append(out, '}'), nil
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
