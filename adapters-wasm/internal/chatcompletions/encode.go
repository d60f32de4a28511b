package chatcompletions

import (
	"encoding/json"

	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/wirejson"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// The encoders below write the messages and tools of a request with
// appends: the bytes marshal (encoding/json without HTML escaping) writes
// for the same values, without reflection, which a Wasm guest pays about a
// hundred times what native code does. A value of a type they do not know
// is written by marshal.

func appendStr(dst []byte, s string) []byte { return jsonx.AppendString(dst, s, false) }

func appendKey(dst []byte, key string) []byte { return wirejson.Key(dst, key) }

func appendStrField(dst []byte, key, val string) []byte { return wirejson.Str(dst, key, val, false) }

// appendAny appends v as marshal does, encoding the content types of this
// package directly.
func appendAny(dst []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return appendStr(dst, v), nil
	case json.RawMessage:
		if v == nil {
			return append(dst, "null"...), nil
		}
		if jsonx.Valid(v) {
			return jsonx.AppendCompact(dst, v, false), nil
		}
	case textPart:
		dst = appendStrField(append(dst, '{'), "type", v.Type)
		return append(appendStrField(dst, "text", v.Text), '}'), nil
	case []textPart:
		return appendList(dst, v)
	case imagePart:
		dst = appendStrField(append(dst, '{'), "type", v.Type)
		dst = appendStrField(append(appendKey(dst, "image_url"), '{'), "url", v.ImageURL.URL)
		return append(dst, '}', '}'), nil
	case audioPart:
		dst = appendStrField(append(dst, '{'), "type", v.Type)
		dst = appendStrField(append(appendKey(dst, "input_audio"), '{'), "data", v.InputAudio.Data)
		return append(appendStrField(dst, "format", v.InputAudio.Format), '}', '}'), nil
	case filePart:
		dst = appendStrField(append(dst, '{'), "type", v.Type)
		dst = append(appendKey(dst, "file"), '{')
		if f := v.File; f.Filename != "" {
			dst = appendStrField(dst, "filename", f.Filename)
		}
		if f := v.File; f.FileData != "" {
			dst = appendStrField(dst, "file_data", f.FileData)
		}
		if f := v.File; f.FileID != "" {
			dst = appendStrField(dst, "file_id", f.FileID)
		}
		return append(dst, '}', '}'), nil
	case []any:
		return appendList(dst, v)
	}
	b, err := marshal(v)
	return append(dst, b...), err
}

// appendList appends list as marshal does (nil as null).
func appendList[T any](dst []byte, list []T) ([]byte, error) {
	if list == nil {
		return append(dst, "null"...), nil
	}
	dst = append(dst, '[')
	for i, p := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = appendAny(dst, p); err != nil {
			return nil, err
		}
	}
	return append(dst, ']'), nil
}

// appendMessages appends msgs as marshal does.
func appendMessages(dst []byte, msgs []wireMessage) ([]byte, error) {
	dst = append(dst, '[')
	for i := range msgs {
		m := &msgs[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendStrField(append(dst, '{'), "role", m.Role)
		if m.Content != nil {
			var err error
			if dst, err = appendAny(appendKey(dst, "content"), m.Content); err != nil {
				return nil, err
			}
		}
		if m.Name != "" {
			dst = appendStrField(dst, "name", m.Name)
		}
		if len(m.ToolCalls) > 0 {
			dst = append(appendKey(dst, "tool_calls"), '[')
			for j, c := range m.ToolCalls {
				if j > 0 {
					dst = append(dst, ',')
				}
				dst = appendStrField(append(dst, '{'), "id", c.ID)
				dst = appendStrField(dst, "type", c.Type)
				dst = appendStrField(append(appendKey(dst, "function"), '{'), "name", c.Function.Name)
				dst = append(appendStrField(dst, "arguments", c.Function.Arguments), '}', '}')
			}
			dst = append(dst, ']')
		}
		if m.ToolCallID != "" {
			dst = appendStrField(dst, "tool_call_id", m.ToolCallID)
		}
		if m.ReasoningContent != nil {
			dst = appendStrField(dst, "reasoning_content", *m.ReasoningContent)
		}
		dst = append(dst, '}')
	}
	return append(dst, ']'), nil
}

// appendTools appends tools as marshal does. Every tool's parameters are
// valid JSON (Project checked them or wrote them).
func appendTools(dst []byte, tools []wireTool) []byte {
	dst = append(dst, '[')
	for i := range tools {
		t := &tools[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendStrField(append(dst, '{'), "type", t.Type)
		f := &t.Function
		dst = appendStrField(append(appendKey(dst, "function"), '{'), "name", f.Name)
		if f.Description != "" {
			dst = appendStrField(dst, "description", f.Description)
		}
		if len(f.Parameters) > 0 {
			dst = jsonx.AppendCompact(appendKey(dst, "parameters"), f.Parameters, false)
		}
		if f.Strict {
			dst = append(appendKey(dst, "strict"), "true"...)
		}
		dst = append(dst, '}', '}')
	}
	return append(dst, ']')
}

// setFloat sets key to f as marshal writes it.
func setFloat(body *Body, key string, f float64) {
	if b, ok := wirejson.Float(nil, f); ok {
		body.SetCompact(key, b)
		return
	}
	body.SetRaw(key, mustMarshal(f)) // NaN, ±Inf: marshal refuses them, as before
}
