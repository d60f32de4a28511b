package bedrock

import (
	"bytes"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstate"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstream"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
	"github.com/wasmadapt/wasmadapt/guest/think"
)

// exceptionPrefix marks the event name of an event-stream exception
// message (abi.Chunk); "error:" marks an event-stream error message.
const exceptionPrefix = "exception:"

// Transform maps ConverseStream event-stream messages to normalized events.
// A chunk's Event is the message's :event-type (or "exception:" and its
// :exception-type); Data is the JSON payload, whose "p" padding field is
// ignored. A chunk without an event name whose payload is a one-key object
// {"<eventType>":{...}} (the decoded form some tools log) is read the same.
func (Adapter) Transform(in *abi.TransformInput, out *guest.Output) error {
	return states.Transform(in, out)
}

// Truncated emits the error of a stream that ended before its metadata
// event, after releasing the text the Nova splitter holds.
func (s *state) Truncated(out *guest.Output) {
	s.flushText(out)
	msg := "bedrock: the stream ended before its metadata event; the response is incomplete: retry the request"
	if s.Flags&flagStopped != 0 {
		msg = "bedrock: the stream ended after messageStop but before its metadata event (usage); retry the request if usage matters"
	}
	out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeStreamTruncated, Retryable: true, Message: msg})
}

// Init reads the model ID and, for models that emulate structured output
// with a forced tool, that tool's name.
func (s *state) Init(ctx []byte) {
	c := s.UseContext(ctx, func(model string) bool {
		m := lookup(model)
		return !m.structured && m.forcedTool
	}, emulatedToolName)
	if c.HasModel {
		s.model = c.Model
	}
	if strings.HasPrefix(baseModelID(string(s.model)), "amazon.nova") {
		s.Flags |= flagNova
	}
}

// unwrap turns the decoded form {"<eventType>":{...}} into name and payload.
func unwrap(data []byte) (event, payload []byte) {
	it := jsonx.Object(data)
	if !it.Next() {
		return nil, data
	}
	k, v := it.Key(), it.Value()
	if it.Next() || jsonx.KindOf(v) != jsonx.KindObject {
		return nil, data
	}
	return k, v
}

// Handle handles one event-stream message.
func (s *state) Handle(ch *abi.Chunk, out *guest.Output) {
	event, data := ch.Event, bytes.TrimSpace(ch.Data)
	if len(event) == 0 {
		event, data = unwrap(data)
		if strings.HasSuffix(string(event), "Exception") {
			event = append([]byte(exceptionPrefix), event...)
		}
	}
	typ, isErr := bytes.CutPrefix(event, []byte(exceptionPrefix))
	if !isErr {
		// An event-stream "error" message (:error-code, :error-message).
		typ, isErr = bytes.CutPrefix(event, []byte("error:"))
	}
	if isErr {
		var msg []byte
		if v, found, _ := jsonx.Lookup(data, "message"); found {
			msg = s.Bytes(v)
		}
		code, retry := errorCode(string(typ), 0, string(msg))
		out.Emit(&abi.Event{Type: abi.EventError, Code: code, Retryable: retry, Message: "bedrock: " + string(typ) + ": " + string(msg)})
		s.Flags |= blockstream.FlagFailed
		return
	}
	var index, start, delta, stop, usage []byte
	hasIndex := false
	it := jsonx.Object(data)
	for it.Next() {
		switch {
		case it.KeyIs("contentBlockIndex"):
			index, hasIndex = it.Value(), true
		case it.KeyIs("start"):
			start = it.Value()
		case it.KeyIs("delta"):
			delta = it.Value()
		case it.KeyIs("stopReason"):
			stop = it.Value()
		case it.KeyIs("usage"):
			usage = it.Value()
		}
	}
	if it.Err() != nil {
		dialect.Malformed(&s.Core, out, string(event)+" payload is not a JSON object: "+blockstate.Preview(data))
		return
	}
	var idx uint64
	if hasIndex {
		var ok bool
		if idx, ok = blockstate.Uint(index); !ok {
			dialect.Malformed(&s.Core, out, string(event)+" has a bad contentBlockIndex")
			return
		}
	}
	switch string(event) {
	case "messageStart":
		s.Flags |= blockstream.FlagStarted
		out.Emit(&abi.Event{Type: abi.EventResponseStart, Model: blockstate.View(s.model)})
	case "contentBlockStart":
		startBlock(s, idx, start, out)
	case "contentBlockDelta":
		blockDelta(s, idx, delta, out)
	case "contentBlockStop":
		if b := s.Blocks.Find(idx); b != nil {
			if b.Kind == blockText {
				s.flushText(out)
			}
			if b.Kind == blockTool {
				dialect.EndToolCall(out, b)
			}
			s.Blocks.Remove(idx)
		}
	case "messageStop":
		s.Flags |= flagStopped
		s.Stop = s.Bytes(stop)
	case "metadata":
		s.flushText(out)
		if usage != nil {
			dialect.ReadUsage(&s.Core, usage)
		}
		s.Flags |= blockstream.FlagEnded
		emitFinish(s, out)
	default:
		// Event types added after this module was written are skipped.
	}
}

// novaThink splits the chain of thought Amazon Nova writes into its text
// as a leading <thinking>...</thinking> block (before tool calls, for
// example) out as reasoning.
var novaThink = think.Options{Open: "<thinking>", Close: "</thinking>", TrimSpaceAfterClose: true}

// textBoundary keeps text blocks apart that other blocks separate.
var textBoundary = blockstate.TextBoundary{Text: boundaryText, Gap: boundaryGap}

// emitText emits a text block's text, after "\n\n" where another block
// separates it from earlier text (see blockstate.TextBoundary); for Nova,
// through the <thinking> splitter, whose state travels in the transform
// state. A whole response gives the same events.
func (s *state) emitText(out *guest.Output, t string) {
	if textBoundary.BeforeText(&s.boundary) {
		blockstate.EmitParagraph(out)
	}
	if s.Flags&flagNova == 0 {
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: t})
		return
	}
	sp, _ := think.New(novaThink)
	if err := sp.LoadState(s.thinkState); err != nil {
		sp.Reset() // a corrupt splitter state restarts the split
	}
	var buf [4]think.Piece
	for _, p := range sp.Feed(buf[:0], t) {
		emitPiece(out, p)
	}
	s.thinkState = sp.AppendState(s.thinkArr[:0])
}

// otherBlock notes that a block other than text began (see emitText).
func (s *state) otherBlock() { textBoundary.Other(&s.boundary) }

// flushText releases the bytes the splitter holds (a possible partial tag)
// at the end of a text block or of the stream.
func (s *state) flushText(out *guest.Output) {
	if s.Flags&flagNova == 0 || len(s.thinkState) == 0 {
		return
	}
	sp, _ := think.New(novaThink)
	if err := sp.LoadState(s.thinkState); err == nil {
		var buf [2]think.Piece
		for _, p := range sp.Finish(buf[:0]) {
			emitPiece(out, p)
		}
	}
	s.thinkState = nil
}

func emitPiece(out *guest.Output, p think.Piece) {
	out.Emit(&abi.Event{Type: p.EventType(), Text: p.Text})
}

func startBlock(s *state, idx uint64, start []byte, out *guest.Output) {
	s.otherBlock() // Converse starts no text block: text arrives as deltas
	s.Blocks.Remove(idx)
	b := blockstate.Block{Index: idx, Kind: blockOther}
	if tu, found, _ := jsonx.Lookup(start, "toolUse"); found {
		var id, name, typ []byte
		it := jsonx.Object(tu)
		for it.Next() {
			switch {
			case it.KeyIs("toolUseId"):
				id = s.Bytes(it.Value())
			case it.KeyIs("name"):
				name = s.Bytes(it.Value())
			case it.KeyIs("type"):
				typ = s.Bytes(it.Value())
			}
		}
		switch {
		case string(typ) == "server_tool_use":
			// A tool Bedrock runs itself (e.g. nova_code_interpreter):
			// not a call for the client to execute.
		default:
			dialect.StartToolUse(&s.Core, out, &b, id, name, nil)
		}
	}
	s.Blocks = append(s.Blocks, b)
}

func blockDelta(s *state, idx uint64, delta []byte, out *guest.Output) {
	b := s.Blocks.Find(idx)
	it := jsonx.Object(delta)
	for it.Next() {
		switch {
		case it.KeyIs("text"):
			if b == nil {
				s.Blocks = append(s.Blocks, blockstate.Block{Index: idx, Kind: blockText})
				b = s.Blocks.Find(idx)
			}
			if t := s.Str(it.Value()); t != "" && b.Kind == blockText {
				s.emitText(out, t)
			}
		case it.KeyIs("reasoningContent"):
			if b == nil {
				// Redacted reasoning arrives without a contentBlockStart.
				s.otherBlock()
				s.Blocks = append(s.Blocks, blockstate.Block{Index: idx, Kind: blockThinking})
				b = s.Blocks.Find(idx)
			}
			rc := jsonx.Object(it.Value())
			for rc.Next() {
				switch {
				case rc.KeyIs("text"):
					if t := s.Str(rc.Value()); t != "" {
						out.Emit(&abi.Event{Type: abi.EventReasoningDelta, Text: t})
					}
				case rc.KeyIs("signature"):
					if sg := s.Str(rc.Value()); sg != "" {
						out.Emit(&abi.Event{Type: abi.EventReasoningSignature, Signature: sg})
					}
				case rc.KeyIs("redactedContent"):
					out.Emit(&abi.Event{Type: abi.EventReasoningRedacted, Data: s.Str(rc.Value())})
				}
			}
		case it.KeyIs("toolUse"):
			if b == nil {
				continue
			}
			in, _, _ := jsonx.Lookup(it.Value(), "input")
			p := s.Bytes(in)
			if len(p) == 0 {
				continue
			}
			s.ArgsDelta(out, b, p, blockTool, blockJSON)
		}
	}
}

// finishReason maps a Converse stopReason.
func finishReason(stop string, toolCalls, jsonMode bool) abi.FinishReason {
	if r, ok := blockstream.FinishReason(stop, toolCalls, jsonMode); ok {
		return r
	}
	switch stop {
	case "guardrail_intervened", "content_filtered":
		return abi.FinishContentFilter
	case "malformed_model_output", "malformed_tool_use":
		return abi.FinishError
	}
	if stop == "" && toolCalls {
		return abi.FinishToolCalls
	}
	return abi.FinishOther
}

func emitFinish(s *state, out *guest.Output) {
	s.Usage.Emit(out)
	s.EmitFinish(out, finishReason)
}
