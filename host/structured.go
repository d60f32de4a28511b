package host

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"reflect"
	"regexp"
	"strings"
	"sync"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/host/jsonschema"
)

// compiled caches response_format schemas by their bytes.
var compiled sync.Map // string -> *jsonschema.Schema

// VerifyOutput checks a response's final text against the request's
// json_schema response format: nil when there is nothing to check (no
// json_schema format, a refusal, a step that called tools), else an
// *abi.Error with code output_invalid whose Pointer is the first
// violation's JSON pointer ("" for the whole answer: a violation at the
// root, such as a missing required property, or text that is not JSON;
// the message says which). An answer that did not finish with reason stop
// (length, content-filter, error...) is not checked: its finish reason
// already says it is incomplete, and the caller sees it. Client.Stream, Generate, GenerateRoute, the
// tool loop and StreamObject apply it unless SkipOutputValidation is
// given. The
// check is the same whether the provider enforced the schema natively,
// through a "strict" mode or through a JSON-mode emulation.
func VerifyOutput(req *abi.Request, r *Response) error {
	if req == nil || r == nil || req.ResponseFormat == nil || req.ResponseFormat.Type != "json_schema" ||
		len(req.ResponseFormat.Schema) == 0 || r.Refusal != "" || len(r.ToolCalls) > 0 ||
		(r.FinishReason != "" && r.FinishReason != abi.FinishStop) {
		return nil
	}
	key := string(req.ResponseFormat.Schema)
	v, ok := compiled.Load(key)
	if !ok {
		s, err := jsonschema.Compile(req.ResponseFormat.Schema)
		if err != nil {
			return abi.Wrap(abi.CodeInvalidRequest, err, "the response_format schema does not compile")
		}
		v, _ = compiled.LoadOrStore(key, s)
	}
	text := strings.TrimSpace(r.Text)
	if !json.Valid([]byte(text)) {
		return &abi.Error{Code: abi.CodeOutputInvalid, Message: "the answer to a json_schema response format is not JSON: " + clip(text, 80)}
	}
	if err := v.(*jsonschema.Schema).Validate([]byte(text)); err != nil {
		e := &abi.Error{Code: abi.CodeOutputInvalid, Err: err, Message: "the answer does not match the response_format schema: " + err.Error()}
		var ve *jsonschema.Error
		if errors.As(err, &ve) {
			e.Pointer = ve.Pointer
		}
		return e
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// verifyOutput is VerifyOutput unless the call opted out.
func verifyOutput(req *abi.Request, r *Response, opts []CallOption) error {
	if cc := callConfigOf(opts); cc.noVerify {
		return nil
	}
	return VerifyOutput(req, r)
}

// outputCheck accumulates a stream to check its answer at the end; nil
// when there is nothing to check.
type outputCheck struct {
	req *abi.Request
	acc Accumulator
}

func newOutputCheck(req *abi.Request, opts []CallOption) *outputCheck {
	if req == nil || req.ResponseFormat == nil || req.ResponseFormat.Type != "json_schema" || callConfigOf(opts).noVerify {
		return nil
	}
	return &outputCheck{req: req}
}

func (o *outputCheck) add(ev *abi.Event) {
	if o != nil {
		o.acc.Add(*ev)
	}
}

// check verifies the answer of a stream that ended without error (one
// that reported an error event is not checked).
func (o *outputCheck) check() error {
	if o == nil {
		return nil
	}
	r := o.acc.Response()
	if len(r.Errors) > 0 {
		return nil
	}
	return VerifyOutput(o.req, r)
}

var nonName = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// objectRequest returns req with a json_schema response format generated
// from T when req has none.
func objectRequest[T any](req *abi.Request) *abi.Request {
	if req.ResponseFormat != nil {
		return req
	}
	r := *req
	name := nonName.ReplaceAllString(reflect.TypeFor[T]().Name(), "_")
	if name == "" {
		name = "result"
	}
	r.ResponseFormat = &abi.ResponseFormat{Type: "json_schema", Name: name, Schema: SchemaFor[T](), Strict: true}
	return &r
}

// GenerateObject sends req and decodes the answer into a T. Without a
// response format on req, it asks for a json_schema one generated from T
// (SchemaFor). The answer is validated against the schema first, so a
// mismatch is an output_invalid error with its JSON pointer; the response
// is returned in every case.
func GenerateObject[T any](ctx context.Context, c *Client, p Provider, req *abi.Request, opts ...CallOption) (T, *Response, error) {
	var out T
	if req == nil {
		return out, &Response{}, abi.Errorf(abi.CodeInvalidRequest, "nil request")
	}
	r, err := c.Generate(ctx, p, objectRequest[T](req), opts...)
	if err != nil {
		return out, r, err
	}
	if err := json.Unmarshal([]byte(r.Text), &out); err != nil {
		return out, r, &abi.Error{Code: abi.CodeOutputInvalid, Err: err, Message: "the answer does not decode into " + reflect.TypeFor[T]().String() + ": " + err.Error()}
	}
	return out, r, nil
}

// StreamObject streams req (as GenerateObject builds it) and yields the
// best-effort object parsed from the text received so far (see
// PartialJSON) each time it grows, then the complete object once the
// answer has been validated against the schema. A failure is yielded as
// (zero T, err) and ends the sequence.
func StreamObject[T any](ctx context.Context, c *Client, p Provider, req *abi.Request, opts ...CallOption) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if req == nil {
			yield(zero, abi.Errorf(abi.CodeInvalidRequest, "nil request"))
			return
		}
		sreq := objectRequest[T](req)
		var acc Accumulator
		var text strings.Builder
		var last string
		for ev, err := range c.Stream(ctx, p, sreq, opts...) {
			if err != nil {
				yield(zero, err)
				return
			}
			acc.Add(ev)
			if ev.Type != abi.EventTextDelta {
				continue
			}
			text.WriteString(ev.Text)
			partial, ok := PartialJSON(text.String())
			if !ok || string(partial) == last {
				continue
			}
			var v T
			if json.Unmarshal(partial, &v) != nil {
				continue
			}
			last = string(partial)
			if !yield(v, nil) {
				return
			}
		}
		r := acc.Response()
		if err := verifyOutput(sreq, r, opts); err != nil {
			yield(zero, err)
			return
		}
		var v T
		if err := json.Unmarshal([]byte(r.Text), &v); err != nil {
			yield(zero, &abi.Error{Code: abi.CodeOutputInvalid, Err: err, Message: "the answer does not decode: " + err.Error()})
			return
		}
		yield(v, nil)
	}
}

// PartialJSON completes a prefix of a JSON text into valid JSON, best
// effort: an open string is closed, open arrays and objects are closed,
// and a trailing member or element that cannot be completed (a key
// without its value, a partial literal) is dropped. It reports false when
// nothing usable has arrived yet.
func PartialJSON(s string) (json.RawMessage, bool) {
	var stack []byte // closers
	inStr, esc, isKey := false, false, false
	keyNext := []bool{} // per open object: the next string is a key
	cut, cutClose := -1, ""
	closers := func() string {
		b := make([]byte, len(stack))
		for i := range stack {
			b[i] = stack[len(stack)-1-i]
		}
		return string(b)
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if inStr {
			switch {
			case esc:
				esc = false
			case ch == '\\':
				esc = true
			case ch == '"':
				inStr = false
				if !isKey {
					cut, cutClose = i+1, closers()
				}
			}
			continue
		}
		switch ch {
		case '"':
			inStr, esc = true, false
			isKey = len(stack) > 0 && stack[len(stack)-1] == '}' && keyNext[len(keyNext)-1]
			if isKey {
				keyNext[len(keyNext)-1] = false
			}
		case '{', '[':
			if ch == '{' {
				stack = append(stack, '}')
				keyNext = append(keyNext, true)
			} else {
				stack = append(stack, ']')
			}
			cut, cutClose = i+1, closers()
		case '}', ']':
			if len(stack) == 0 {
				return nil, false
			}
			if stack[len(stack)-1] == '}' {
				keyNext = keyNext[:len(keyNext)-1]
			}
			stack = stack[:len(stack)-1]
			cut, cutClose = i+1, closers()
		case ',':
			if len(stack) > 0 && stack[len(stack)-1] == '}' {
				keyNext[len(keyNext)-1] = true
			}
			cut, cutClose = i, closers()
		}
	}
	full := s
	if inStr {
		if esc {
			full = full[:len(full)-1]
		}
		if !isKey {
			full += `"`
		}
	}
	full = strings.TrimRight(full, " \t\r\n")
	full += closers()
	if !isKey || !inStr {
		if json.Valid([]byte(full)) {
			return json.RawMessage(full), true
		}
	}
	if cut < 0 {
		return nil, false
	}
	out := strings.TrimRight(s[:cut], " \t\r\n,") + cutClose
	if !json.Valid([]byte(out)) {
		return nil, false
	}
	return json.RawMessage(out), true
}
