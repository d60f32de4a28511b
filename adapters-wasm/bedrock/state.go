package bedrock

import (
	"encoding/binary"
	"errors"
	"sync"

	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstate"
	"github.com/wasmadapt/wasmadapt/guest/think"
)

// The transform state is a compact binary record (format StateFormat):
//
//	version   byte (2)
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
//	boundary  byte: text boundary bits (boundary* below); absent in
//	          version 1 records, which load as 0
//
// bytes is a uvarint length and the bytes. The host owns the record and
// passes it back on the next call of the stream.
const stateVersion = 2

// Text boundary bits (see state.emitText).
const (
	boundaryText = 1 << 0 // text has been emitted
	boundaryGap  = 1 << 1 // a block other than text began after it
)

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

type state struct {
	// Scratch holds unescaped strings and arena tool arguments for the
	// duration of one call; it is reused from call to call (the state is
	// pooled) and is not part of the encoded state.
	blockstate.Scratch

	flags      byte
	usage      blockstate.Usage
	stop       []byte
	jsonTool   []byte
	model      []byte
	thinkState []byte
	thinkArr   [think.StateSize]byte
	ntools     uint64
	blocks     blockstate.Blocks
	boundary   byte
}

var errState = errors.New("bedrock: transform state is corrupt (was it produced by another module version?)")

var statePool = sync.Pool{New: func() any { return new(state) }}

// reset empties s for a new call, keeping its buffers.
func (s *state) reset() {
	sc := s.Scratch
	sc.Reset()
	*s = state{Scratch: sc, blocks: s.blocks[:0]}
}

func (s *state) append(dst []byte) []byte {
	dst = append(dst, stateVersion, s.flags)
	dst = s.usage.Append(dst)
	dst = blockstate.AppendBytes(dst, s.stop)
	dst = blockstate.AppendBytes(dst, s.jsonTool)
	dst = blockstate.AppendBytes(dst, s.model)
	dst = blockstate.AppendBytes(dst, s.thinkState)
	dst = binary.AppendUvarint(dst, s.ntools)
	dst = blockstate.AppendBlocks(dst, s.blocks)
	dst = append(dst, s.boundary)
	return dst
}

// load decodes b into s; the byte slices alias b.
func (s *state) load(b []byte) error {
	r := blockstate.NewReader(b)
	version := r.Byte()
	if version != 1 && version != stateVersion {
		return errState
	}
	s.flags = r.Byte()
	s.usage = r.Usage()
	s.stop = r.Bytes()
	s.jsonTool = r.Bytes()
	s.model = r.Bytes()
	s.thinkState = r.Bytes()
	s.ntools = r.Uvarint()
	s.blocks = r.Blocks(s.blocks)
	if version >= 2 {
		s.boundary = r.Byte()
	}
	if !r.OK() {
		return errState
	}
	return nil
}
