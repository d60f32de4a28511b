package anthropic

import (
	"encoding/json"
	"strconv"

	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/wirejson"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// The encoders below write a wireRequest with appends: the bytes
// json.Marshal(&w) gives, without reflection (TestAppendRequest compares
// them byte for byte). Rare parts (MCP servers, server tool options) go
// through json.Marshal; appendRequest reports ok false for what it cannot
// write exactly (a raw value jsonx does not accept, a NaN), and Project
// then marshals the whole request as before.

const html = true // json.Marshal escapes <, > and &

func str(dst []byte, key, val string) []byte     { return wirejson.Str(dst, key, val, html) }
func strOmit(dst []byte, key, val string) []byte { return wirejson.StrOmit(dst, key, val, html) }

// raw appends the member key with a raw value, or reports false when the
// value is not JSON jsonx accepts.
func raw(dst []byte, key string, v []byte) ([]byte, bool) {
	if !jsonx.Valid(v) {
		return dst, false
	}
	return wirejson.Raw(dst, key, v, html), true
}

func intField(dst []byte, key string, n int) []byte {
	return strconv.AppendInt(wirejson.Key(dst, key), int64(n), 10)
}

func marshalField(dst []byte, key string, v any) ([]byte, bool) {
	b, err := json.Marshal(v)
	if err != nil {
		return dst, false
	}
	return append(wirejson.Key(dst, key), b...), true
}

func floatField(dst []byte, key string, f *float64) ([]byte, bool) {
	if f == nil {
		return dst, true
	}
	return wirejson.Float(wirejson.Key(dst, key), *f)
}

// appendRequest appends w as json.Marshal(w) does; toolsBlock, when set,
// is w.Tools already encoded (the tools cache).
func appendRequest(dst []byte, w *wireRequest, toolsBlock []byte) ([]byte, bool) {
	ok := true
	dst = str(append(dst, '{'), "model", w.Model)
	dst = intField(dst, "max_tokens", w.MaxTokens)
	if len(w.System) > 0 {
		if dst, ok = raw(dst, "system", w.System); !ok {
			return dst, false
		}
	}
	dst = wirejson.Key(dst, "messages")
	if w.Messages == nil {
		dst = append(dst, "null"...)
	} else if dst, ok = appendArray(dst, w.Messages, appendMessage); !ok {
		return dst, false
	}
	switch {
	case toolsBlock != nil:
		dst = append(wirejson.Key(dst, "tools"), toolsBlock...)
	case len(w.Tools) > 0:
		if dst, ok = appendTools(wirejson.Key(dst, "tools"), w.Tools); !ok {
			return dst, false
		}
	}
	if tc := w.ToolChoice; tc != nil {
		dst = strOmit(str(append(wirejson.Key(dst, "tool_choice"), '{'), "type", tc.Type), "name", tc.Name)
		dst = append(dst, '}')
	}
	if t := w.Thinking; t != nil {
		dst = str(append(wirejson.Key(dst, "thinking"), '{'), "type", t.Type)
		if t.BudgetTokens != 0 {
			dst = intField(dst, "budget_tokens", t.BudgetTokens)
		}
		dst = append(dst, '}')
	}
	if c := w.OutputConfig; c != nil {
		dst = append(wirejson.Key(dst, "output_config"), '{')
		if f := c.Format; f != nil {
			dst = str(append(wirejson.Key(dst, "format"), '{'), "type", f.Type)
			if f.Schema == nil {
				dst = append(wirejson.Key(dst, "schema"), "null"...)
			} else if dst, ok = raw(dst, "schema", f.Schema); !ok {
				return dst, false
			}
			dst = append(dst, '}')
		}
		dst = append(strOmit(dst, "effort", c.Effort), '}')
	}
	if dst, ok = floatField(dst, "temperature", w.Temperature); !ok {
		return dst, false
	}
	if dst, ok = floatField(dst, "top_p", w.TopP); !ok {
		return dst, false
	}
	if w.TopK != nil {
		dst = intField(dst, "top_k", *w.TopK)
	}
	if len(w.StopSequences) > 0 {
		dst = wirejson.Strings(wirejson.Key(dst, "stop_sequences"), w.StopSequences, html)
	}
	if w.Stream {
		dst = append(wirejson.Key(dst, "stream"), "true"...)
	}
	if md := w.Metadata; md != nil {
		dst = append(str(append(wirejson.Key(dst, "metadata"), '{'), "user_id", md.UserID), '}')
	}
	dst = strOmit(dst, "service_tier", w.ServiceTier)
	if len(w.MCPServers) > 0 {
		if dst, ok = marshalField(dst, "mcp_servers", w.MCPServers); !ok {
			return dst, false
		}
	}
	return append(dst, '}'), true
}

// appendArray appends items as a JSON array, each item by each; it
// reports false when each does.
func appendArray[T any](dst []byte, items []T, each func(dst []byte, item *T) ([]byte, bool)) ([]byte, bool) {
	dst = append(dst, '[')
	for i := range items {
		if i > 0 {
			dst = append(dst, ',')
		}
		var ok bool
		if dst, ok = each(dst, &items[i]); !ok {
			return dst, false
		}
	}
	return append(dst, ']'), true
}

func appendMessage(dst []byte, m *wireMessage) ([]byte, bool) {
	dst = wirejson.Key(str(append(dst, '{'), "role", m.Role), "content")
	dst, ok := appendBlocks(dst, m.Content)
	if !ok {
		return dst, false
	}
	return append(dst, '}'), true
}

// appendBlocks appends the content blocks of a message (nil as null).
func appendBlocks(dst []byte, blocks []wireBlock) ([]byte, bool) {
	if blocks == nil {
		return append(dst, "null"...), true
	}
	return appendArray(dst, blocks, appendBlock)
}

func appendBlock(dst []byte, b *wireBlock) ([]byte, bool) {
	if b.Raw != nil {
		if !jsonx.Valid(b.Raw) {
			return dst, false
		}
		return jsonx.AppendCompact(dst, b.Raw, html), true
	}
	ok := true
	dst = strOmit(str(append(dst, '{'), "type", b.Type), "text", b.Text)
	if s := b.Source; s != nil {
		dst = str(append(wirejson.Key(dst, "source"), '{'), "type", s.Type)
		dst = strOmit(strOmit(strOmit(strOmit(dst, "media_type", s.MediaType), "data", s.Data), "url", s.URL), "file_id", s.FileID)
		dst = append(dst, '}')
	}
	if b.Thinking != nil {
		dst = str(dst, "thinking", *b.Thinking)
	}
	dst = strOmit(strOmit(strOmit(strOmit(dst, "signature", b.Signature), "data", b.Data), "id", b.ID), "name", b.Name)
	if len(b.Input) > 0 {
		if dst, ok = raw(dst, "input", b.Input); !ok {
			return dst, false
		}
	}
	dst = strOmit(strOmit(dst, "tool_use_id", b.ToolUseID), "content", b.Content)
	if b.IsError {
		dst = append(wirejson.Key(dst, "is_error"), "true"...)
	}
	dst = appendCacheControl(strOmit(dst, "title", b.Title), b.CacheControl)
	return append(dst, '}'), true
}

func appendCacheControl(dst []byte, c *wireCacheControl) []byte {
	if c == nil {
		return dst
	}
	dst = str(append(wirejson.Key(dst, "cache_control"), '{'), "type", c.Type)
	return append(strOmit(dst, "ttl", c.TTL), '}')
}

// appendTools appends the tools array; a server tool's options go through
// json.Marshal.
func appendTools(dst []byte, tools []wireTool) ([]byte, bool) {
	return appendArray(dst, tools, appendTool)
}

func appendTool(dst []byte, t *wireTool) ([]byte, bool) {
	if t.MaxUses != nil || t.AllowedDomains != nil || t.BlockedDomains != nil || t.UserLocation != nil || t.Citations != nil || t.MaxContentTokens != nil {
		b, err := json.Marshal(t)
		if err != nil {
			return dst, false
		}
		return append(dst, b...), true
	}
	ok := true
	dst = str(strOmit(append(dst, '{'), "type", t.Type), "name", t.Name)
	dst = strOmit(dst, "description", t.Description)
	if len(t.InputSchema) > 0 {
		if dst, ok = raw(dst, "input_schema", t.InputSchema); !ok {
			return dst, false
		}
	}
	if t.Strict {
		dst = append(wirejson.Key(dst, "strict"), "true"...)
	}
	return append(appendCacheControl(dst, t.CacheControl), '}'), true
}
