package bedrock

import (
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstate"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstream"
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

// Flags beyond blockstream's (FlagStarted: messageStart seen; FlagEnded:
// metadata seen, the end marker).
const (
	flagStopped = blockstream.FlagOwn << 0 // messageStop seen
	flagNova    = blockstream.FlagOwn << 1 // Amazon Nova: split a leading <thinking> block out of text
)

// Kinds of content blocks.
const (
	blockText byte = iota
	blockThinking
	blockTool
	blockJSON  // the forced structured-output tool: its input is text
	blockOther // server tools and future block types: ignored
)

// dialect is what the Converse API names its own way.
var dialect = &blockstream.Dialect{
	Provider:  "bedrock",
	Limit:     "maxTokens",
	ToolBlock: "toolUse",
	ToolID:    "toolUseId",
	Usage:     [4]string{"inputTokens", "cacheReadInputTokens", "cacheWriteInputTokens", "outputTokens"},
	ToolKind:  blockTool,
	JSONKind:  blockJSON,
}

// state is the transform state: blockstream's Core (Stop is the
// stopReason of messageStop), the model ID, the Nova splitter's state and
// the text boundary.
type state struct {
	blockstream.Core
	model      []byte
	thinkState []byte
	thinkArr   [think.StateSize]byte
	boundary   byte
}

// states pools the transform states.
var states blockstream.Pool[state, *state]

// Append appends the state record to dst.
func (s *state) Append(dst []byte) []byte {
	dst = s.AppendHead(dst, stateVersion)
	dst = blockstate.AppendBytes(dst, s.JSONTool)
	dst = blockstate.AppendBytes(dst, s.model)
	dst = blockstate.AppendBytes(dst, s.thinkState)
	dst = s.AppendTail(dst)
	return append(dst, s.boundary)
}

// Load decodes b into s; the byte slices alias b.
func (s *state) Load(b []byte) error {
	r := blockstate.NewReader(b)
	version := r.Byte()
	if version != 1 && version != stateVersion {
		return dialect.CorruptState()
	}
	s.LoadHead(&r)
	s.JSONTool = r.Bytes()
	s.model = r.Bytes()
	s.thinkState = r.Bytes()
	s.LoadTail(&r)
	if version >= 2 {
		s.boundary = r.Byte()
	}
	if !r.OK() {
		return dialect.CorruptState()
	}
	return nil
}
