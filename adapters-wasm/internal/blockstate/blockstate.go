// Package blockstate holds the content-block stream state shared by the
// adapters whose providers stream indexed content blocks (Anthropic's
// Messages API and Bedrock's Converse API): the per-call scratch buffers
// that unescape strings and accumulate tool arguments without allocating
// once grown, the open blocks of a stream, and the binary encoding of both
// in the host-owned transform state. Its byte-string encoding
// (AppendBytes, ReadBytes) is also that of the Chat Completions states
// (packages chatcompletions and openai-compatible).
//
// The package compiles into each adapter module (GOOS=wasip1) and natively.
// Nothing here uses encoding/json or allocates on the per-chunk path once
// the pooled buffers have grown.
package blockstate

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"unsafe"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/rawevent"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// View returns b as a string without copying. The string must not outlive
// b's contents: events are encoded by guest.Output.Emit at once, and the
// buffers it may point into live until the end of the call.
func View(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// Block is one open content block of a stream. Kind is the adapter's own
// block-kind code (the adapters number their kinds differently); it is
// stored as one byte.
type Block struct {
	Index   uint64 // the provider's content-block index
	Kind    byte   // the adapter's block kind
	ToolIdx uint64 // the normalized tool-call index, for tool blocks
	ID      []byte // the tool call's ID, for tool blocks
	Name    []byte // the tool's name, for tool blocks
	// Args are the input so far of a block whose input the adapter
	// emits whole (a server tool call); empty for tool and json blocks,
	// whose input goes out piece by piece (ArgsDelta).
	Args []byte
}

// Blocks is the list of open content blocks of a stream.
type Blocks []Block

// Find returns the open block with the provider index, or nil. The pointer
// is valid until the list is next changed.
func (bs Blocks) Find(index uint64) *Block {
	for i := range bs {
		if bs[i].Index == index {
			return &bs[i]
		}
	}
	return nil
}

// Remove drops the open block with the provider index, if any.
func (bs *Blocks) Remove(index uint64) {
	l := *bs
	for i := range l {
		if l[i].Index == index {
			*bs = append(l[:i], l[i+1:]...)
			return
		}
	}
}

// Scratch holds the buffers of one call: unescaped strings and arena tool
// arguments. Both are reused from call to call (the adapters pool their
// state) and are not part of the encoded state. The zero value is ready.
type Scratch struct {
	buf, arena []byte
}

// Reset empties s for a new call, keeping its buffers.
func (s *Scratch) Reset() { s.buf, s.arena = s.buf[:0], s.arena[:0] }

// Bytes returns the decoded content of the JSON string value v: the raw
// bytes when there is no escape, else a copy unescaped into s's buffer. It
// returns nil for other values. The result is valid until the call ends.
func (s *Scratch) Bytes(v []byte) []byte {
	raw, err := jsonx.Str(v)
	if err != nil || !jsonx.HasEscape(raw) {
		return raw
	}
	start := len(s.buf)
	if s.buf, err = jsonx.Unescape(s.buf, raw); err != nil {
		s.buf = s.buf[:start]
		return nil
	}
	return s.buf[start:len(s.buf):len(s.buf)]
}

// Str is Bytes as a string view (see View).
func (s *Scratch) Str(v []byte) string { return View(s.Bytes(v)) }

// AppendArgs appends p to a tool call's arguments so far and returns the
// result. The arguments live at the end of s's arena (moved there first
// when they alias the input state), so a call with steady tool-argument
// deltas allocates nothing once the arena has grown.
func (s *Scratch) AppendArgs(args, p []byte) []byte {
	n := len(s.arena)
	if len(args) == 0 || n < len(args) || &s.arena[n-len(args)] != &args[0] {
		n = len(s.arena)
		s.arena = append(s.arena, args...)
	} else {
		n -= len(args)
	}
	s.arena = append(s.arena, p...)
	return s.arena[n:len(s.arena):len(s.arena)]
}

// AppendBytes appends b to dst as a uvarint length and the bytes.
func AppendBytes(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

// AppendBlocks appends the open blocks to dst: a uvarint count, then per
// block uvarint index, byte kind, uvarint tool index, and the ID, name and
// arguments each as AppendBytes writes them.
func AppendBlocks(dst []byte, bs Blocks) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(bs)))
	for _, b := range bs {
		dst = binary.AppendUvarint(dst, b.Index)
		dst = append(dst, b.Kind)
		dst = binary.AppendUvarint(dst, b.ToolIdx)
		dst = AppendBytes(dst, b.ID)
		dst = AppendBytes(dst, b.Name)
		dst = AppendBytes(dst, b.Args)
	}
	return dst
}

// TextBoundary keeps apart text blocks that another block separates, for
// streams and whole responses alike: text blocks that follow one another
// directly are one text, joined as they are; when a block of another kind
// (reasoning, a tool call, a server tool and its result) sits between two
// text blocks, a text-delta "\n\n" comes before the later block's first
// text, so that the two do not run together. Text and Gap are the two bits
// of the adapter's state byte that record it: text was emitted, and a
// block other than text began after it.
type TextBoundary struct{ Text, Gap byte }

// Other notes in *bits that a block other than text began.
func (tb TextBoundary) Other(bits *byte) {
	if *bits&tb.Text != 0 {
		*bits |= tb.Gap
	}
}

// BeforeText notes in *bits that text is about to be emitted, and reports
// whether a block other than text came between it and earlier text: then
// EmitParagraph goes first. It makes no call, so that it inlines on the
// per-chunk path.
func (tb TextBoundary) BeforeText(bits *byte) (paragraph bool) {
	paragraph = *bits&(tb.Text|tb.Gap) == tb.Text|tb.Gap
	*bits = *bits&^tb.Gap | tb.Text
	return paragraph
}

// EmitParagraph emits the "\n\n" text-delta that keeps separated text
// blocks apart (see TextBoundary).
func EmitParagraph(out *guest.Output) {
	out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: "\n\n"})
}

// Reader decodes a state record. A read past the end or a malformed value
// marks the reader bad and returns a zero value; check Bad (or OK) once at
// the end.
type Reader struct {
	b   []byte
	bad bool
}

// NewReader returns a Reader of b. Byte slices it returns alias b.
func NewReader(b []byte) Reader { return Reader{b: b} }

// Bad reports whether a read failed.
func (r *Reader) Bad() bool { return r.bad }

// OK reports whether every read succeeded and the record was read to its end.
func (r *Reader) OK() bool { return !r.bad && len(r.b) == 0 }

// Uvarint reads a uvarint.
func (r *Reader) Uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if len(r.b) == 0 {
		r.bad = true
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// Bytes reads bytes written by AppendBytes. The result aliases the record.
func (r *Reader) Bytes() []byte {
	v, rest, ok := ReadBytes(r.b)
	if r.bad || !ok {
		r.bad = true
		return nil
	}
	r.b = rest
	return v
}

// ReadBytes reads bytes written by AppendBytes from the front of b: the
// bytes (aliasing b, their capacity capped at their length) and the rest
// of b. ok is false, and v and rest nil, when b does not start with a
// whole uvarint length and that many bytes.
func ReadBytes(b []byte) (v, rest []byte, ok bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return nil, nil, false
	}
	end := k + int(n)
	return b[k:end:end], b[end:], true
}

// Blocks reads blocks written by AppendBlocks into dst[:0] and returns it.
// A count larger than the bytes left marks the reader bad.
func (r *Reader) Blocks(dst Blocks) Blocks {
	n := r.Uvarint()
	if r.bad || n > uint64(len(r.b)) {
		r.bad = true
		return dst[:0]
	}
	dst = dst[:0]
	for i := uint64(0); i < n; i++ {
		var bl Block
		bl.Index = r.Uvarint()
		bl.Kind = r.Byte()
		bl.ToolIdx = r.Uvarint()
		bl.ID = r.Bytes()
		bl.Name = r.Bytes()
		bl.Args = r.Bytes()
		dst = append(dst, bl)
	}
	return dst
}

// EmitToolCall emits the complete tool call, or an error event
// (tool_arguments_invalid) when the arguments are not a JSON object, as when
// a call was cut off by the output-token limit. provider prefixes the
// message ("anthropic") and limit names the provider's limit parameter
// ("max_tokens").
func EmitToolCall(out *guest.Output, provider, limit string, index int, id, name string, args []byte) {
	args, ok := guest.ToolArguments(bytes.TrimSpace(args))
	if !ok {
		out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeToolArgumentsInvalid, Message: argsInvalid(provider, limit, id, name)})
		return
	}
	out.Emit(&abi.Event{Type: abi.EventToolCall, Index: index, ID: id, Name: name, Arguments: View(args)})
}

// EndToolCall ends a streamed tool call whose arguments went out as
// tool-call-delta events (ArgsDelta) with tool-call-end (ABI 1.4): the
// host completes it into the tool call, or into the error EmitToolCall
// would emit, so the stream state never holds the arguments.
func EndToolCall(out *guest.Output, provider, limit string, index int, id, name string) {
	out.Emit(&abi.Event{Type: abi.EventToolCallEnd, Index: index, Message: argsInvalid(provider, limit, id, name)})
}

// argsInvalid is the message of the tool_arguments_invalid error of a call
// whose arguments are not a complete JSON object.
func argsInvalid(provider, limit, id, name string) string {
	return provider + ": the arguments of tool call " + strconv.Quote(id) + " (" + name + ") are not a complete JSON object; the call was probably cut off by " + limit
}

// Preview quotes at most the first 64 bytes of b for an error message.
func Preview(b []byte) string {
	if len(b) > 64 {
		return strconv.Quote(string(b[:64])) + "..."
	}
	return strconv.Quote(string(b))
}

// Uint reads a JSON integer that must not be negative; ok is false for
// anything else.
func Uint(v []byte) (n uint64, ok bool) {
	i, err := jsonx.Int(v)
	if err != nil || i < 0 {
		return 0, false
	}
	return uint64(i), true
}

// NonEmptyObject returns v without insignificant whitespace when it is a
// JSON object with at least one member, else nil (for {}, other values and
// nothing): a tool call's input when it arrives whole.
func NonEmptyObject(v []byte) []byte {
	if len(v) == 0 || jsonx.KindOf(v) != jsonx.KindObject {
		return nil
	}
	it := jsonx.Object(v)
	if !it.Next() {
		return nil // {}
	}
	return rawevent.CompactJSON(nil, v)
}

// Context is what both adapters take from the stream context
// (Request.Context as JSON), unescaped into new slices.
type Context struct {
	Model    []byte
	HasModel bool   // the context has a "model" member
	RFType   []byte // response_format.type
	RFName   []byte // response_format.name
}

// StreamContext reads ctx. It runs once per stream.
func StreamContext(ctx []byte) Context {
	var c Context
	it := jsonx.Object(ctx)
	for it.Next() {
		switch {
		case it.KeyIs("model"):
			c.Model, _ = jsonx.AppendUnescaped(nil, it.Value())
			c.HasModel = true
		case it.KeyIs("response_format"):
			rf := jsonx.Object(it.Value())
			for rf.Next() {
				switch {
				case rf.KeyIs("type"):
					c.RFType, _ = jsonx.AppendUnescaped(nil, rf.Value())
				case rf.KeyIs("name"):
					c.RFName, _ = jsonx.AppendUnescaped(nil, rf.Value())
				}
			}
		}
	}
	return c
}

// ArgsDelta handles a piece p of a tool call's input for the open block b:
// for a block of kind tool it is emitted as a tool-call-delta (the host
// assembles the arguments; EndToolCall ends the call); for a block of kind
// json (the forced structured-output tool, whose input is the answer) it is
// emitted as text-delta; other blocks ignore it. Neither keeps p: the
// state does not grow with the arguments.
func (s *Scratch) ArgsDelta(out *guest.Output, b *Block, p []byte, tool, json byte) {
	switch b.Kind {
	case tool:
		out.Emit(&abi.Event{Type: abi.EventToolCallDelta, Index: int(b.ToolIdx), Arguments: View(p)})
	case json:
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: View(p)})
	}
}

// Usage is the token usage of a stream as both APIs report it.
type Usage struct {
	Input, CacheRead, CacheCreate, Output uint64
}

// Append appends u to a state record: four uvarints in field order.
func (u *Usage) Append(dst []byte) []byte {
	for _, v := range [...]uint64{u.Input, u.CacheRead, u.CacheCreate, u.Output} {
		dst = binary.AppendUvarint(dst, v)
	}
	return dst
}

// Usage reads a Usage written by Usage.Append.
func (r *Reader) Usage() Usage {
	return Usage{Input: r.Uvarint(), CacheRead: r.Uvarint(), CacheCreate: r.Uvarint(), Output: r.Uvarint()}
}

// Emit emits the usage event: input tokens count the cached and
// cache-written ones too, as the normalized usage does; the cache writes
// are also cache_write_input_tokens.
func (u *Usage) Emit(out *guest.Output) {
	out.Emit(&abi.Event{Type: abi.EventUsage, Usage: abi.Usage{
		InputTokens:           int(u.Input + u.CacheRead + u.CacheCreate),
		OutputTokens:          int(u.Output),
		CachedInputTokens:     int(u.CacheRead),
		CacheWriteInputTokens: int(u.CacheCreate),
	}})
}
