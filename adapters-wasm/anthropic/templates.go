package anthropic

import (
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstate"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstream"
)

// templateBlocks is how many block indices the text templates cover (0
// up to it, exclusive): abi.MaxTextTemplates, one template per index.
const templateBlocks = abi.MaxTextTemplates

// textTemplates are the adapter's text-delta templates (see
// TextTemplates), built once.
var textTemplates = buildTextTemplates()

// TextTemplates implements guest.TextTemplater (ABI 1.6 templates): the
// plain text chunks of a stream, one template per block index below
// templateBlocks. Each holds for the state of a started message (its
// context read) whose only open block is a text block of that index that
// has given text, with no paragraph pending (no other block began since),
// no tool call started, no stop reason, refusal or structured-output tool:
// the state before its usage, which varies from stream to stream
// (TextTemplate.StatePrefix). In that state, a content_block_delta of that
// index whose delta is a text_delta and nothing else gives the text-delta
// of its text and leaves the state as it is: what Handle does with it
// (emitText, with no paragraph to emit). The data's "type" is what Handle
// reads, so the SSE event name the template names changes nothing.
func (Adapter) TextTemplates() []abi.TextTemplate { return textTemplates }

func buildTextTemplates() []abi.TextTemplate {
	ts := make([]abi.TextTemplate, 0, templateBlocks)
	for i := range uint64(templateBlocks) {
		s := state{Core: blockstream.Core{Flags: blockstream.FlagStarted | blockstream.FlagInit | flagText,
			Blocks: blockstate.Blocks{{Index: i, Kind: blockText}}}}
		delta := &abi.Shape{Kind: abi.ShapeObject, Required: []string{"type", "text"}, Keys: map[string]*abi.Shape{
			"type": {Kind: abi.ShapeString, String: "text_delta"}, "text": {Kind: abi.ShapeText}}}
		chunk := &abi.Shape{Kind: abi.ShapeObject, Required: []string{"type", "index", "delta"}, Keys: map[string]*abi.Shape{
			"type":  {Kind: abi.ShapeString, String: "content_block_delta"},
			"index": {Kind: abi.ShapeInt, Int: int64(i)},
			"delta": delta}}
		ts = append(ts, abi.TextTemplate{Event: "content_block_delta", State: s.appendPrefix(nil), StatePrefix: true, Data: chunk})
	}
	return ts
}
