package anthropic

import (
	"bytes"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstate"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstream"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
	"github.com/wasmadapt/wasmadapt/guest/refusal"
)

// Transform maps Anthropic SSE events to normalized events. The event type
// is read from the data's "type" field (the SSE event: name is the same by
// the API's definition, and is used only when the data has none), so
// streams whose event: lines were stripped are read the same.
func (Adapter) Transform(in *abi.TransformInput, out *guest.Output) error {
	return states.Transform(in, out)
}

// Init reads what the stream needs from the stream context: the name of
// the forced structured-output tool when the model emulates structured
// output with one.
func (s *state) Init(ctx []byte) {
	s.UseContext(ctx, func(model string) bool { return !lookup(model).structured }, emulatedToolName)
}

// Truncated emits the error of a stream that ended before message_stop.
func (s *state) Truncated(out *guest.Output) {
	out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeStreamTruncated, Retryable: true,
		Message: "anthropic: the stream ended before message_stop; the response is incomplete: retry the request"})
}

// Handle handles one SSE event. The data's members are found through its
// tape when the host sent one (the module opts in to tapes), so that the
// members it does not read are not scanned.
func (s *state) Handle(ch *abi.Chunk, out *guest.Output) {
	event, data := ch.Event, bytes.TrimSpace(ch.Data)
	if len(data) == 0 || string(data) == "[DONE]" {
		return
	}
	var typ, message, index, cb, delta, usage, errObj, stopDetails []byte
	// The tape's offsets are offsets in the untrimmed data.
	it := jsonx.Doc(ch.Data, ch.Tape).Object()
	for it.Next() {
		switch {
		case it.KeyIs("type"):
			typ = it.Value()
		case it.KeyIs("message"):
			message = it.Value()
		case it.KeyIs("index"):
			index = it.Value()
		case it.KeyIs("content_block"):
			cb = it.Value()
		case it.KeyIs("delta"):
			delta = it.Value()
		case it.KeyIs("usage"):
			usage = it.Value()
		case it.KeyIs("error"):
			errObj = it.Value()
		case it.KeyIs("stop_details"):
			stopDetails = it.Value()
		}
	}
	if it.Err() != nil {
		dialect.Malformed(&s.Core, out, "data is not a JSON object: "+blockstate.Preview(data))
		return
	}
	t := s.Bytes(typ)
	if typ == nil {
		t = event
	}
	switch string(t) {
	case "ping":
	case "message_start":
		if s.Flags&blockstream.FlagStarted != 0 {
			// One body is one message: a second message_start would
			// either restart the response (duplicating its text and
			// tool calls) or be merged into it; neither is safe.
			dialect.Malformed(&s.Core, out, "a second message_start in one stream")
			return
		}
		s.Flags |= blockstream.FlagStarted
		messageStart(s, message, out)
	case "content_block_start", "content_block_delta", "content_block_stop":
		idx, ok := blockstate.Uint(index)
		if !ok {
			dialect.Malformed(&s.Core, out, string(t)+" without index")
			return
		}
		switch string(t) {
		case "content_block_start":
			startBlock(s, idx, cb, out)
		case "content_block_delta":
			blockDelta(s, idx, delta, out)
		default:
			stopBlock(s, idx, out)
		}
	case "message_delta":
		d := jsonx.Object(delta)
		for d.Next() {
			switch {
			case d.KeyIs("stop_reason") && !jsonx.IsNull(d.Value()):
				s.Stop = s.Bytes(d.Value())
			case d.KeyIs("stop_details"):
				readStopDetails(s, d.Value())
			}
		}
		if stopDetails != nil {
			readStopDetails(s, stopDetails)
		}
		if usage != nil {
			dialect.ReadUsage(&s.Core, usage)
		}
	case "message_stop":
		s.Flags |= blockstream.FlagEnded
		emitFinish(s, out)
	case "error":
		et, msg := readError(s, errObj)
		code, retry := errorCode(et, 0, msg)
		out.Emit(&abi.Event{Type: abi.EventError, Code: code, Retryable: retry, Message: errorMessage(et, msg)})
		s.Flags |= blockstream.FlagFailed
	default:
		// Event types added after this module was written carry nothing
		// the normalized stream has a place for; they are skipped.
	}
}

// messageStart emits response-start for a message_start's message and the
// events of any content blocks the message already carries. Those are
// complete blocks (a tool_use with its whole input, as programmatic tool
// calling sends them): each gives the events of a whole response's block.
// A stop_reason there is kept like one of message_delta.
func messageStart(s *state, message []byte, out *guest.Output) {
	id, model, content, usage, _ := readMessage(s, message)
	if usage != nil {
		dialect.ReadUsage(&s.Core, usage)
	}
	out.Emit(&abi.Event{Type: abi.EventResponseStart, ID: id, Model: model})
	blocks := jsonx.Array(content)
	for blocks.Next() {
		parseBlock(s, blocks.Value(), out)
	}
}

// readStopDetails keeps the explanation of a refusal's stop_details
// ({"type":"refusal","category","explanation"}).
func readStopDetails(s *state, v []byte) {
	if e, found, _ := jsonx.Lookup(v, "explanation"); found {
		s.refusal = s.Bytes(e)
	}
}

func startBlock(s *state, idx uint64, v []byte, out *guest.Output) {
	cb := readBlock(v)
	s.Blocks.Remove(idx)
	b := blockstate.Block{Index: idx, Kind: blockOther}
	kind := string(s.Bytes(cb.typ))
	if kind != "text" {
		blockBoundary(s)
	}
	switch kind {
	case "text":
		b.Kind = blockText
		emitCitations(s, out, cb.citations)
		if t := s.Str(cb.text); t != "" {
			emitText(s, t, out)
		}
	case "server_tool_use":
		if bid := s.Bytes(cb.id); len(bid) > 0 && len(cb.name) > 0 {
			b.Kind = blockServerTool
			b.ID, b.Name = bid, s.Bytes(cb.name)
			b.Args = blockstate.NonEmptyObject(cb.input)
		}
	case "mcp_tool_use":
		if bid := s.Bytes(cb.id); len(bid) > 0 && len(cb.name) > 0 {
			b.Kind = blockMCPTool
			b.ID = bid
			b.Name = append(append(append([]byte(nil), s.Bytes(cb.server)...), 0), s.Bytes(cb.name)...)
			b.Args = blockstate.NonEmptyObject(cb.input)
		}
	case "thinking":
		b.Kind = blockThinking
		if t := s.Str(cb.thinking); t != "" {
			out.Emit(&abi.Event{Type: abi.EventReasoningDelta, Text: t})
		}
	case "redacted_thinking":
		b.Kind = blockRedacted
		out.Emit(&abi.Event{Type: abi.EventReasoningRedacted, Data: s.Str(cb.data)})
	case "tool_use":
		dialect.StartToolUse(&s.Core, out, &b, s.Bytes(cb.id), s.Bytes(cb.name), cb.input)
	default:
		if isServerToolResult(kind) {
			emitServerToolResult(s, out, kind, v)
		}
	}
	s.Blocks = append(s.Blocks, b)
}

// textBoundary keeps text blocks apart that other blocks separate; text
// blocks that follow one another directly (Anthropic splits cited text
// into such blocks) are one text.
var textBoundary = blockstate.TextBoundary{Text: flagText, Gap: flagGap}

// blockBoundary notes that a block other than text began: text after it
// is a new paragraph (see emitText).
func blockBoundary(s *state) { textBoundary.Other(&s.Flags) }

// emitText emits a text block's text, after "\n\n" where another block
// separates it from earlier text (see blockstate.TextBoundary). A whole
// response gives the same events.
func emitText(s *state, t string, out *guest.Output) {
	if textBoundary.BeforeText(&s.Flags) {
		blockstate.EmitParagraph(out)
	}
	out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: t})
}

func blockDelta(s *state, idx uint64, delta []byte, out *guest.Output) {
	var typ, text, partial, sig, citation []byte
	it := jsonx.Object(delta)
	for it.Next() {
		switch {
		case it.KeyIs("citation"):
			citation = it.Value()
		case it.KeyIs("type"):
			typ = it.Value()
		case it.KeyIs("text"), it.KeyIs("thinking"):
			text = it.Value()
		case it.KeyIs("partial_json"):
			partial = it.Value()
		case it.KeyIs("signature"):
			sig = it.Value()
		}
	}
	b := s.Blocks.Find(idx)
	switch string(s.Bytes(typ)) {
	case "text_delta":
		if t := s.Str(text); t != "" && (b == nil || b.Kind == blockText) {
			emitText(s, t, out)
		}
	case "thinking_delta":
		if t := s.Str(text); t != "" {
			out.Emit(&abi.Event{Type: abi.EventReasoningDelta, Text: t})
		}
	case "signature_delta":
		if sg := s.Str(sig); sg != "" {
			out.Emit(&abi.Event{Type: abi.EventReasoningSignature, Signature: sg})
		}
	case "citations_delta":
		if b != nil && b.Kind == blockText {
			emitCitation(s, out, citation)
		}
	case "input_json_delta":
		p := s.Bytes(partial)
		if b == nil || len(p) == 0 {
			return
		}
		if b.Kind == blockServerTool || b.Kind == blockMCPTool {
			b.Args = s.AppendArgs(b.Args, p)
			return
		}
		s.ArgsDelta(out, b, p, blockTool, blockJSON)
	}
}

func stopBlock(s *state, idx uint64, out *guest.Output) {
	b := s.Blocks.Find(idx)
	if b == nil {
		return
	}
	switch b.Kind {
	case blockTool:
		dialect.EndToolCall(out, b)
	case blockServerTool:
		emitServerToolCall(out, blockstate.View(b.ID), blockstate.View(b.Name), b.Args)
	case blockMCPTool:
		server, tool, _ := strings.Cut(string(b.Name), "\x00")
		emitMCPToolCall(out, blockstate.View(b.ID), server, tool, b.Args)
	}
	s.Blocks.Remove(idx)
}

// finishReason maps a stop_reason.
func finishReason(stop string, toolCalls, jsonMode bool) abi.FinishReason {
	if r, ok := blockstream.FinishReason(stop, toolCalls, jsonMode); ok {
		return r
	}
	switch stop {
	case "refusal":
		return abi.FinishRefusal
	case "pause_turn":
		// A server tool loop paused (ABI 1.3): resending the turn
		// continues it.
		return abi.FinishPause
	}
	// Absent and future values.
	return abi.FinishOther
}

func emitFinish(s *state, out *guest.Output) {
	s.Usage.Emit(out)
	if string(s.Stop) == "refusal" {
		ev := refusal.ProviderEvent(blockstate.View(s.refusal))
		out.Emit(&ev)
	}
	s.EmitFinish(out, finishReason)
}
