package anthropic

import (
	"encoding/binary"
	"errors"
)

// The transform state is a compact binary record (format StateFormat):
//
//	version   byte (1)
//	flags     byte (flag* below)
//	usage     4 uvarints: input, cache read, cache creation, output tokens
//	stop      bytes: the stop_reason of message_delta
//	refusal   bytes: stop_details.explanation of a refusal, or empty
//	jsonTool  bytes: the forced structured-output tool's name, or empty
//	ntools    uvarint: tool calls started so far
//	nblocks   uvarint, then per open content block:
//	          uvarint index, byte kind, uvarint tool index,
//	          bytes id, bytes name, bytes arguments so far
//
// bytes is a uvarint length and the bytes. The host owns the record and
// passes it back on the next call of the stream.
const stateVersion = 1

const (
	flagStarted  = 1 << 0 // message_start seen
	flagEnded    = 1 << 1 // message_stop seen: the end marker
	flagFailed   = 1 << 2 // an error event was emitted
	flagJSONMode = 1 << 3 // structured output arrives as a forced tool
	flagInit     = 1 << 4 // the stream context was read
)

// Kinds of content blocks.
const (
	blockText byte = iota
	blockThinking
	blockRedacted
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
	flags                                 byte
	input, cacheRead, cacheCreate, output uint64
	stop                                  []byte
	refusal                               []byte
	jsonTool                              []byte
	ntools                                uint64
	blocks                                []block
}

var errState = errors.New("anthropic: transform state is corrupt (was it produced by another module version?)")

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
	dst = appendBytes(dst, s.refusal)
	dst = appendBytes(dst, s.jsonTool)
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
	s.refusal = r.bytes()
	s.jsonTool = r.bytes()
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
