package chatcompletions

import (
	"encoding/binary"
	"strconv"
	"sync"
	"unsafe"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstate"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// State flags.
const (
	fStarted      = 1 << iota // response-start emitted
	fFinish                   // a finish_reason was seen (tool calls flushed)
	fDone                     // [DONE] seen and finish emitted: the stream is over
	fFailed                   // an error ended the stream
	fRefusal                  // the response holds a refusal
	fToolCalls                // the response holds tool calls
	fChunkEmitted             // Dialect.Chunk emitted an event
)

// stateVersion 2: a started tool call's arguments are not in the state
// (the host completes the call from its deltas: tool-call-end, ABI 1.4).
// 3: the calls' indices come before their ids, names and arguments.
const stateVersion = 3

type toolState struct {
	index   int
	started bool // tool-call-start emitted
	id      []byte
	name    []byte
	// args are the arguments received before the call started (its name
	// came) in a stream, emitted as one delta when it starts; in a whole
	// response, all of them.
	args []byte
}

type streamState struct {
	flags  uint8
	finish []byte
	tools  []toolState
	n      int // live tools in tools[:n]
}

// scratch holds the buffers a call reuses; it is pooled so an Adapter stays
// safe for concurrent use and a call's output depends on its input alone.
type scratch struct {
	st   streamState
	text []byte
	msg  []byte
	ev   []byte // an event built from a raw string literal
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// str views b as a string without copying; the string must not outlive the
// next change of b (events are encoded at once by guest.Output.Emit).
func str(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func (s *streamState) reset() {
	s.flags = 0
	s.finish = s.finish[:0]
	s.n = 0
}

func (s *streamState) tool(index int) *toolState {
	for i := range s.tools[:s.n] {
		if s.tools[i].index == index {
			return &s.tools[i]
		}
	}
	if s.n == len(s.tools) {
		s.tools = append(s.tools, toolState{})
	}
	t := &s.tools[s.n]
	s.n++
	t.index, t.started = index, false
	t.id, t.name, t.args = t.id[:0], t.name[:0], t.args[:0]
	return t
}

// decode loads the state; an empty state starts a stream.
func (s *streamState) decode(b []byte) bool {
	s.reset()
	if len(b) == 0 {
		return true
	}
	if len(b) < 2 || b[0] != stateVersion {
		return false
	}
	s.flags = b[1]
	v, b, ok := blockstate.ReadBytes(b[2:])
	if !ok {
		return false
	}
	s.finish = append(s.finish, v...)
	cnt, k := binary.Uvarint(b)
	if k <= 0 || cnt > uint64(len(b)) {
		return false
	}
	b = b[k:]
	for range cnt {
		idx, k := binary.Uvarint(b)
		if k <= 0 || len(b) < k+1 || idx > 1<<31 || b[k] > 1 {
			return false
		}
		t := s.tool(int(idx))
		t.started = b[k] == 1
		b = b[k+1:]
	}
	for i := range s.tools[:s.n] {
		t := &s.tools[i]
		var id, name, args []byte
		if id, b, ok = blockstate.ReadBytes(b); !ok {
			return false
		}
		if name, b, ok = blockstate.ReadBytes(b); !ok {
			return false
		}
		if args, b, ok = blockstate.ReadBytes(b); !ok {
			return false
		}
		t.id = append(t.id, id...)
		t.name = append(t.name, name...)
		t.args = append(t.args, args...)
	}
	return len(b) == 0 && s.n == int(cnt)
}

// encode appends the state to dst: the version, the flags, the finish
// reason, the count of tool calls and each one's index and started byte,
// then each one's id, name and arguments. What is the same in every stream
// at the same point (the indices) comes before what is not (the ids), so
// that the tool-call templates hold for a prefix (ToolTemplates).
func (s *streamState) encode(dst []byte) []byte {
	dst = append(dst, stateVersion, s.flags)
	dst = blockstate.AppendBytes(dst, s.finish)
	dst = binary.AppendUvarint(dst, uint64(s.n))
	for i := range s.tools[:s.n] {
		t := &s.tools[i]
		dst = binary.AppendUvarint(dst, uint64(t.index))
		st := byte(0)
		if t.started {
			st = 1
		}
		dst = append(dst, st)
	}
	for i := range s.tools[:s.n] {
		t := &s.tools[i]
		dst = blockstate.AppendBytes(dst, t.id)
		dst = blockstate.AppendBytes(dst, t.name)
		dst = blockstate.AppendBytes(dst, t.args)
	}
	return dst
}

// run is one call's working set.
type run struct {
	d     *Dialect
	sc    *scratch
	out   *guest.Output
	whole bool // ParseResponse: a whole body, tool calls indexed by position
}

func (r *run) st() *streamState { return &r.sc.st }

func (r *run) fail(code abi.Code, msg string, retryable bool) {
	ev := abi.Event{Type: abi.EventError, Code: code, Message: msg, Retryable: retryable}
	r.out.Emit(&ev)
	r.st().flags |= fFailed
}

// Transform consumes chunks of a Chat Completions SSE stream.
func (d *Dialect) Transform(in *abi.TransformInput, out *guest.Output) error {
	sc := getScratch()
	r := run{d: d, sc: sc, out: out}
	err := r.transform(in)
	putScratch(sc)
	return err
}

func (r *run) transform(in *abi.TransformInput) error {
	d, out := r.d, r.out
	st := r.st()
	if !st.decode(in.State) {
		return abi.Errorf(abi.CodeInvalidRequest, "transform state is not %s state: the stream was started by another module version; restart it", d.stateFormat())
	}
	for i := range in.Chunks {
		if st.flags&(fDone|fFailed) != 0 {
			break
		}
		r.chunk(&in.Chunks[i])
	}
	if in.Flags&abi.FlagEnd != 0 && st.flags&(fDone|fFailed) == 0 {
		if st.flags&fFinish != 0 && d.DoneOptional {
			r.emitFinish()
		} else {
			r.flushTools(true)
			if st.flags&fFailed == 0 {
				msg := "the stream ended before its end marker data: [DONE]"
				if st.flags&fFinish == 0 {
					msg = "the stream ended before a finish_reason and data: [DONE]"
				}
				r.fail(abi.CodeStreamTruncated, d.Provider+": "+msg+": the response is incomplete; retry the request", true)
			}
		}
	}
	out.SetState(st.encode(out.State()[:0]))
	return nil
}

func (d *Dialect) stateFormat() string {
	if d.StateFormat != "" {
		return d.StateFormat
	}
	return StateFormat
}

func isDone(b []byte) bool {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\n' || b[0] == '\r' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return string(b) == "[DONE]"
}

func (r *run) chunk(c *abi.Chunk) {
	st := r.st()
	if isDone(c.Data) {
		if st.flags&fFinish == 0 && r.d.FinishOptional {
			r.flushTools(false)
			st.flags |= fFinish
		}
		if st.flags&fFinish == 0 {
			r.flushTools(true)
			if st.flags&fFailed == 0 {
				r.fail(abi.CodeStreamTruncated, r.d.Provider+": the stream sent data: [DONE] without a finish_reason: the response is incomplete; retry the request", true)
			}
			return
		}
		r.emitFinish()
		return
	}
	if string(c.Event) == "error" {
		r.streamError(c.Data)
		return
	}
	r.value(jsonx.Doc(c.Data, c.Tape))
}

// object handles one whole response body.
func (r *run) object(data []byte) { r.value(jsonx.Doc(data, nil)) }

// value handles one chunk object (or, with r.whole, one whole response),
// tape-backed when the host sent a tape.
func (r *run) value(doc jsonx.Value) {
	st := r.st()
	// id and model are read only when the response starts.
	var id, model, choices, usage, errObj, nested jsonx.Value
	it := doc.Object()
	for it.Next() {
		switch {
		case it.KeyIs("id"):
			id = it.Val()
		case it.KeyIs("model"):
			model = it.Val()
		case it.KeyIs("choices"):
			choices = it.Val()
		case it.KeyIs("usage"):
			usage = it.Val()
		case it.KeyIs("error"):
			errObj = it.Val()
		default:
			for _, k := range r.d.UsageIn {
				if it.KeyIs(k) && it.Val().Kind() == jsonx.KindObject {
					nested = it.Val()
				}
			}
		}
	}
	if err := it.Err(); err != nil {
		r.fail(abi.CodeServerError, r.d.Provider+": a response chunk is not a JSON object ("+err.Error()+" at byte "+strconv.Itoa(it.Offset())+"): the provider sent malformed data; retry the request", true)
		return
	}
	if errObj.Exists() && errObj.Kind() != jsonx.KindNull {
		r.streamError(doc.Raw())
		return
	}
	if st.flags&fStarted == 0 && (len(strOf(id)) > 0 || hasChoices(choices)) {
		r.start(strOf(id), strOf(model))
	}
	if choices.Exists() && choices.Kind() != jsonx.KindNull {
		ai := choices.Array()
		for ai.Next() {
			ci := ai.ValueObject()
			r.choice(&ci)
			if st.flags&fFailed != 0 {
				return
			}
		}
	}
	if r.d.Chunk != nil {
		r.extra(doc)
		if st.flags&fFailed != 0 {
			return
		}
	}
	if (!usage.Exists() || usage.Kind() == jsonx.KindNull) && nested.Exists() {
		usage, _, _ = nested.Lookup("usage")
	}
	if usage.Kind() == jsonx.KindObject {
		r.usage(usage, id, model)
	}
}

// usage emits the usage event of a usage object.
func (r *run) usage(usage, id, model jsonx.Value) {
	var u abi.Usage
	var err error
	if r.d.Usage != nil {
		err = r.d.Usage(usage.Raw(), &u)
	} else {
		err = readUsage(usage.Raw(), &u)
	}
	if err != nil {
		r.fail(abi.CodeServerError, r.d.Provider+": the usage object is malformed: "+err.Error(), true)
		return
	}
	if r.st().flags&fStarted == 0 {
		r.start(strOf(id), strOf(model))
	}
	ev := abi.Event{Type: abi.EventUsage, Usage: u}
	r.out.Emit(&ev)
}

// strOf returns the raw content of the string v, nil for anything else.
func strOf(v jsonx.Value) []byte {
	b, _ := v.Str()
	return b
}

func hasChoices(choices jsonx.Value) bool {
	ai := choices.Array()
	return ai.Next()
}

func (r *run) start(id, model []byte) {
	r.st().flags |= fStarted
	var err error
	var idText, modelText []byte
	r.sc.text, err = jsonx.Unescape(r.sc.text[:0], id)
	if err == nil {
		n := len(r.sc.text)
		r.sc.text, err = jsonx.Unescape(r.sc.text, model)
		idText = r.sc.text[:n]
		if err == nil {
			// A model that does not unescape is left out, not half
			// decoded.
			modelText = r.sc.text[n:]
		}
	}
	ev := abi.Event{Type: abi.EventResponseStart, ID: str(idText), Model: str(modelText)}
	r.out.Emit(&ev)
}

// ReadUsage reads an OpenAI usage object (prompt_tokens,
// completion_tokens, prompt_tokens_details.cached_tokens,
// completion_tokens_details.reasoning_tokens) into u; Usage hooks call it
// and adjust what their provider counts differently.
func ReadUsage(b []byte, u *abi.Usage) error { return readUsage(b, u) }

// IntOr0 reads a JSON integer, 0 when v is not a non-negative integer.
func IntOr0(v []byte) int { return intOr0(v) }

// readUsage reads an OpenAI usage object.
func readUsage(b []byte, u *abi.Usage) error {
	it := jsonx.TrustedObject(b)
	for it.Next() {
		switch {
		case it.KeyIs("prompt_tokens"):
			u.InputTokens = intOr0(it.Value())
		case it.KeyIs("completion_tokens"):
			u.OutputTokens = intOr0(it.Value())
		case it.KeyIs("prompt_tokens_details"):
			if v, ok, _ := jsonx.Lookup(it.Value(), "cached_tokens"); ok {
				u.CachedInputTokens = intOr0(v)
			}
		case it.KeyIs("completion_tokens_details"):
			if v, ok, _ := jsonx.Lookup(it.Value(), "reasoning_tokens"); ok {
				u.ReasoningTokens = intOr0(v)
			}
		}
	}
	return it.Err()
}

func intOr0(v []byte) int {
	n, err := jsonx.Int(v)
	if err != nil || n < 0 || n > 1<<31 {
		return 0
	}
	return int(n)
}

// extra runs Dialect.Chunk on a chunk. The emit closure captures a copy of
// r (its state lives in r.sc), so that r itself does not escape and the
// dialects without a Chunk hook keep an allocation-free chunk path.
func (r *run) extra(doc jsonx.Value) {
	st := r.st()
	c := *r
	emit := func(ev *abi.Event) {
		if st.flags&fStarted == 0 {
			c.start(nil, nil)
		}
		c.out.Emit(ev)
		st.flags |= fChunkEmitted
	}
	if e := r.d.Chunk(doc, st.flags&fFinish != 0, st.flags&fChunkEmitted == 0, emit); e != nil {
		r.fail(e.Code, e.Message, e.Retryable)
	}
}

func (r *run) isReasoningField(it *jsonx.ObjectIter) bool {
	for _, f := range r.d.ReasoningFields {
		if it.KeyIs(f) {
			return true
		}
	}
	return false
}

// choice handles one element of choices: its delta (or, whole, message)
// and finish_reason.
func (r *run) choice(ci *jsonx.ObjectIter) {
	var delta, finish, usage jsonx.Value
	var index int64
	for ci.Next() {
		switch {
		case ci.KeyIs("index"):
			index, _ = ci.Val().Int()
		case ci.KeyIs("delta"), ci.KeyIs("message"):
			delta = ci.Val()
		case ci.KeyIs("finish_reason"):
			finish = ci.Val()
		case ci.KeyIs("usage"):
			usage = ci.Val()
		}
	}
	if index != 0 {
		return // only the first choice: projection never asks for n > 1
	}
	if delta.Kind() == jsonx.KindObject {
		r.delta(delta)
		if r.st().flags&fFailed != 0 {
			return
		}
	}
	if finish.Kind() == jsonx.KindString {
		raw := strOf(finish)
		st := r.st()
		if st.flags&fFinish == 0 {
			st.finish = append(st.finish[:0], raw...)
			st.flags |= fFinish
			r.flushTools(false)
		}
	}
	if r.d.UsageInChoice && usage.Kind() == jsonx.KindObject && r.st().flags&fFailed == 0 {
		r.usage(usage, jsonx.Value{}, jsonx.Value{})
	}
}

func (r *run) delta(delta jsonx.Value) {
	var content, refusal, toolCalls, reasoning jsonx.Value
	it := delta.Object()
	for it.Next() {
		switch {
		case it.KeyIs("content"):
			content = it.Val()
		case it.KeyIs("refusal"):
			refusal = it.Val()
		case it.KeyIs("tool_calls"):
			toolCalls = it.Val()
		default:
			if len(r.d.ReasoningFields) > 0 && r.isReasoningField(&it) {
				reasoning = it.Val()
			}
		}
	}
	// (Exists first: in a Wasm guest even a call that does nothing costs.)
	if reasoning.Kind() == jsonx.KindArray {
		r.textParts(reasoning)
	} else if reasoning.Exists() {
		r.text(abi.EventReasoningDelta, reasoning)
	}
	if content.Kind() == jsonx.KindArray {
		r.contentParts(content)
	} else if content.Exists() {
		r.text(abi.EventTextDelta, content)
	}
	if refusal.Exists() && r.text(abi.EventRefusal, refusal) {
		r.st().flags |= fRefusal
	}
	if toolCalls.Kind() == jsonx.KindArray {
		ai := toolCalls.Array()
		for ai.Next() {
			r.toolDelta(ai.ValueObject(), ai.Index())
		}
	}
}

// contentParts handles content sent as an array of typed parts (Mistral's
// magistral models): {"type":"text","text"} is text, {"type":"thinking",
// "thinking":[{"type":"text","text"}] or "..."} is reasoning, in order.
// Parts of other types carry no text and are skipped.
func (r *run) contentParts(content jsonx.Value) {
	ai := content.Array()
	for ai.Next() {
		if ai.Val().Kind() != jsonx.KindObject {
			continue
		}
		var typ []byte
		var text, thinking jsonx.Value
		pi := ai.ValueObject()
		for pi.Next() {
			switch {
			case pi.KeyIs("type"):
				typ, _ = pi.ValueStr()
			case pi.KeyIs("text"):
				text = pi.Val()
			case pi.KeyIs("thinking"):
				thinking = pi.Val()
			}
		}
		switch string(typ) {
		case "text":
			r.text(abi.EventTextDelta, text)
		case "thinking":
			if thinking.Kind() != jsonx.KindArray {
				r.text(abi.EventReasoningDelta, thinking)
				continue
			}
			r.textParts(thinking)
		}
	}
}

// textParts handles reasoning sent as an array of strings or of objects
// with a "text" (MiniMax's reasoning_details,
// [{"type":"reasoning.text","text"}]; Mistral's thinking parts): each text
// is a reasoning-delta, in order.
func (r *run) textParts(parts jsonx.Value) {
	ai := parts.Array()
	for ai.Next() {
		if ai.Val().Kind() != jsonx.KindObject {
			r.text(abi.EventReasoningDelta, ai.Val())
			continue
		}
		if v, ok, _ := ai.Val().Lookup("text"); ok {
			r.text(abi.EventReasoningDelta, v)
		}
	}
}

// text emits a text-like event for a string value; it reports whether it
// emitted one. A literal without \u escapes is copied into the event as
// is (the host decodes it when it validates the event); others are
// decoded here and encoded again.
func (r *run) text(typ abi.EventType, v jsonx.Value) bool {
	if !v.Exists() {
		return false
	}
	if lit, ok := v.Literal(); ok {
		if len(lit) <= 2 {
			return false
		}
		var b []byte
		switch typ {
		case abi.EventTextDelta:
			b = append(r.sc.ev[:0], `{"type":"text-delta","text":`...)
		case abi.EventReasoningDelta:
			b = append(r.sc.ev[:0], `{"type":"reasoning-delta","text":`...)
		default:
			b = append(r.sc.ev[:0], `{"type":"`...)
			b = append(b, typ...)
			b = append(b, `","text":`...)
		}
		b = append(b, lit...)
		if typ == abi.EventRefusal {
			b = append(b, `,"source":"provider"`...)
		}
		r.sc.ev = append(b, '}')
		r.out.EmitRaw(r.sc.ev)
		return true
	}
	var ok bool
	r.sc.text, ok = EmitText(r.out, r.sc.text, typ, v)
	return ok
}

// EmitText emits a text-like event of type typ (a refusal with source
// "provider") for the JSON string value v, decoded into buf[:0]; it
// returns buf for reuse and reports whether it emitted one (not for a
// missing, null, empty or invalid string).
func EmitText(out *guest.Output, buf []byte, typ abi.EventType, v jsonx.Value) ([]byte, bool) {
	raw, null, err := v.StrOrNull()
	if !v.Exists() || null || err != nil || len(raw) == 0 {
		return buf, false
	}
	if buf, err = jsonx.Unescape(buf[:0], raw); err != nil {
		return buf, false
	}
	ev := abi.Event{Type: typ, Text: str(buf)}
	if typ == abi.EventRefusal {
		ev.Source = "provider"
	}
	out.Emit(&ev)
	return buf, true
}

func (r *run) toolDelta(ti jsonx.ObjectIter, pos int) {
	st := r.st()
	var id, name, args, argsObj []byte
	index := -1
	for ti.Next() {
		switch {
		case ti.KeyIs("index"):
			if n, err := ti.Val().Int(); err == nil && n >= 0 && n < 1<<31 {
				index = int(n)
			}
		case ti.KeyIs("id"):
			id, _ = ti.ValueStr()
		case ti.KeyIs("function"):
			fi := ti.ValueObject()
			for fi.Next() {
				switch {
				case fi.KeyIs("name"):
					name, _ = fi.ValueStr()
				case fi.KeyIs("arguments"):
					if fi.Val().Kind() == jsonx.KindObject {
						// Some hosts send the arguments as an object.
						argsObj = fi.Value()
					} else {
						args, _ = fi.ValueStr()
					}
				}
			}
		}
	}
	t := r.tool(index, id, pos)
	st.flags |= fToolCalls
	if len(id) > 0 && len(t.id) == 0 {
		t.id, _ = jsonx.Unescape(t.id[:0], id)
	}
	if len(name) > 0 && len(t.name) == 0 {
		t.name, _ = jsonx.Unescape(t.name[:0], name)
	}
	if len(argsObj) > 0 {
		r.addArgs(t, argsObj)
	} else if len(args) > 0 {
		var err error
		if r.sc.text, err = jsonx.Unescape(r.sc.text[:0], args); err == nil {
			r.addArgs(t, r.sc.text)
		}
	}
	if !t.started && len(t.name) > 0 {
		t.started = true
		if len(t.id) == 0 {
			// The host sent the name before (or without) an id: the
			// call_<index> of flushTools, kept for the whole call so that
			// tool-call-start and tool-call agree.
			t.id = strconv.AppendInt(append(t.id[:0], "call_"...), int64(t.index), 10)
		}
		ev := abi.Event{Type: abi.EventToolCallStart, Index: t.index, ID: str(t.id), Name: str(t.name)}
		r.out.Emit(&ev)
		if len(t.args) > 0 {
			ev = abi.Event{Type: abi.EventToolCallDelta, Index: t.index, Arguments: str(t.args)}
			r.out.Emit(&ev)
			if !r.whole {
				// The host holds them now (tool-call-end).
				t.args = t.args[:0]
			}
		}
	}
}

// tool finds the call a delta belongs to: by index, or, for hosts that
// omit it, a new call when the id is new and the last call otherwise. In a
// whole response the position in the array is the index.
func (r *run) tool(index int, id []byte, pos int) *toolState {
	st := r.st()
	if r.whole {
		return st.tool(pos)
	}
	if index < 0 {
		if st.n == 0 || (len(id) > 0 && string(st.tools[st.n-1].id) != string(id) && len(st.tools[st.n-1].id) > 0) {
			index = st.n
		} else {
			index = st.tools[st.n-1].index
		}
	}
	return st.tool(index)
}

// addArgs takes a piece of a call's arguments. A stream keeps only the
// pieces that come before the call starts: once started, each piece goes
// out as a tool-call-delta, and the host, which assembles the arguments
// from them, completes the call at its tool-call-end (ABI 1.4), so the
// state does not grow with the arguments.
func (r *run) addArgs(t *toolState, piece []byte) {
	if !t.started || r.whole {
		t.args = append(t.args, piece...)
	}
	if t.started {
		ev := abi.Event{Type: abi.EventToolCallDelta, Index: t.index, Arguments: str(piece)}
		r.out.Emit(&ev)
	}
}

// argsInvalid is the message of the tool_arguments_invalid error for a
// call whose arguments are not a complete JSON object.
func (r *run) argsInvalid(t *toolState) string {
	msg := r.d.Provider + ": the arguments of tool call " + strconv.Itoa(t.index) + " (" + string(t.name) + ") are not a complete JSON object"
	if string(r.st().finish) == "length" {
		return msg + ": the output token limit cut them off; raise max_output_tokens and retry"
	}
	return msg + ": the model produced malformed arguments; retry or report them to the model"
}

// flushTools emits the complete tool-call events. At the end of a broken
// stream (truncated) only calls whose arguments are whole are emitted and
// the others are left to the stream_truncated error.
func (r *run) flushTools(truncated bool) {
	st := r.st()
	for i := range st.tools[:st.n] {
		t := &st.tools[i]
		if len(t.name) == 0 {
			// Argument deltas whose opening delta (with the function
			// name) never came: the call cannot be run, and guessing a
			// name would be a silent fallback.
			if truncated {
				continue
			}
			msg := r.d.Provider + ": tool call " + strconv.Itoa(t.index) + " streamed arguments but never a function name: the stream is malformed; retry the request"
			ev := abi.Event{Type: abi.EventError, Code: abi.CodeToolArgumentsInvalid, Message: msg}
			r.out.Emit(&ev)
			continue
		}
		if !r.whole {
			// A started call of a stream: the host completes it from
			// its deltas (the arguments are not here).
			ev := abi.Event{Type: abi.EventToolCallEnd, Index: t.index, Message: r.argsInvalid(t), Truncated: truncated}
			r.out.Emit(&ev)
			continue
		}
		if truncated && guest.IsBlank(t.args) {
			continue
		}
		args, ok := guest.ToolArguments(t.args)
		if !ok {
			if truncated {
				continue
			}
			ev := abi.Event{Type: abi.EventError, Code: abi.CodeToolArgumentsInvalid, Message: r.argsInvalid(t)}
			r.out.Emit(&ev)
			continue
		}
		id := t.id
		if len(id) == 0 {
			// Some hosts send no id: a deterministic one keeps results
			// matchable.
			id = append(r.sc.msg[:0], "call_"...)
			id = strconv.AppendInt(id, int64(t.index), 10)
			r.sc.msg = id
		}
		ev := abi.Event{Type: abi.EventToolCall, Index: t.index, ID: str(id), Name: str(t.name), Arguments: str(args)}
		r.out.Emit(&ev)
	}
	st.n = 0
}

// emitFinish emits the finish event and ends the stream.
func (r *run) emitFinish() {
	st := r.st()
	raw := str(st.finish)
	var reason abi.FinishReason
	if r.d.Finish != nil {
		reason = r.d.Finish(raw)
	}
	if reason == "" {
		reason = mapFinish(raw)
	}
	if reason == abi.FinishStop || reason == abi.FinishOther {
		switch {
		case st.flags&fToolCalls != 0:
			reason = abi.FinishToolCalls
		case st.flags&fRefusal != 0:
			reason = abi.FinishRefusal
		}
	}
	ev := abi.Event{Type: abi.EventFinish, Reason: reason, RawReason: raw}
	r.out.Emit(&ev)
	st.flags |= fDone
}

func mapFinish(raw string) abi.FinishReason {
	switch raw {
	case "stop":
		return abi.FinishStop
	case "length":
		return abi.FinishLength
	case "tool_calls", "function_call":
		return abi.FinishToolCalls
	case "content_filter":
		return abi.FinishContentFilter
	}
	return abi.FinishOther
}

// streamError turns an error object inside a stream into an error event.
func (r *run) streamError(data []byte) {
	e := r.d.mapError(0, data)
	r.fail(e.Code, e.Message, e.Retryable)
}
