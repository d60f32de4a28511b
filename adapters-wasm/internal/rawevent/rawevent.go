// Package rawevent writes normalized events as raw JSON for the hot path of
// the adapters that stream line-delimited JSON objects (Gemini, Ollama):
// string values are copied from the provider's JSON as they were escaped
// there (the reader validated them), so that no string is allocated. Every
// Emit function takes a scratch buffer, writes the event into buf[:0],
// hands it to guest.Output.EmitRaw and returns the buffer for reuse.
// Transform runs the common frame of those adapters' Transform calls, and
// Calls the frame of their Transform and ParseResponse methods (a pooled
// state and processor).
//
// The package compiles into each adapter module (GOOS=wasip1) and natively.
package rawevent

import (
	"strconv"
	"sync"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
	"github.com/wasmadapt/wasmadapt/guest/toolid"
)

// EmitString emits {"type":"<typ>","<key>":"<raw>"} where raw is the
// escaped content of a JSON string.
func EmitString(out *guest.Output, buf []byte, typ, key string, raw []byte) []byte {
	buf = append(buf[:0], `{"type":"`...)
	buf = append(buf, typ...)
	buf = append(buf, `","`...)
	buf = append(buf, key...)
	buf = append(buf, `":"`...)
	buf = append(buf, raw...)
	buf = append(buf, `"}`...)
	out.EmitRaw(buf)
	return buf
}

// AppendQuoted appends b, which is valid compact JSON text, as a JSON string.
// Valid JSON text has no raw control characters, so only quotes and
// backslashes need escaping.
func AppendQuoted(dst, b []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i, c := range b {
		if c == '"' || c == '\\' {
			dst = append(dst, b[start:i]...)
			dst = append(dst, '\\', c)
			start = i + 1
		}
	}
	dst = append(dst, b[start:]...)
	return append(dst, '"')
}

// CompactJSON appends src, valid JSON, without insignificant whitespace.
func CompactJSON(dst, src []byte) []byte {
	in, esc := false, false
	for _, c := range src {
		if in {
			dst = append(dst, c)
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				in = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			in = true
		}
		dst = append(dst, c)
	}
	return dst
}

// EmitToolCall emits tool-call-start, one tool-call-delta with the whole
// arguments, and tool-call; with whole set (a whole, non-streamed response)
// only tool-call. id is plain ASCII (see SafeID); name and args
// are raw (escaped string content, and compact JSON object text).
func EmitToolCall(out *guest.Output, buf []byte, whole bool, index int, id, name, args []byte) []byte {
	if !whole {
		buf = EmitToolCallStart(out, buf, index, id, name)
		buf = EmitToolCallDelta(out, buf, index, args)
	}
	return EmitToolCallEnd(out, buf, index, id, name, args)
}

// appendCallHead appends {"type":"<typ>","index":<index> to buf[:0].
func appendCallHead(buf []byte, typ string, index int) []byte {
	buf = append(buf[:0], `{"type":"`...)
	buf = append(buf, typ...)
	buf = append(buf, `","index":`...)
	return strconv.AppendInt(buf, int64(index), 10)
}

// appendIDName appends the "id" and "name" members of a tool call; id is
// plain ASCII, name raw (escaped string content).
func appendIDName(buf, id, name []byte) []byte {
	buf = append(buf, `,"id":"`...)
	buf = append(buf, id...)
	buf = append(buf, `","name":"`...)
	buf = append(buf, name...)
	return append(buf, '"')
}

// EmitToolCallStart emits tool-call-start for the call at index; id is
// plain ASCII (see SafeID), name raw (escaped string content).
func EmitToolCallStart(out *guest.Output, buf []byte, index int, id, name []byte) []byte {
	buf = appendIDName(appendCallHead(buf, "tool-call-start", index), id, name)
	buf = append(buf, '}')
	out.EmitRaw(buf)
	return buf
}

// EmitToolCallDelta emits a tool-call-delta with args, a piece of the
// call's JSON arguments text, as its arguments string.
func EmitToolCallDelta(out *guest.Output, buf []byte, index int, args []byte) []byte {
	buf = append(appendCallHead(buf, "tool-call-delta", index), `,"arguments":`...)
	buf = AppendQuoted(buf, args)
	buf = append(buf, '}')
	out.EmitRaw(buf)
	return buf
}

// EmitToolCallEnd emits tool-call with the whole arguments args (compact
// JSON object text); id and name are as for EmitToolCallStart.
func EmitToolCallEnd(out *guest.Output, buf []byte, index int, id, name, args []byte) []byte {
	buf = appendIDName(appendCallHead(buf, "tool-call", index), id, name)
	buf = append(buf, `,"arguments":`...)
	buf = AppendQuoted(buf, args)
	buf = append(buf, '}')
	out.EmitRaw(buf)
	return buf
}

// AppendID appends a provider-given tool call id to dst: as is when SafeID
// allows it, else sanitized to [A-Za-z0-9_-] (toolid.Sanitize). ok is
// false, and dst unchanged, when id is empty (the caller synthesizes one).
func AppendID(dst, id []byte) (_ []byte, ok bool) {
	switch {
	case SafeID(id):
		return append(dst, id...), true
	case len(id) > 0:
		return append(dst, toolid.Sanitize(string(id), toolid.AlnumDashUnderscore)...), true
	}
	return dst, false
}

// SafeID reports whether s may be used in an ID as is: 1 to 128 bytes of
// [A-Za-z0-9_-], as provider-given IDs must be to be used unchanged.
func SafeID(s []byte) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// EmitUsage emits a usage event with the token counts of u, in the
// canonical encoding (cache_write_input_tokens only when non-zero).
func EmitUsage(out *guest.Output, buf []byte, u *abi.Usage) []byte {
	buf = append(buf[:0], `{"type":"usage","input_tokens":`...)
	buf = strconv.AppendInt(buf, int64(u.InputTokens), 10)
	buf = append(buf, `,"output_tokens":`...)
	buf = strconv.AppendInt(buf, int64(u.OutputTokens), 10)
	buf = append(buf, `,"cached_input_tokens":`...)
	buf = strconv.AppendInt(buf, int64(u.CachedInputTokens), 10)
	buf = append(buf, `,"reasoning_tokens":`...)
	buf = strconv.AppendInt(buf, int64(u.ReasoningTokens), 10)
	if u.CacheWriteInputTokens != 0 {
		buf = append(buf, `,"cache_write_input_tokens":`...)
		buf = strconv.AppendInt(buf, int64(u.CacheWriteInputTokens), 10)
	}
	buf = append(buf, '}')
	out.EmitRaw(buf)
	return buf
}

// EmitFinish emits a finish event; raw is the escaped string content of
// the provider's reason.
func EmitFinish(out *guest.Output, buf []byte, reason abi.FinishReason, raw []byte) []byte {
	buf = append(buf[:0], `{"type":"finish","reason":"`...)
	buf = append(buf, reason...)
	buf = append(buf, `","raw_reason":"`...)
	buf = append(buf, raw...)
	buf = append(buf, `"}`...)
	out.EmitRaw(buf)
	return buf
}

// State is the transform state of a stream, kept by the host between
// calls as the record Encode writes.
type State interface {
	// Decode resets the state and reads the record b (empty at the start
	// of a stream), keeping the state's buffers.
	Decode(b []byte) error
	// Encode appends the record to dst.
	Encode(dst []byte) []byte
}

// Processor turns the chunks of one call into events.
type Processor interface {
	// Chunk handles one chunk (one JSON object): tape-backed when the host
	// sent the chunk's tape (the module imports guest/jsonx/usetape),
	// byte-backed otherwise.
	Chunk(v jsonx.Value)
	// End handles the end of the body.
	End()
}

// Emitter is the part of a processor that writes events: the call's
// output, the stream context, the scratch buffer events are written into
// (kept between calls for reuse), and the state's flag that the stream is
// over. A processor embeds it; Transform binds it to each call and drops
// the call's references after, so a pooled processor keeps none.
type Emitter struct {
	Out  *guest.Output
	Ctx  []byte
	Buf  []byte
	done *bool
}

// Bind points e at one call: its output, its stream context and the
// state's done flag (Error sets it). The buffer is kept and emptied.
func (e *Emitter) Bind(out *guest.Output, ctx []byte, done *bool) {
	e.Out, e.Ctx, e.Buf, e.done = out, ctx, e.Buf[:0], done
}

// Release drops the references Bind took; the buffer stays for reuse.
func (e *Emitter) Release() { e.Out, e.Ctx, e.done = nil, nil, nil }

// Error emits an error event and marks the stream over.
func (e *Emitter) Error(code abi.Code, msg string, retryable bool) {
	e.Out.Emit(&abi.Event{Type: abi.EventError, Code: code, Message: msg, Retryable: retryable})
	*e.done = true
}

// Start emits response-start; id and model are the escaped contents of
// JSON strings.
func (e *Emitter) Start(id, model []byte) {
	e.Buf = append(e.Buf[:0], `{"type":"response-start","id":"`...)
	e.Buf = append(e.Buf, id...)
	e.Buf = append(e.Buf, `","model":"`...)
	e.Buf = append(e.Buf, model...)
	e.Buf = append(e.Buf, `"}`...)
	e.Out.EmitRaw(e.Buf)
}

// Transform runs one Transform call: it binds e (the processor's Emitter)
// to the call with done (the state's flag that the stream is over),
// decodes st from in.State (a corrupt record is an invalid_request error),
// feeds in's chunks to p, each as jsonx.Doc(data, tape), then End when in
// carries FlagEnd, sets the encoded st as out's state, and releases e. The
// state is encoded into e's buffer, which is left empty for the next call.
// Keep st and p in a pooled object so that a call allocates nothing.
func Transform(st State, p Processor, e *Emitter, done *bool, in *abi.TransformInput, out *guest.Output) error {
	e.Bind(out, in.Context, done)
	defer e.Release()
	if err := st.Decode(in.State); err != nil {
		return abi.Wrap(abi.CodeInvalidRequest, err, "decoding the transform state")
	}
	for i := range in.Chunks {
		p.Chunk(jsonx.Doc(in.Chunks[i].Data, in.Chunks[i].Tape))
	}
	if in.Flags&abi.FlagEnd != 0 {
		p.End()
	}
	e.Buf = st.Encode(e.Buf[:0])
	out.SetState(e.Buf)
	e.Buf = e.Buf[:0]
	return nil
}

// Attacher is the processor of an adapter whose state is S: Attach points
// it at st for one call (and empties whatever it keeps between calls) and
// returns its Emitter and st's flag that the stream is over.
type Attacher[S, P any] interface {
	*P
	Processor
	Attach(st *S) (e *Emitter, done *bool)
}

// Calls runs an adapter's Transform and ParseResponse calls on its state
// S (PS is *S) and processor P (PP is *P). Transform calls take the two
// from a pool so that the steady state allocates nothing: Decode resets
// every state field and Attach binds the processor anew, so nothing of
// one call reaches the next. The zero value is ready to use.
type Calls[S, P any, PS interface {
	*S
	State
}, PP Attacher[S, P]] struct {
	pool sync.Pool
}

// scratch is the pooled state and processor of one Transform call.
type scratch[S, P any] struct {
	st S
	p  P
}

// Transform runs one Transform call (see Transform) on a pooled state and
// processor.
func (c *Calls[S, P, PS, PP]) Transform(in *abi.TransformInput, out *guest.Output) error {
	w, _ := c.pool.Get().(*scratch[S, P])
	if w == nil {
		w = new(scratch[S, P])
		e, _ := PP(&w.p).Attach(&w.st)
		e.Buf = make([]byte, 0, 512)
	}
	defer c.pool.Put(w)
	e, done := PP(&w.p).Attach(&w.st)
	return Transform(PS(&w.st), PP(&w.p), e, done, in, out)
}

// Parse runs one ParseResponse call on a new state and processor: body
// hands the whole response body to the processor (its Chunk calls), then
// End ends it.
func (c *Calls[S, P, PS, PP]) Parse(in *abi.ResponseInput, out *guest.Output, body func(p PP)) error {
	var st S
	var p P
	e, done := PP(&p).Attach(&st)
	e.Bind(out, in.Context, done)
	body(&p)
	PP(&p).End()
	return nil
}
