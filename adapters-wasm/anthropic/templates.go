package anthropic

import (
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstate"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstream"
)

// How many templates of each kind the adapter declares, abi.MaxTextTemplates
// in all: text templates for block indices 0 up to templateBlocks
// (exclusive), and tool templates for tool calls 0 up to toolTemplateCalls
// (exclusive), each after 0, 1 or 2 other blocks (toolTemplateOffsets),
// with and without text before it.
const (
	templateBlocks      = 16
	toolTemplateCalls   = 8
	toolTemplateOffsets = 3
)

// textTemplates are the adapter's templates (see TextTemplates), built
// once.
var textTemplates = append(buildTextTemplates(), buildToolTemplates()...)

// TextTemplates implements guest.TextTemplater (ABI 1.7 templates).
//
// Text: the plain text chunks of a stream, one template per block index
// below templateBlocks. Each holds for the state of a started message (its
// context read) whose only open block is a text block of that index that
// has given text, with no paragraph pending (no other block began since),
// no tool call started, no stop reason, refusal or structured-output tool:
// the state before its usage, which varies from stream to stream
// (TextTemplate.StatePrefix). In that state, a content_block_delta of that
// index whose delta is a text_delta and nothing else gives the text-delta
// of its text and leaves the state as it is: what Handle does with it
// (emitText, with no paragraph to emit).
//
// Tool calls: the argument pieces of a streamed tool_use block (see
// buildToolTemplates). The data's "type" is what Handle reads, so the SSE
// event name a template names changes nothing.
func (Adapter) TextTemplates() []abi.TextTemplate { return textTemplates }

// buildToolTemplates returns the tool-call-delta templates: tool call k
// (below toolTemplateCalls) streamed in block k+offset (offset below
// toolTemplateOffsets: the thinking and text blocks before the first
// call), the only open block, with text before it or not, no stop reason,
// refusal or structured-output tool. The state prefix ends with the
// block's tool index: what follows (the call's id and name, kept for its
// tool-call-end, and the usage) varies from stream to stream and changes
// nothing Handle does with an argument piece. In that state a
// content_block_delta of that block whose delta is an input_json_delta
// and nothing else gives the tool-call-delta of call k with the piece
// (none when it is empty) and leaves the state as it is: what Handle does
// with it (ArgsDelta).
func buildToolTemplates() []abi.TextTemplate {
	ts := make([]abi.TextTemplate, 0, 2*toolTemplateOffsets*toolTemplateCalls)
	for _, flags := range []byte{0, flagText | flagGap} {
		for off := range uint64(toolTemplateOffsets) {
			for k := range uint64(toolTemplateCalls) {
				s := state{Core: blockstream.Core{Flags: blockstream.FlagStarted | blockstream.FlagInit | flags, NTools: k + 1,
					Blocks: blockstate.Blocks{{Index: k + off, Kind: blockTool, ToolIdx: k}}}}
				st := s.appendPrefix(nil)
				st = st[:len(st)-3] // the empty id, name and arguments
				ts = append(ts, abi.TextTemplate{Event: "content_block_delta", State: st, StatePrefix: true,
					Emit: abi.EventToolCallDelta, Index: int(k), Data: blockDeltaShape(k+off, "input_json_delta", "partial_json")})
			}
		}
	}
	return ts
}

// blockDeltaShape is the shape of a content_block_delta of block index
// whose delta is of type typ and has the text field and nothing else.
func blockDeltaShape(index uint64, typ, field string) *abi.Shape {
	delta := &abi.Shape{Kind: abi.ShapeObject, Required: []string{"type", field}, Keys: map[string]*abi.Shape{
		"type": {Kind: abi.ShapeString, String: typ}, field: {Kind: abi.ShapeText}}}
	return &abi.Shape{Kind: abi.ShapeObject, Required: []string{"type", "index", "delta"}, Keys: map[string]*abi.Shape{
		"type":  {Kind: abi.ShapeString, String: "content_block_delta"},
		"index": {Kind: abi.ShapeInt, Int: int64(index)},
		"delta": delta}}
}

func buildTextTemplates() []abi.TextTemplate {
	ts := make([]abi.TextTemplate, 0, templateBlocks)
	for i := range uint64(templateBlocks) {
		s := state{Core: blockstream.Core{Flags: blockstream.FlagStarted | blockstream.FlagInit | flagText,
			Blocks: blockstate.Blocks{{Index: i, Kind: blockText}}}}
		ts = append(ts, abi.TextTemplate{Event: "content_block_delta", State: s.appendPrefix(nil), StatePrefix: true,
			Data: blockDeltaShape(i, "text_delta", "text")})
	}
	return ts
}
