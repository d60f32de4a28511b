package anthropic

import (
	"encoding/binary"
	"errors"
	"sync"

	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstate"
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
	flagText     = 1 << 5 // a text block has given text
	flagGap      = 1 << 6 // a non-text block began after the last text
)

// Kinds of content blocks.
const (
	blockText byte = iota
	blockThinking
	blockRedacted
	blockTool
	blockJSON  // the forced structured-output tool: its input is text
	blockOther // server tool results and future block types
	// blockServerTool is a server_tool_use block: ID, Name and the input
	// so far (Args), emitted as server-tool-call when it stops.
	blockServerTool
	// blockMCPTool is an mcp_tool_use block: ID, Name (the server name,
	// a NUL byte, the tool name) and the input so far (Args), emitted as
	// server-tool-call "mcp" when it stops.
	blockMCPTool
)

type state struct {
	// Scratch holds unescaped strings and arena tool arguments for the
	// duration of one call; it is reused from call to call (the state is
	// pooled) and is not part of the encoded state.
	blockstate.Scratch

	flags    byte
	usage    blockstate.Usage
	stop     []byte
	refusal  []byte
	jsonTool []byte
	ntools   uint64
	blocks   blockstate.Blocks
}

var errState = errors.New("anthropic: transform state is corrupt (was it produced by another module version?)")

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
	dst = blockstate.AppendBytes(dst, s.refusal)
	dst = blockstate.AppendBytes(dst, s.jsonTool)
	dst = binary.AppendUvarint(dst, s.ntools)
	dst = blockstate.AppendBlocks(dst, s.blocks)
	return dst
}

// load decodes b into s; the byte slices alias b.
func (s *state) load(b []byte) error {
	r := blockstate.NewReader(b)
	if r.Byte() != stateVersion {
		return errState
	}
	s.flags = r.Byte()
	s.usage = r.Usage()
	s.stop = r.Bytes()
	s.refusal = r.Bytes()
	s.jsonTool = r.Bytes()
	s.ntools = r.Uvarint()
	s.blocks = r.Blocks(s.blocks)
	if !r.OK() {
		return errState
	}
	return nil
}
