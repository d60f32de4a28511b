package bedrock

import (
	"encoding/binary"
	"errors"
	"sync"
	"unsafe"

	"github.com/wasmadapt/wasmadapt/guest/jsonx"
	"github.com/wasmadapt/wasmadapt/guest/think"
)

// The transform state is a compact binary record (format StateFormat):
//
//	version   byte (1)
//	flags     byte (flag* below)
//	usage     4 uvarints: input, cache read, cache write, output tokens
//	stop      bytes: the stopReason of messageStop
//	jsonTool  bytes: the forced structured-output tool's name, or empty
//	model     bytes: the model ID from the stream context
//	think     bytes: the Nova <thinking> splitter's state (guest/think), or empty
//	ntools    uvarint: tool calls started so far
//	nblocks   uvarint, then per open content block:
//	          uvarint index, byte kind, uvarint tool index,
//	          bytes id, bytes name, bytes arguments so far
//
// bytes is a uvarint length and the bytes. The host owns the record and
// passes it back on the next call of the stream.
const stateVersion = 1

const (
	flagStarted  = 1 << 0 // messageStart seen
	flagEnded    = 1 << 1 // metadata seen: the end marker
	flagFailed   = 1 << 2 // an error event was emitted
	flagJSONMode = 1 << 3 // structured output arrives as a forced tool
	flagInit     = 1 << 4 // the stream context was read
	flagStopped  = 1 << 5 // messageStop seen
	flagNova     = 1 << 6 // Amazon Nova: split a leading <thinking> block out of text
)

// Kinds of content blocks.
const (
	blockText byte = iota
	blockThinking
	blockTool
	blockJSON  // the forced structured-output tool: its input is text
	blockOther // server tools and future block types: ignored
)

type block struct {
	index   uint64
	kind    byte
	toolIdx uint64
	id      []byte
	name    []byte
	args    []byte
}

type state struct {
	// buf holds unescaped strings and arena tool arguments for the
	// duration of one call; both are reused from call to call (the state
	// is pooled) and are not part of the encoded state.
	buf, arena []byte

	flags                                 byte
	input, cacheRead, cacheCreate, output uint64
	stop                                  []byte
	jsonTool                              []byte
	model                                 []byte
	thinkState                            []byte
	thinkArr                              [think.StateSize]byte
	ntools                                uint64
	blocks                                []block
}

var errState = errors.New("bedrock: transform state is corrupt (was it produced by another module version?)")

var statePool = sync.Pool{New: func() any { return new(state) }}

// reset empties s for a new call, keeping its buffers.
func (s *state) reset() {
	*s = state{buf: s.buf[:0], arena: s.arena[:0], blocks: s.blocks[:0]}
}

// view returns b as a string without copying. The string must not outlive
// b's contents: events are encoded by guest.Output.Emit at once, and the
// buffers it may point into live until the end of the call.
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// bytes returns the decoded content of the JSON string value v: the raw
// bytes when there is no escape, else a copy unescaped into s.buf. It
// returns nil for other values. The result is valid until the call ends.
func (s *state) bytes(v []byte) []byte {
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

// str is bytes as a string view.
func (s *state) str(v []byte) string { return view(s.bytes(v)) }

// appendArgs appends p to a tool call's arguments so far. The arguments
// live at the end of s.arena (moved there first when they alias the input
// state), so a call with steady tool-argument deltas allocates nothing once
// the arena has grown.
func (s *state) appendArgs(args, p []byte) []byte {
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

func (s *state) find(index uint64) *block {
	for i := range s.blocks {
		if s.blocks[i].index == index {
			return &s.blocks[i]
		}
	}
	return nil
}

func (s *state) remove(index uint64) {
	for i := range s.blocks {
		if s.blocks[i].index == index {
			s.blocks = append(s.blocks[:i], s.blocks[i+1:]...)
			return
		}
	}
}

func appendBytes(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

func (s *state) append(dst []byte) []byte {
	dst = append(dst, stateVersion, s.flags)
	for _, v := range [...]uint64{s.input, s.cacheRead, s.cacheCreate, s.output} {
		dst = binary.AppendUvarint(dst, v)
	}
	dst = appendBytes(dst, s.stop)
	dst = appendBytes(dst, s.jsonTool)
	dst = appendBytes(dst, s.model)
	dst = appendBytes(dst, s.thinkState)
	dst = binary.AppendUvarint(dst, s.ntools)
	dst = binary.AppendUvarint(dst, uint64(len(s.blocks)))
	for _, b := range s.blocks {
		dst = binary.AppendUvarint(dst, b.index)
		dst = append(dst, b.kind)
		dst = binary.AppendUvarint(dst, b.toolIdx)
		dst = appendBytes(dst, b.id)
		dst = appendBytes(dst, b.name)
		dst = appendBytes(dst, b.args)
	}
	return dst
}

type stateReader struct {
	b   []byte
	bad bool
}

func (r *stateReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *stateReader) byte() byte {
	if len(r.b) == 0 {
		r.bad = true
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *stateReader) bytes() []byte {
	n := r.uvarint()
	if r.bad || n > uint64(len(r.b)) {
		r.bad = true
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// load decodes b into s; the byte slices alias b.
func (s *state) load(b []byte) error {
	r := stateReader{b: b}
	if r.byte() != stateVersion {
		return errState
	}
	s.flags = r.byte()
	s.input, s.cacheRead, s.cacheCreate, s.output = r.uvarint(), r.uvarint(), r.uvarint(), r.uvarint()
	s.stop = r.bytes()
	s.jsonTool = r.bytes()
	s.model = r.bytes()
	s.thinkState = r.bytes()
	s.ntools = r.uvarint()
	n := r.uvarint()
	if r.bad || n > uint64(len(r.b)) {
		return errState
	}
	s.blocks = s.blocks[:0]
	for i := uint64(0); i < n; i++ {
		var bl block
		bl.index = r.uvarint()
		bl.kind = r.byte()
		bl.toolIdx = r.uvarint()
		bl.id = r.bytes()
		bl.name = r.bytes()
		bl.args = r.bytes()
		s.blocks = append(s.blocks, bl)
	}
	if r.bad || len(r.b) != 0 {
		return errState
	}
	return nil
}
