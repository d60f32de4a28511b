package anthropic

import (
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstate"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstream"
)

// The transform state is a compact binary record (format StateFormat):
//
//	version   byte (2)
//	flags     byte (flag* below)
//	stop      bytes: the stop_reason of message_delta
//	refusal   bytes: stop_details.explanation of a refusal, or empty
//	jsonTool  bytes: the forced structured-output tool's name, or empty
//	ntools    uvarint: tool calls started so far
//	nblocks   uvarint, then per open content block:
//	          uvarint index, byte kind, uvarint tool index,
//	          bytes id, bytes name, bytes arguments so far
//	usage     4 uvarints: input, cache read, cache creation, output tokens
//
// bytes is a uvarint length and the bytes. The host owns the record and
// passes it back on the next call of the stream. The usage comes last, so
// that what comes before it is the same in every stream at the same point
// (the text templates hold for such prefixes; see TextTemplates).
const stateVersion = 2

// Flags beyond blockstream's (FlagStarted: message_start seen; FlagEnded:
// message_stop seen, the end marker).
const (
	flagText = blockstream.FlagOwn << 0 // a text block has given text
	flagGap  = blockstream.FlagOwn << 1 // a non-text block began after the last text
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

// dialect is what the Messages API names its own way.
var dialect = &blockstream.Dialect{
	Provider:  "anthropic",
	Limit:     "max_tokens",
	ToolBlock: "tool_use",
	ToolID:    "id",
	Usage:     [4]string{"input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "output_tokens"},
	ToolKind:  blockTool,
	JSONKind:  blockJSON,
}

// state is the transform state: blockstream's Core (Stop is the
// stop_reason) and the refusal's explanation.
type state struct {
	blockstream.Core
	refusal []byte
}

// states pools the transform states.
var states blockstream.Pool[state, *state]

// Append appends the state record to dst.
func (s *state) Append(dst []byte) []byte {
	dst = s.appendPrefix(dst)
	return s.Usage.Append(dst)
}

// appendPrefix appends the state record up to the usage.
func (s *state) appendPrefix(dst []byte) []byte {
	dst = append(dst, stateVersion, s.Flags)
	dst = blockstate.AppendBytes(dst, s.Stop)
	dst = blockstate.AppendBytes(dst, s.refusal)
	dst = blockstate.AppendBytes(dst, s.JSONTool)
	return s.AppendTail(dst)
}

// Load decodes b into s; the byte slices alias b.
func (s *state) Load(b []byte) error {
	r := blockstate.NewReader(b)
	if r.Byte() != stateVersion {
		return dialect.CorruptState()
	}
	s.Flags = r.Byte()
	s.Stop = r.Bytes()
	s.refusal = r.Bytes()
	s.JSONTool = r.Bytes()
	s.LoadTail(&r)
	s.Usage = r.Usage()
	if !r.OK() {
		return dialect.CorruptState()
	}
	return nil
}
