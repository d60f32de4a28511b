package openaicompatible

import (
	"encoding/binary"
	"strconv"
	"sync"
	"unsafe"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstate"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
	"github.com/wasmadapt/wasmadapt/guest/think"
	"github.com/wasmadapt/wasmadapt/guest/toolid"
)

// Flags of the wrapper state.
const (
	fEmulated = 1 << iota // emulated tool calling
	fThink                // inline think splitting
	fThinkIn              // the response starts inside a think block
	fDecided              // emulated: the reply's first non-space character was seen
	fHolding              // emulated: the reply is held (a possible envelope)
	fUsage                // emulated: a usage event is held
	fOver                 // a finish or error passed: the stream is over
)

const stateVersion = 1

// wstate is this module's part of the transform state; the chatcompletions
// state follows it.
type wstate struct {
	flags  uint8
	split  think.Splitter
	held   []byte // emulated: the held reply text
	respID []byte
	tools  []byte // the request's tool names, each followed by 0
	usage  abi.Usage
	inner  []byte // aliases the input state
}

type scratch struct {
	st     wstate
	inner  guest.Output
	pieces []think.Piece
	text   []byte
	names  [][]byte
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func str(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func (s *wstate) splitter() error {
	sp, err := think.New(think.Options{StartInReasoning: s.flags&fThinkIn != 0, TrimSpaceAfterClose: true})
	s.split = sp
	return err
}

func (s *wstate) decode(b []byte) bool {
	if len(b) < 2+think.StateSize || b[0] != stateVersion {
		return false
	}
	s.flags = b[1]
	if s.splitter() != nil || s.split.LoadState(b[2:2+think.StateSize]) != nil {
		return false
	}
	b = b[2+think.StateSize:]
	var v []byte
	var ok bool
	if v, b, ok = blockstate.ReadBytes(b); !ok {
		return false
	}
	s.held = append(s.held[:0], v...)
	if v, b, ok = blockstate.ReadBytes(b); !ok {
		return false
	}
	s.respID = append(s.respID[:0], v...)
	if v, b, ok = blockstate.ReadBytes(b); !ok {
		return false
	}
	s.tools = append(s.tools[:0], v...)
	for _, p := range []*int{&s.usage.InputTokens, &s.usage.OutputTokens, &s.usage.CachedInputTokens, &s.usage.ReasoningTokens} {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > 1<<40 {
			return false
		}
		*p, b = int(n), b[k:]
	}
	s.inner = b
	return true
}

func (s *wstate) encode(dst, inner []byte) []byte {
	dst = append(dst, stateVersion, s.flags)
	dst = s.split.AppendState(dst)
	dst = blockstate.AppendBytes(dst, s.held)
	dst = blockstate.AppendBytes(dst, s.respID)
	dst = blockstate.AppendBytes(dst, s.tools)
	for _, n := range []int{s.usage.InputTokens, s.usage.OutputTokens, s.usage.CachedInputTokens, s.usage.ReasoningTokens} {
		dst = binary.AppendUvarint(dst, uint64(n))
	}
	return append(dst, inner...)
}

// fromContext starts a stream: the modes and the tool names come from the
// stream context (the request without messages); an empty context means
// the defaults (think splitting on, native tools).
func (s *wstate) fromContext(ctx []byte) error {
	s.flags = fThink
	s.held, s.respID, s.tools = s.held[:0], s.respID[:0], s.tools[:0]
	s.usage = abi.Usage{}
	s.inner = nil
	it := jsonx.Object(ctx)
	for len(ctx) > 0 && it.Next() {
		switch {
		case it.KeyIs("model"):
			if raw, err := it.ValueStr(); err == nil {
				if _, emulated, _ := ParseModel(string(raw)); emulated {
					s.flags |= fEmulated
				}
			}
		case it.KeyIs("tools"):
			if jsonx.KindOf(it.Value()) == jsonx.KindArray {
				ai := it.ValueArray()
				for ai.Next() {
					if v, ok, _ := jsonx.Lookup(ai.Value(), "name"); ok {
						if raw, err := jsonx.Str(v); err == nil {
							s.tools = append(append(s.tools, raw...), 0)
						}
					}
				}
			}
		case it.KeyIs("provider_options"):
			oi := it.ValueObject()
			for jsonx.KindOf(it.Value()) == jsonx.KindObject && oi.Next() {
				switch {
				case oi.KeyIs("tool_mode"):
					if raw, err := oi.ValueStr(); err == nil && string(raw) == ToolModeEmulated {
						s.flags |= fEmulated
					}
				case oi.KeyIs("think"):
					if string(oi.Value()) == "false" {
						s.flags &^= fThink
					}
				case oi.KeyIs("think_start_in_reasoning"):
					if string(oi.Value()) == "true" {
						s.flags |= fThinkIn
					}
				}
			}
		}
	}
	if len(ctx) > 0 && it.Err() != nil {
		return abi.Errorf(abi.CodeInvalidRequest, "%s: the stream context is not a JSON object: %v", Provider, it.Err())
	}
	return s.splitter()
}

type run struct {
	sc  *scratch
	out *guest.Output
}

func (r *run) st() *wstate { return &r.sc.st }

// Transform runs the chatcompletions transform and rewrites its events:
// think splitting of text deltas and, in emulated mode, the held reply.
func (a *Adapter) Transform(in *abi.TransformInput, out *guest.Output) error {
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	st := &sc.st
	if len(in.State) == 0 {
		if err := st.fromContext(in.Context); err != nil {
			return err
		}
	} else if !st.decode(in.State) {
		return abi.Errorf(abi.CodeInvalidRequest, "transform state is not %s state: the stream was started by another module version; restart it", StateFormat)
	}
	inner := *in
	inner.State = st.inner
	sc.inner.Reset()
	if err := a.inner.Transform(&inner, &sc.inner); err != nil {
		return err
	}
	r := run{sc: sc, out: out}
	r.events(sc.inner.Events())
	out.SetState(st.encode(out.State()[:0], sc.inner.State()))
	return nil
}

// ParseResponse runs the chatcompletions parser and rewrites its events as
// Transform does.
func (a *Adapter) ParseResponse(in *abi.ResponseInput, out *guest.Output) error {
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	if err := sc.st.fromContext(in.Context); err != nil {
		return err
	}
	sc.inner.Reset()
	if err := a.inner.ParseResponse(in, &sc.inner); err != nil {
		return err
	}
	r := run{sc: sc, out: out}
	r.events(sc.inner.Events())
	return nil
}

// events rewrites the inner events, one JSON object per line.
func (r *run) events(evs []byte) {
	for len(evs) > 0 {
		line := evs
		if i := indexByte(evs, '\n'); i >= 0 {
			line, evs = evs[:i], evs[i+1:]
		} else {
			evs = nil
		}
		if len(line) > 0 {
			r.event(line)
		}
	}
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func (r *run) event(line []byte) {
	st := r.st()
	var typ, text, id, rawReason []byte
	var usage abi.Usage
	it := jsonx.TrustedObject(line)
	for it.Next() {
		switch {
		case it.KeyIs("type"):
			typ, _ = it.ValueStr()
		case it.KeyIs("text"):
			text, _ = it.ValueStr()
		case it.KeyIs("id"):
			id, _ = it.ValueStr()
		case it.KeyIs("raw_reason"):
			rawReason, _ = it.ValueStr()
		case it.KeyIs("input_tokens"):
			usage.InputTokens = intOf(it.Value())
		case it.KeyIs("output_tokens"):
			usage.OutputTokens = intOf(it.Value())
		case it.KeyIs("cached_input_tokens"):
			usage.CachedInputTokens = intOf(it.Value())
		case it.KeyIs("reasoning_tokens"):
			usage.ReasoningTokens = intOf(it.Value())
		}
	}
	switch string(typ) {
	case "response-start":
		st.respID, _ = jsonx.Unescape(st.respID[:0], id)
		r.out.EmitRaw(line)
	case "text-delta":
		r.sc.text, _ = jsonx.Unescape(r.sc.text[:0], text)
		if st.flags&fThink == 0 {
			r.textOut(r.sc.text)
			return
		}
		r.sc.pieces = st.split.Feed(r.sc.pieces[:0], str(r.sc.text))
		r.pieces()
	case "usage":
		if st.flags&fEmulated != 0 {
			st.usage = usage
			st.flags |= fUsage
			return
		}
		r.out.EmitRaw(line)
	case "finish":
		r.flushThink()
		if st.flags&fEmulated != 0 {
			r.resolve(line, rawReason)
		} else {
			r.out.EmitRaw(line)
		}
		st.flags |= fOver
	case "error":
		r.flushThink()
		if st.flags&fEmulated != 0 && st.flags&fOver == 0 {
			if st.flags&fHolding == 0 || !mentionsEnvelope(st.held) {
				r.emitText(st.held)
			}
			st.held = st.held[:0]
			r.emitUsage()
		}
		r.out.EmitRaw(line)
		st.flags |= fOver
	default:
		r.out.EmitRaw(line)
	}
}

func intOf(v []byte) int {
	n, err := jsonx.Int(v)
	if err != nil || n < 0 || n > 1<<40 {
		return 0
	}
	return int(n)
}

func mentionsEnvelope(b []byte) bool {
	const key = `"tool_calls"`
	for i := 0; i+len(key) <= len(b); i++ {
		if string(b[i:i+len(key)]) == key {
			return true
		}
	}
	return false
}

// pieces routes the splitter's pieces: reasoning out, text on.
func (r *run) pieces() {
	for _, p := range r.sc.pieces {
		if p.Kind == think.Reasoning {
			ev := abi.Event{Type: abi.EventReasoningDelta, Text: p.Text}
			r.out.Emit(&ev)
			continue
		}
		r.textOut(unsafe.Slice(unsafe.StringData(p.Text), len(p.Text)))
	}
}

func (r *run) flushThink() {
	st := r.st()
	if st.flags&fThink == 0 {
		return
	}
	r.sc.pieces = st.split.Finish(r.sc.pieces[:0])
	r.pieces()
}

func (r *run) emitText(t []byte) {
	if len(t) == 0 {
		return
	}
	ev := abi.Event{Type: abi.EventTextDelta, Text: str(t)}
	r.out.Emit(&ev)
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

// textOut emits text, or in emulated mode holds it while it may be a
// tool-call envelope.
func (r *run) textOut(t []byte) {
	st := r.st()
	switch {
	case st.flags&fEmulated == 0 || st.flags&(fDecided|fHolding) == fDecided:
		r.emitText(t)
	case st.flags&fHolding != 0:
		st.held = append(st.held, t...)
	default:
		st.held = append(st.held, t...)
		for _, c := range st.held {
			if isSpace(c) {
				continue
			}
			st.flags |= fDecided
			if c == '{' || c == '`' {
				st.flags |= fHolding
			} else {
				r.emitText(st.held)
				st.held = st.held[:0]
			}
			return
		}
	}
}

func (r *run) emitUsage() {
	st := r.st()
	if st.flags&fUsage == 0 {
		return
	}
	st.flags &^= fUsage
	ev := abi.Event{Type: abi.EventUsage, Usage: st.usage}
	r.out.Emit(&ev)
}

// resolve ends an emulated-mode response at its finish: the held reply
// becomes tool calls, text or the error emulation_parse_failed.
func (r *run) resolve(finish, rawReason []byte) {
	st := r.st()
	held := st.held
	st.held = st.held[:0]
	if st.flags&fHolding == 0 {
		r.emitText(held) // whitespace only
		r.emitUsage()
		r.out.EmitRaw(finish)
		return
	}
	r.sc.names = r.sc.names[:0]
	for t := st.tools; len(t) > 0; {
		i := indexByte(t, 0)
		if i < 0 {
			break
		}
		r.sc.names = append(r.sc.names, t[:i])
		t = t[i+1:]
	}
	calls, v, reason := parseReply(held, r.sc.names)
	switch v {
	case verdictText:
		r.emitText(held)
		r.emitUsage()
		r.out.EmitRaw(finish)
	case verdictMalformed:
		r.emitUsage()
		msg := Provider + ": the model's emulated tool call could not be parsed: " + reason
		if string(rawReason) == "length" {
			msg += " (the output token limit cut the reply off: raise max_output_tokens)"
		}
		msg += "; the reply was " + strconv.Itoa(len(held)) + " bytes; retry, or use a model with native tool calling"
		ev := abi.Event{Type: abi.EventError, Code: abi.CodeEmulationParseFailed, Message: msg}
		r.out.Emit(&ev)
	case verdictToolCalls:
		key := string(st.respID)
		if key == "" {
			key = string(held)
		}
		for i, c := range calls {
			r.sc.text, _ = jsonx.Unescape(r.sc.text[:0], c.name)
			ev := abi.Event{Type: abi.EventToolCall, Index: i, ID: toolid.Synthesize("call_", key, i), Name: str(r.sc.text), Arguments: str(c.args)}
			r.out.Emit(&ev)
		}
		r.emitUsage()
		r.sc.text, _ = jsonx.Unescape(r.sc.text[:0], rawReason)
		ev := abi.Event{Type: abi.EventFinish, Reason: abi.FinishToolCalls, RawReason: str(r.sc.text)}
		r.out.Emit(&ev)
	}
}
