package guest

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// DecodeRequest decodes the normalized request JSON in into req (which it
// resets first), with exactly the result and the errors of
// json.Unmarshal(in, req).
//
// encoding/json decodes by reflection, which costs a Go guest in Wasm
// about a hundred times what it costs natively: it was most of the fixed
// cost of wasmadapt_project. DecodeRequest reads the request the host
// writes (exact field names, each once, no nulls, strings, numbers and
// booleans where the fields want them) with a hand-written reader on
// guest/jsonx, and hands every other input, unknown fields and wrong types
// included, to json.Unmarshal, so that what is accepted, what is ignored
// and every error message stay those of encoding/json. RawMessage fields
// (tool parameters, provider options, schemas) share in's bytes, so in
// must not change while req is in use.
func DecodeRequest(in []byte, req *abi.Request) error {
	return DecodeRequestTaped(in, nil, req)
}

// DecodeRequestTaped is DecodeRequest with the tape of in (abi.AppendTape)
// as a host of ABI 1.5 sends it (abi.TapedRequest): the fast path finds
// the members it reads through the tape instead of scanning the ones it
// skips or keeps raw, and decodes exactly what DecodeRequest decodes. An
// empty tape reads in itself.
func DecodeRequestTaped(in, tape []byte, req *abi.Request) error {
	*req = abi.Request{}
	if decodeRequestDoc(jsonx.Doc(in, tape), req) {
		return nil
	}
	*req = abi.Request{}
	return json.Unmarshal(in, req)
}

// seen records the fields of one object already read, so that a duplicate
// (where encoding/json merges or overwrites) goes to the slow path.
type seen uint32

func (s *seen) first(bit uint) bool {
	if *s&(1<<bit) != 0 {
		return false
	}
	*s |= 1 << bit
	return true
}

// readFields runs field on each member of the object o and reports
// whether every member was read and the object was well-formed; field
// returns false for a member the fast path does not read.
func readFields(o jsonx.ObjectIter, field func(o *jsonx.ObjectIter, s *seen) bool) bool {
	var s seen
	ok := true
	for ok && o.Next() {
		ok = field(&o, &s)
	}
	return ok && o.Err() == nil
}

// readArray reads the current value, an array, into dst (an empty array
// as an empty, non-nil slice, as encoding/json does) with elem reading each
// element.
func readArray[T any](it *jsonx.ObjectIter, dst *[]T, elem func(a *jsonx.ArrayIter, v *T) bool) bool {
	a := it.ValueArray()
	out := []T{}
	for a.Next() {
		var v T
		if !elem(&a, &v) {
			return false
		}
		out = append(out, v)
	}
	*dst = out
	return a.Err() == nil
}

// The reader functions return false for anything the fast path does not
// decode exactly as encoding/json would; the caller then starts over with
// json.Unmarshal.

func decodeRequest(in []byte, req *abi.Request) bool {
	return decodeRequestDoc(jsonx.Doc(in, nil), req)
}

// decodeRequestDoc is decodeRequest over a document, tape-backed or not.
func decodeRequestDoc(doc jsonx.Value, req *abi.Request) bool {
	return readFields(doc.Object(), func(it *jsonx.ObjectIter, s *seen) bool {
		switch {
		case it.KeyIs("model"):
			return s.first(0) && readString(it, &req.Model)
		case it.KeyIs("messages"):
			return s.first(1) && readMessages(it, &req.Messages)
		case it.KeyIs("tools"):
			return s.first(2) && readTools(it, &req.Tools)
		case it.KeyIs("stream"):
			return s.first(3) && readBool(it, &req.Stream)
		case it.KeyIs("max_output_tokens"):
			return s.first(4) && readIntPtr(it, &req.MaxOutputTokens)
		case it.KeyIs("temperature"):
			return s.first(5) && readFloatPtr(it, &req.Temperature)
		case it.KeyIs("top_p"):
			return s.first(6) && readFloatPtr(it, &req.TopP)
		case it.KeyIs("stop"):
			return s.first(7) && readStrings(it, &req.Stop)
		case it.KeyIs("tool_choice"):
			return s.first(8) && readToolChoice(it, &req.ToolChoice)
		case it.KeyIs("response_format"):
			return s.first(9) && readResponseFormat(it, &req.ResponseFormat)
		case it.KeyIs("reasoning"):
			return s.first(10) && readReasoning(it, &req.Reasoning)
		case it.KeyIs("provider_options"):
			return s.first(11) && readOptions(it, &req.ProviderOptions)
		case it.KeyIs("session_id"):
			return s.first(12) && readString(it, &req.SessionID)
		case it.KeyIs("trace_id"):
			return s.first(13) && readString(it, &req.TraceID)
		}
		return false
	})
}

// readString reads the current value as a string; its bytes were
// validated by the iterator (jsonx refuses invalid UTF-8, which
// encoding/json would replace, so such input takes the slow path).
func readString[S ~string](it *jsonx.ObjectIter, dst *S) bool {
	raw, err := it.ValueStr()
	return err == nil && unescape(raw, dst)
}

// unescape sets dst to the text of the raw string content.
func unescape[S ~string](raw []byte, dst *S) bool {
	if !jsonx.HasEscape(raw) {
		*dst = S(raw)
		return true
	}
	b, err := jsonx.Unescape(nil, raw)
	*dst = S(b)
	return err == nil
}

func readBool(it *jsonx.ObjectIter, dst *bool) bool {
	switch string(it.Value()) {
	case "true":
		*dst = true
	case "false":
		*dst = false
	default:
		return false
	}
	return true
}

// readIntPtr reads an integer literal as encoding/json does for an int:
// strconv.ParseInt of the literal, so 1.0 and 1e3 go to the slow path
// (where they are errors).
func readIntPtr(it *jsonx.ObjectIter, dst **int) bool {
	if it.Val().Kind() != jsonx.KindNumber {
		return false
	}
	n, err := strconv.ParseInt(string(it.Value()), 10, 64)
	if err != nil || int64(int(n)) != n {
		return false
	}
	v := int(n)
	*dst = &v
	return true
}

func readFloatPtr(it *jsonx.ObjectIter, dst **float64) bool {
	if it.Val().Kind() != jsonx.KindNumber {
		return false
	}
	f, err := strconv.ParseFloat(string(it.Value()), 64)
	if err != nil {
		return false
	}
	*dst = &f
	return true
}

// readRaw reads a RawMessage field; null (which encoding/json stores as
// the literal) takes the slow path.
func readRaw(it *jsonx.ObjectIter, dst *json.RawMessage) bool {
	v := it.Value()
	if it.Val().Kind() == jsonx.KindNull {
		return false
	}
	*dst = v
	return true
}

func readStrings(it *jsonx.ObjectIter, dst *[]string) bool {
	return readArray(it, dst, func(a *jsonx.ArrayIter, v *string) bool {
		raw, err := a.ValueStr()
		return err == nil && unescape(raw, v)
	})
}

func readCache(it *jsonx.ObjectIter, dst **abi.Cache) bool {
	c := &abi.Cache{}
	*dst = c
	return readFields(it.ValueObject(), func(o *jsonx.ObjectIter, s *seen) bool {
		return o.KeyIs("ttl") && s.first(0) && readString(o, &c.TTL)
	})
}

func readMessages(it *jsonx.ObjectIter, dst *[]abi.Message) bool {
	return readArray(it, dst, func(a *jsonx.ArrayIter, m *abi.Message) bool {
		return readFields(a.ValueObject(), func(o *jsonx.ObjectIter, s *seen) bool {
			switch {
			case o.KeyIs("role"):
				return s.first(0) && readString(o, &m.Role)
			case o.KeyIs("content"):
				return s.first(1) && readContent(o, &m.Content)
			case o.KeyIs("cache"):
				return s.first(2) && readCache(o, &m.Cache)
			}
			return false
		})
	})
}

// readContent reads a message's content: a string (one text part) or an
// array of parts, as abi.Message.UnmarshalJSON does.
func readContent(it *jsonx.ObjectIter, dst *[]abi.Part) bool {
	switch it.Val().Kind() {
	case jsonx.KindString:
		p := abi.Part{Type: abi.PartText}
		if !readString(it, &p.Text) {
			return false
		}
		*dst = []abi.Part{p}
		return true
	case jsonx.KindArray:
	default:
		return false
	}
	return readArray(it, dst, readPart)
}

func readPart(a *jsonx.ArrayIter, p *abi.Part) bool {
	return readFields(a.ValueObject(), func(o *jsonx.ObjectIter, s *seen) bool {
		switch {
		case o.KeyIs("type"):
			return s.first(0) && readString(o, &p.Type)
		case o.KeyIs("text"):
			return s.first(1) && readString(o, &p.Text)
		case o.KeyIs("id"):
			return s.first(2) && readString(o, &p.ID)
		case o.KeyIs("name"):
			return s.first(3) && readString(o, &p.Name)
		case o.KeyIs("arguments"):
			return s.first(4) && readString(o, &p.Arguments)
		case o.KeyIs("tool_call_id"):
			return s.first(5) && readString(o, &p.ToolCallID)
		case o.KeyIs("content"):
			return s.first(6) && readString(o, &p.Content)
		case o.KeyIs("is_error"):
			return s.first(7) && readBool(o, &p.IsError)
		case o.KeyIs("media_type"):
			return s.first(8) && readString(o, &p.MediaType)
		case o.KeyIs("data"):
			return s.first(9) && readString(o, &p.Data)
		case o.KeyIs("url"):
			return s.first(10) && readString(o, &p.URL)
		case o.KeyIs("file_id"):
			return s.first(11) && readString(o, &p.FileID)
		case o.KeyIs("filename"):
			return s.first(12) && readString(o, &p.Filename)
		case o.KeyIs("signature"):
			return s.first(13) && readString(o, &p.Signature)
		case o.KeyIs("redacted"):
			return s.first(14) && readString(o, &p.Redacted)
		case o.KeyIs("provider"):
			return s.first(15) && readString(o, &p.Provider)
		case o.KeyIs("input"):
			return s.first(16) && readString(o, &p.Input)
		case o.KeyIs("approved"):
			return s.first(17) && readBool(o, &p.Approved)
		case o.KeyIs("cache"):
			return s.first(18) && readCache(o, &p.Cache)
		}
		return false
	})
}

// readTools reads the tools array. An agent loop sends the same tools on
// every turn: the tools of the last few requests are kept decoded
// (decodedTools), and a request whose tools are the same bytes gets them
// without decoding them again.
func readTools(it *jsonx.ObjectIter, dst *[]abi.ToolDefinition) bool {
	raw := it.Value()
	if tools, ok := decodedTools.Get(raw); ok {
		*dst = tools
		return true
	}
	if !readToolsArray(it, dst) {
		return false
	}
	decodedTools.Put(raw, cloneTools(*dst), len(raw))
	return true
}

func readToolsArray(it *jsonx.ObjectIter, dst *[]abi.ToolDefinition) bool {
	return readArray(it, dst, func(a *jsonx.ArrayIter, t *abi.ToolDefinition) bool {
		return readFields(a.ValueObject(), func(o *jsonx.ObjectIter, s *seen) bool {
			switch {
			case o.KeyIs("type"):
				return s.first(0) && readString(o, &t.Type)
			case o.KeyIs("name"):
				return s.first(1) && readString(o, &t.Name)
			case o.KeyIs("description"):
				return s.first(2) && readString(o, &t.Description)
			case o.KeyIs("parameters"):
				return s.first(3) && readRaw(o, &t.Parameters)
			case o.KeyIs("strict"):
				return s.first(4) && readBool(o, &t.Strict)
			case o.KeyIs("options"):
				return s.first(5) && readRaw(o, &t.Options)
			case o.KeyIs("cache"):
				return s.first(6) && readCache(o, &t.Cache)
			}
			return false
		})
	})
}

// readToolChoice reads "auto", "none", "required" or {"tool":"name"};
// anything else (an error or a form encoding/json also accepts) takes the
// slow path.
func readToolChoice(it *jsonx.ObjectIter, dst **abi.ToolChoice) bool {
	tc := &abi.ToolChoice{}
	switch it.Val().Kind() {
	case jsonx.KindString:
		if !readString(it, &tc.Mode) {
			return false
		}
		switch tc.Mode {
		case abi.ToolChoiceAuto, abi.ToolChoiceNone, abi.ToolChoiceRequired:
		default:
			return false
		}
	case jsonx.KindObject:
		o := it.ValueObject()
		n := 0
		for o.Next() {
			if n++; n > 1 || !o.KeyIs("tool") || !readString(&o, &tc.Tool) {
				return false
			}
		}
		if o.Err() != nil || tc.Tool == "" {
			return false
		}
	default:
		return false
	}
	*dst = tc
	return true
}

func readResponseFormat(it *jsonx.ObjectIter, dst **abi.ResponseFormat) bool {
	rf := &abi.ResponseFormat{}
	*dst = rf
	return readFields(it.ValueObject(), func(o *jsonx.ObjectIter, s *seen) bool {
		switch {
		case o.KeyIs("type"):
			return s.first(0) && readString(o, &rf.Type)
		case o.KeyIs("name"):
			return s.first(1) && readString(o, &rf.Name)
		case o.KeyIs("schema"):
			return s.first(2) && readRaw(o, &rf.Schema)
		case o.KeyIs("strict"):
			return s.first(3) && readBool(o, &rf.Strict)
		}
		return false
	})
}

func readReasoning(it *jsonx.ObjectIter, dst **abi.Reasoning) bool {
	r := &abi.Reasoning{}
	*dst = r
	return readFields(it.ValueObject(), func(o *jsonx.ObjectIter, s *seen) bool {
		switch {
		case o.KeyIs("effort"):
			return s.first(0) && readString(o, &r.Effort)
		case o.KeyIs("budget_tokens"):
			return s.first(1) && readIntPtr(o, &r.BudgetTokens)
		}
		return false
	})
}

// readOptions reads provider_options, an object of raw values; a key
// given twice takes the slow path.
func readOptions(it *jsonx.ObjectIter, dst *map[string]json.RawMessage) bool {
	o := it.ValueObject()
	m := map[string]json.RawMessage{}
	ok := true
	for ok && o.Next() {
		var k string
		if ok = readKey(&o, &k); !ok {
			break
		}
		if _, dup := m[k]; dup {
			return false
		}
		var v json.RawMessage
		if ok = readRaw(&o, &v); ok {
			m[k] = v
		}
	}
	*dst = m
	return ok && o.Err() == nil
}

func readKey(o *jsonx.ObjectIter, dst *string) bool { return unescape(o.Key(), dst) }

// AppendProviderRequest appends pr as JSON with exactly the bytes
// json.Marshal(pr) gives (HTML-escaped strings, map keys sorted, the body
// compacted and HTML-escaped), without reflection. ok is false when the
// body is not valid JSON for guest/jsonx (or is deeper than it reads):
// the caller then uses json.Marshal, which reports or accepts it as it
// always did.
func AppendProviderRequest(dst []byte, pr *abi.ProviderRequest) (out []byte, ok bool) {
	if len(pr.Body) > 0 && !jsonx.Valid(pr.Body) {
		return dst, false
	}
	return appendProviderRequest(dst, pr, true), true
}

// AppendSplitProviderRequest appends pr in the split form of ABI 1.5
// (abi.SplitProjection): the head written as AppendProviderRequest writes
// it but without the body, then the body as the adapter built it. The
// body is not checked or compacted here: the host does both, natively,
// giving the bytes AppendProviderRequest gives (or, for a body that is
// not JSON, json.Marshal's error). scratch is a buffer for the head,
// returned grown for reuse.
func AppendSplitProviderRequest(dst, scratch []byte, pr *abi.ProviderRequest) (out, head []byte) {
	head = appendProviderRequest(scratch[:0], pr, false)
	return abi.AppendSplitProjection(dst, head, pr.Body), head
}

// appendProviderRequest writes pr's JSON object, with its body (which
// must be valid for guest/jsonx) when body is set.
func appendProviderRequest(dst []byte, pr *abi.ProviderRequest, body bool) []byte {
	dst = append(dst, `{"method":`...)
	dst = jsonx.AppendString(dst, pr.Method, true)
	dst = append(dst, `,"path":`...)
	dst = jsonx.AppendString(dst, pr.Path, true)
	if len(pr.Query) > 0 {
		dst = append(dst, `,"query":`...)
		dst = appendStringMap(dst, pr.Query)
	}
	if len(pr.Headers) > 0 {
		dst = append(dst, `,"headers":`...)
		dst = appendStringMap(dst, pr.Headers)
	}
	if body && len(pr.Body) > 0 {
		dst = append(dst, `,"body":`...)
		dst = jsonx.AppendCompact(dst, pr.Body, true)
	}
	dst = append(dst, `,"stream_framing":`...)
	dst = jsonx.AppendString(dst, pr.StreamFraming, true)
	return append(dst, '}')
}

func appendStringMap(dst []byte, m map[string]string) []byte {
	dst = append(dst, '{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonx.AppendString(dst, k, true)
		dst = append(dst, ':')
		dst = jsonx.AppendString(dst, m[k], true)
	}
	return append(dst, '}')
}
