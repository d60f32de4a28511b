package openairesponses

import (
	"encoding/binary"
	"strconv"
	"sync"
	"unsafe"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// State flags.
const (
	fStarted   = 1 << iota // response-start emitted
	fDone                  // an end marker was handled: the stream is over
	fFailed                // an error ended the stream
	fToolCalls             // the response holds function calls
	fRefusal               // the response holds a refusal
	fPending               // the response holds a client-executed built-in call
	fText                  // text was emitted
	fSep                   // a new message item started after text: separate its text
)

const stateVersion = 1

// call maps the output_index of a function_call item to its dense index.
type call struct{ output, index int }

type streamState struct {
	flags uint8
	tools int // function calls started so far
	calls []call
}

type scratch struct {
	st   streamState
	text []byte
	aux  []byte
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func str(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func (s *streamState) decode(b []byte) bool {
	s.flags, s.tools, s.calls = 0, 0, s.calls[:0]
	if len(b) == 0 {
		return true
	}
	if len(b) < 2 || b[0] != stateVersion {
		return false
	}
	s.flags = b[1]
	b = b[2:]
	v, k := binary.Uvarint(b)
	if k <= 0 || v > 1<<20 {
		return false
	}
	s.tools, b = int(v), b[k:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return false
	}
	b = b[k:]
	for range n {
		o, k1 := binary.Uvarint(b) // output_index + 1 (0: none)
		if k1 <= 0 || o > 1<<20 {
			return false
		}
		i, k2 := binary.Uvarint(b[k1:])
		if k2 <= 0 || i > 1<<20 {
			return false
		}
		b = b[k1+k2:]
		s.calls = append(s.calls, call{int(o) - 1, int(i)})
	}
	return len(b) == 0
}

func (s *streamState) encode(dst []byte) []byte {
	dst = append(dst, stateVersion, s.flags)
	dst = binary.AppendUvarint(dst, uint64(s.tools))
	dst = binary.AppendUvarint(dst, uint64(len(s.calls)))
	for _, c := range s.calls {
		dst = binary.AppendUvarint(dst, uint64(c.output+1))
		dst = binary.AppendUvarint(dst, uint64(c.index))
	}
	return dst
}

type run struct {
	sc  *scratch
	out *guest.Output
}

func (r *run) st() *streamState { return &r.sc.st }

func (r *run) emitError(code abi.Code, msg string, retryable bool) {
	ev := abi.Event{Type: abi.EventError, Code: code, Message: msg, Retryable: retryable}
	r.out.Emit(&ev)
	r.st().flags |= fFailed
}

// Transform consumes chunks of a Responses API SSE stream.
func (Adapter) Transform(in *abi.TransformInput, out *guest.Output) error {
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	r := run{sc: sc, out: out}
	st := r.st()
	if !st.decode(in.State) {
		return abi.Errorf(abi.CodeInvalidRequest, "transform state is not %s state: the stream was started by another module version; restart it", StateFormat)
	}
	for i := range in.Chunks {
		if st.flags&(fDone|fFailed) != 0 {
			break
		}
		r.chunk(&in.Chunks[i])
	}
	if in.Flags&abi.FlagEnd != 0 && st.flags&(fDone|fFailed) == 0 {
		r.emitError(abi.CodeStreamTruncated, Provider+": the stream ended before response.completed, response.incomplete or response.failed: the response is incomplete; retry the request", true)
	}
	out.SetState(st.encode(out.State()[:0]))
	return nil
}

// fields are the top-level fields of a stream event this adapter reads.
type fields struct {
	typ, response, item, code, message, annotation []byte
	delta                                          jsonx.Value
	output, summary                                int64
}

func (r *run) chunk(c *abi.Chunk) {
	var f fields
	f.output, f.summary = -1, -1
	it := jsonx.Doc(c.Data, c.Tape).Object()
	for it.Next() {
		switch {
		case it.KeyIs("type"):
			f.typ, _ = it.ValueStr()
		case it.KeyIs("response"):
			f.response = it.Value()
		case it.KeyIs("item"):
			f.item = it.Value()
		case it.KeyIs("delta"):
			f.delta = it.Val()
		case it.KeyIs("annotation"):
			f.annotation = it.Value()
		case it.KeyIs("output_index"):
			if n, err := it.Val().Int(); err == nil && n >= 0 && n < 1<<20 {
				f.output = n
			}
		case it.KeyIs("summary_index"):
			if n, err := it.Val().Int(); err == nil {
				f.summary = n
			}
		case it.KeyIs("code"):
			f.code = it.Value()
		case it.KeyIs("message"):
			f.message = it.Value()
		}
	}
	if err := it.Err(); err != nil {
		r.emitError(abi.CodeServerError, Provider+": a stream event is not a JSON object ("+err.Error()+" at byte "+strconv.Itoa(it.Offset())+"): the provider sent malformed data; retry the request", true)
		return
	}
	typ := str(f.typ)
	if typ == "" {
		typ = str(c.Event)
	}
	switch typ {
	case "response.created", "response.in_progress", "response.queued":
		if r.st().flags&fStarted == 0 && jsonx.KindOf(f.response) == jsonx.KindObject {
			r.start(f.response)
		}
	case "response.output_text.delta":
		r.outputText(f.delta)
	case "response.refusal.delta":
		if r.text(abi.EventRefusal, f.delta) {
			r.st().flags |= fRefusal
		}
	case "response.reasoning_summary_text.delta", "response.reasoning_text.delta":
		r.text(abi.EventReasoningDelta, f.delta)
	case "response.reasoning_summary_part.added":
		if f.summary > 0 {
			ev := abi.Event{Type: abi.EventReasoningDelta, Text: "\n\n"}
			r.out.Emit(&ev)
		}
	case "response.output_item.added":
		if jsonx.KindOf(f.item) == jsonx.KindObject {
			r.itemAdded(int(f.output), f.item)
		}
	case "response.function_call_arguments.delta":
		r.argsDelta(int(f.output), f.delta)
	case "response.output_text.annotation.added":
		r.annotation(f.annotation)
	case "response.output_item.done":
		if jsonx.KindOf(f.item) == jsonx.KindObject {
			r.itemDone(int(f.output), f.item)
		}
	case "response.completed", "response.incomplete", "response.failed":
		if jsonx.KindOf(f.response) != jsonx.KindObject {
			r.emitError(abi.CodeServerError, Provider+": "+typ+" carries no response object: the provider sent malformed data; retry the request", true)
			return
		}
		r.end(f.response)
	case "error":
		r.streamError(c.Data)
	}
}

func (r *run) start(resp []byte) {
	var id, model []byte
	it := jsonx.TrustedObject(resp)
	for it.Next() {
		switch {
		case it.KeyIs("id"):
			id, _ = it.ValueStr()
		case it.KeyIs("model"):
			model, _ = it.ValueStr()
		}
	}
	r.st().flags |= fStarted
	var err error
	r.sc.text, err = jsonx.Unescape(r.sc.text[:0], id)
	n := len(r.sc.text)
	if err == nil {
		r.sc.text, _ = jsonx.Unescape(r.sc.text, model)
	}
	ev := abi.Event{Type: abi.EventResponseStart, ID: str(r.sc.text[:n]), Model: str(r.sc.text[n:])}
	r.out.Emit(&ev)
}

// text emits a text-like event for a JSON string value; it reports whether
// it emitted one.
func (r *run) text(typ abi.EventType, v jsonx.Value) bool {
	var ok bool
	r.sc.text, ok = chatcompletions.EmitText(r.out, r.sc.text, typ, v)
	return ok
}

// itemFields are the fields of an output item this adapter reads.
type itemFields struct {
	typ, callID, name, args, encrypted, content, summary []byte
}

func readItem(item []byte) itemFields {
	var f itemFields
	it := jsonx.TrustedObject(item)
	for it.Next() {
		switch {
		case it.KeyIs("type"):
			f.typ, _ = it.ValueStr()
		case it.KeyIs("call_id"):
			f.callID, _ = it.ValueStr()
		case it.KeyIs("name"):
			f.name, _ = it.ValueStr()
		case it.KeyIs("arguments"):
			f.args, _ = it.ValueStr()
		case it.KeyIs("encrypted_content"):
			f.encrypted, _ = it.ValueStr()
		case it.KeyIs("content"):
			f.content = it.Value()
		case it.KeyIs("summary"):
			f.summary = it.Value()
		}
	}
	return f
}

// clientCall reports whether an item type is a built-in call the client
// must execute (the normalized events have no form for it).
func clientCall(typ []byte) bool {
	switch string(typ) {
	case "local_shell_call", "computer_call", "custom_tool_call", "shell_call", "apply_patch_call":
		return true
	}
	return false
}

// outputText emits message text, preceded by a "\n\n" text-delta when it
// is the first text of a message item that follows earlier text (a
// response may hold several message items, e.g. a commentary then a final
// answer: their texts stay paragraphs, not run together).
func (r *run) outputText(v jsonx.Value) {
	st := r.st()
	if raw, err := v.Str(); err != nil || len(raw) == 0 {
		return
	}
	if st.flags&fSep != 0 {
		st.flags &^= fSep
		ev := abi.Event{Type: abi.EventTextDelta, Text: "\n\n"}
		r.out.Emit(&ev)
	}
	if r.text(abi.EventTextDelta, v) {
		st.flags |= fText
	}
}

func (r *run) itemAdded(output int, item []byte) {
	f := readItem(item)
	if string(f.typ) == "message" && r.st().flags&fText != 0 {
		r.st().flags |= fSep
	}
	if string(f.typ) != "function_call" {
		return
	}
	st := r.st()
	if len(f.name) == 0 {
		r.emitError(abi.CodeServerError, Provider+": the provider sent a function_call item without a name: the response cannot be used; retry the request", true)
		return
	}
	c := call{output, st.tools}
	st.tools++
	st.calls = append(st.calls, c)
	st.flags |= fToolCalls
	r.sc.text = r.appendCallID(r.sc.text[:0], f.callID, c.index)
	n := len(r.sc.text)
	r.sc.text, _ = jsonx.Unescape(r.sc.text, f.name)
	ev := abi.Event{Type: abi.EventToolCallStart, Index: c.index, ID: str(r.sc.text[:n]), Name: str(r.sc.text[n:])}
	r.out.Emit(&ev)
	if len(f.args) > 0 {
		r.sc.aux, _ = jsonx.Unescape(r.sc.aux[:0], f.args)
		ev = abi.Event{Type: abi.EventToolCallDelta, Index: c.index, Arguments: str(r.sc.aux)}
		r.out.Emit(&ev)
	}
}

func (r *run) callIndex(output int) int {
	for _, c := range r.st().calls {
		if c.output == output {
			return c.index
		}
	}
	return -1
}

func (r *run) argsDelta(output int, delta jsonx.Value) {
	idx := r.callIndex(output)
	if idx < 0 {
		return
	}
	raw, err := delta.Str()
	if err != nil || len(raw) == 0 {
		return
	}
	if r.sc.text, err = jsonx.Unescape(r.sc.text[:0], raw); err != nil {
		return
	}
	ev := abi.Event{Type: abi.EventToolCallDelta, Index: idx, Arguments: str(r.sc.text)}
	r.out.Emit(&ev)
}

func (r *run) itemDone(output int, item []byte) {
	f := readItem(item)
	switch string(f.typ) {
	case "function_call":
		idx := r.callIndex(output)
		if idx < 0 {
			st := r.st()
			idx = st.tools
			st.tools++
			st.flags |= fToolCalls
		}
		r.toolCall(idx, f)
	case "reasoning":
		if len(f.encrypted) > 0 {
			r.sc.text, _ = jsonx.Unescape(r.sc.text[:0], f.encrypted)
			ev := abi.Event{Type: abi.EventReasoningRedacted, Data: str(r.sc.text)}
			r.out.Emit(&ev)
		}
	case "web_search_call":
		r.webSearchCall(item)
	case "mcp_approval_request":
		r.approvalRequestEvent(item)
	default:
		if r.hostedCall(string(f.typ), item) {
			break
		}
		if clientCall(f.typ) {
			r.st().flags |= fPending
		}
	}
}

// appendCallID appends a call's call_id, or call_<index> when the item
// has none (the same at tool-call-start and tool-call).
func (r *run) appendCallID(dst, raw []byte, idx int) []byte {
	n := len(dst)
	dst, err := jsonx.Unescape(dst, raw)
	if err != nil || len(dst) == n {
		dst = strconv.AppendInt(append(dst[:n], "call_"...), int64(idx), 10)
	}
	return dst
}

func (r *run) toolCall(idx int, f itemFields) {
	if len(f.name) == 0 {
		r.emitError(abi.CodeServerError, Provider+": the provider sent a function_call item without a name: the response cannot be used; retry the request", true)
		return
	}
	var err error
	r.sc.aux, err = jsonx.Unescape(r.sc.aux[:0], f.args)
	args, ok := guest.ToolArguments(r.sc.aux)
	if err != nil || !ok {
		ev := abi.Event{Type: abi.EventError, Code: abi.CodeToolArgumentsInvalid,
			Message: Provider + ": the arguments of tool call " + strconv.Itoa(idx) + " (" + string(f.name) + ") are not a complete JSON object: the model produced malformed arguments; retry or report them to the model"}
		r.out.Emit(&ev)
		return
	}
	r.sc.text = r.appendCallID(r.sc.text[:0], f.callID, idx)
	n := len(r.sc.text)
	r.sc.text, _ = jsonx.Unescape(r.sc.text, f.name)
	ev := abi.Event{Type: abi.EventToolCall, Index: idx, ID: str(r.sc.text[:n]), Name: str(r.sc.text[n:]), Arguments: str(args)}
	r.out.Emit(&ev)
}

// end handles the response object of response.completed / incomplete /
// failed (or a whole response): usage, then finish (after an error event
// for a failed response).
func (r *run) end(resp []byte) {
	st := r.st()
	var status, usage, incomplete, errObj []byte
	it := jsonx.TrustedObject(resp)
	for it.Next() {
		switch {
		case it.KeyIs("status"):
			status, _ = it.ValueStr()
		case it.KeyIs("usage"):
			usage = it.Value()
		case it.KeyIs("incomplete_details"):
			incomplete = it.Value()
		case it.KeyIs("error"):
			errObj = it.Value()
		}
	}
	if st.flags&fStarted == 0 {
		r.start(resp)
	}
	if string(status) == "failed" {
		r.errorObject(errObj, Provider+": the response failed: ", "the provider gave no reason")
		st.flags &^= fFailed
	}
	if jsonx.KindOf(usage) == jsonx.KindObject {
		var u abi.Usage
		ui := jsonx.TrustedObject(usage)
		for ui.Next() {
			switch {
			case ui.KeyIs("input_tokens"):
				u.InputTokens = chatcompletions.IntOr0(ui.Value())
			case ui.KeyIs("output_tokens"):
				u.OutputTokens = chatcompletions.IntOr0(ui.Value())
			case ui.KeyIs("input_tokens_details"):
				if v, ok, _ := jsonx.Lookup(ui.Value(), "cached_tokens"); ok {
					u.CachedInputTokens = chatcompletions.IntOr0(v)
				}
			case ui.KeyIs("output_tokens_details"):
				if v, ok, _ := jsonx.Lookup(ui.Value(), "reasoning_tokens"); ok {
					u.ReasoningTokens = chatcompletions.IntOr0(v)
				}
			}
		}
		ev := abi.Event{Type: abi.EventUsage, Usage: u}
		r.out.Emit(&ev)
	}
	ev := abi.Event{Type: abi.EventFinish}
	switch string(status) {
	case "completed":
		ev.RawReason = "completed"
		switch {
		case st.flags&fToolCalls != 0:
			ev.Reason = abi.FinishToolCalls
		case st.flags&fRefusal != 0:
			ev.Reason = abi.FinishRefusal
		case st.flags&fPending != 0:
			ev.Reason = abi.FinishOther
		default:
			ev.Reason = abi.FinishStop
		}
	case "incomplete":
		var reason []byte
		if jsonx.KindOf(incomplete) == jsonx.KindObject {
			if v, ok, _ := jsonx.Lookup(incomplete, "reason"); ok {
				reason, _ = jsonx.Str(v)
			}
		}
		r.sc.text, _ = jsonx.Unescape(r.sc.text[:0], reason)
		ev.RawReason = str(r.sc.text)
		switch ev.RawReason {
		case "max_output_tokens":
			ev.Reason = abi.FinishLength
		case "content_filter":
			ev.Reason = abi.FinishContentFilter
		default:
			ev.Reason = abi.FinishOther
		}
	case "failed":
		ev.Reason, ev.RawReason = abi.FinishError, "failed"
	default:
		r.sc.text, _ = jsonx.Unescape(r.sc.text[:0], status)
		ev.Reason, ev.RawReason = abi.FinishOther, str(r.sc.text)
	}
	r.out.Emit(&ev)
	st.flags |= fDone
}

// streamError handles an "error" stream event: {"type":"error","code",
// "message","param"}.
func (r *run) streamError(data []byte) {
	r.errorObject(data, Provider+" stream error: ", "the provider gave no message")
}

// errorObject emits the error event of an error object {code, message}
// (a stream error event or a failed response's error).
func (r *run) errorObject(obj []byte, prefix, fallback string) {
	info, ok := chatcompletions.ParseError(obj)
	if !ok || info.Message == "" {
		info.Message = fallback
	}
	code, retryable := streamCode(info.Code)
	msg := prefix + info.Message
	if info.Code != "" {
		msg += " (code " + info.Code + ")"
	}
	switch code {
	case abi.CodeRateLimited:
		if retryable {
			msg += ": retry after a delay"
		} else {
			msg += ": the quota is exhausted; add credit or raise the limit (retrying will not help)"
		}
	case abi.CodeServerError:
		msg += ": retry after a delay"
	case abi.CodeContextLengthExceeded:
		msg += ": shorten the conversation or lower max_output_tokens"
	case abi.CodeContentFilter:
		msg += ": the provider's safety system blocked it; rephrase the request"
	case abi.CodeInvalidRequest:
		msg += ": fix the request"
	}
	r.emitError(code, msg, retryable)
}

// streamCode maps the code of an error inside a stream (no HTTP status).
func streamCode(code string) (abi.Code, bool) {
	switch code {
	case "rate_limit_exceeded":
		return abi.CodeRateLimited, true
	case "insufficient_quota":
		return abi.CodeRateLimited, false
	case "context_length_exceeded":
		return abi.CodeContextLengthExceeded, false
	case "content_filter", "content_policy_violation":
		return abi.CodeContentFilter, false
	case "invalid_prompt", "invalid_request_error", "invalid_image", "invalid_image_format", "invalid_base64_image",
		"invalid_image_url", "image_too_large", "image_too_small", "image_parse_error", "image_content_policy_violation",
		"invalid_image_mode", "image_file_too_large", "unsupported_image_media_type", "empty_image_file",
		"failed_to_download_image", "image_file_not_found":
		return abi.CodeInvalidRequest, false
	}
	// server_error, vector_store_timeout and unknown codes: the provider
	// failed while generating.
	return abi.CodeServerError, true
}

// ParseResponse turns a whole response object into the events a stream of
// it would give, with whole texts.
func (Adapter) ParseResponse(in *abi.ResponseInput, out *guest.Output) error {
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	sc.st.decode(nil)
	r := run{sc: sc, out: out}
	body := in.Body
	if jsonx.KindOf(body) != jsonx.KindObject || !jsonx.Valid(body) {
		r.emitError(abi.CodeServerError, Provider+": the response body is not a JSON object; retry the request", true)
		return nil
	}
	var output, status []byte
	it := jsonx.TrustedObject(body)
	for it.Next() {
		switch {
		case it.KeyIs("output"):
			output = it.Value()
		case it.KeyIs("status"):
			status, _ = it.ValueStr()
		}
	}
	r.start(body)
	if jsonx.KindOf(output) == jsonx.KindArray {
		ai := jsonx.TrustedArray(output)
		for pos := 0; ai.Next(); pos++ {
			if jsonx.KindOf(ai.Value()) == jsonx.KindObject {
				r.wholeItem(pos, ai.Value())
			}
		}
	}
	if r.st().flags&fFailed != 0 {
		return nil
	}
	if len(status) == 0 {
		r.emitError(abi.CodeStreamTruncated, Provider+": the response has no status: it is incomplete; retry the request", true)
		return nil
	}
	r.end(body)
	return nil
}

// wholeItem emits the events of output item pos of a whole response: those
// its response.output_item.added and .done events would give in a stream
// (a function call: tool-call-start, one tool-call-delta with the whole
// arguments, tool-call), with whole texts.
func (r *run) wholeItem(pos int, item []byte) {
	f := readItem(item)
	switch string(f.typ) {
	case "message":
		if jsonx.KindOf(f.content) != jsonx.KindArray {
			return
		}
		if r.st().flags&fText != 0 {
			r.st().flags |= fSep
		}
		ci := jsonx.TrustedArray(f.content)
		for ci.Next() {
			var typ []byte
			var text, refusal jsonx.Value
			pi := ci.ValueObject()
			for pi.Next() {
				switch {
				case pi.KeyIs("type"):
					typ, _ = pi.ValueStr()
				case pi.KeyIs("text"):
					text = pi.Val()
				case pi.KeyIs("refusal"):
					refusal = pi.Val()
				}
			}
			switch string(typ) {
			case "output_text":
				r.outputText(text)
				if anns, ok, _ := jsonx.Lookup(ci.Value(), "annotations"); ok && jsonx.KindOf(anns) == jsonx.KindArray {
					ai := jsonx.TrustedArray(anns)
					for ai.Next() {
						r.annotation(ai.Value())
					}
				}
			case "refusal":
				if r.text(abi.EventRefusal, refusal) {
					r.st().flags |= fRefusal
				}
			}
		}
	case "reasoning":
		// Summary parts joined by a blank line (as the stream's parts),
		// then any raw reasoning text, then the encrypted content.
		var all []byte
		for _, list := range [][]byte{f.summary, f.content} {
			if jsonx.KindOf(list) != jsonx.KindArray {
				continue
			}
			li := jsonx.TrustedArray(list)
			for li.Next() {
				v, ok, _ := jsonx.Lookup(li.Value(), "text")
				if !ok {
					continue
				}
				if len(all) > 0 {
					all = append(all, "\n\n"...)
				}
				all, _ = jsonx.AppendUnescaped(all, v)
			}
		}
		if len(all) > 0 {
			ev := abi.Event{Type: abi.EventReasoningDelta, Text: string(all)}
			r.out.Emit(&ev)
		}
		r.itemDone(pos, item)
	case "function_call":
		r.itemAdded(pos, item)
		if r.st().flags&fFailed == 0 {
			r.itemDone(pos, item)
		}
	default:
		r.itemDone(pos, item)
	}
}

// errDialect maps HTTP error bodies with the Chat Completions mapping the
// Responses API shares ({"error":{"message","type","param","code"}}).
var errDialect = &chatcompletions.Dialect{Name: "openai-responses", Provider: Provider}

// MapError turns a non-2xx response into one error event.
func (Adapter) MapError(in *abi.ResponseInput, out *guest.Output) error {
	return errDialect.MapError(in, out)
}
