package bedrock

import (
	"bytes"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstate"
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
	s := statePool.Get().(*state)
	defer statePool.Put(s)
	s.reset()
	if len(in.State) > 0 {
		if err := s.load(in.State); err != nil {
			return abi.Wrap(abi.CodeInvalidRequest, err, "loading the transform state")
		}
	}
	if s.flags&flagInit == 0 {
		s.flags |= flagInit
		initFromContext(s, in.Context)
	}
	for _, c := range in.Chunks {
		if s.flags&(flagEnded|flagFailed) != 0 {
			break
		}
		handleEvent(s, c.Event, c.Data, out)
	}
	if in.Flags&abi.FlagEnd != 0 && s.flags&(flagEnded|flagFailed) == 0 {
		s.flushText(out)
		msg := "bedrock: the stream ended before its metadata event; the response is incomplete: retry the request"
		if s.flags&flagStopped != 0 {
			msg = "bedrock: the stream ended after messageStop but before its metadata event (usage); retry the request if usage matters"
		}
		out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeStreamTruncated, Retryable: true, Message: msg})
		s.flags |= flagFailed
	}
	out.SetState(s.append(out.State()[:0]))
	return nil
}

// initFromContext reads the model ID and, for models that emulate
// structured output with a forced tool, that tool's name.
func initFromContext(s *state, ctx []byte) {
	if len(ctx) == 0 {
		return
	}
	c := blockstate.StreamContext(ctx)
	if c.HasModel {
		s.model = c.Model
	}
	if strings.HasPrefix(baseModelID(string(s.model)), "amazon.nova") {
		s.flags |= flagNova
	}
	if string(c.RFType) != "json_schema" {
		return
	}
	if m := lookup(string(s.model)); m.structured || !m.forcedTool {
		return
	}
	s.flags |= flagJSONMode
	s.jsonTool = []byte(emulatedToolName(&abi.ResponseFormat{Name: string(c.RFName)}))
}

func malformed(s *state, out *guest.Output, what string) {
	out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeServerError, Message: "bedrock: malformed stream event: " + what})
	s.flags |= flagFailed
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

func handleEvent(s *state, event, data []byte, out *guest.Output) {
	data = bytes.TrimSpace(data)
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
		s.flags |= flagFailed
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
		malformed(s, out, string(event)+" payload is not a JSON object: "+blockstate.Preview(data))
		return
	}
	var idx uint64
	if hasIndex {
		var ok bool
		if idx, ok = blockstate.Uint(index); !ok {
			malformed(s, out, string(event)+" has a bad contentBlockIndex")
			return
		}
	}
	switch string(event) {
	case "messageStart":
		s.flags |= flagStarted
		out.Emit(&abi.Event{Type: abi.EventResponseStart, Model: blockstate.View(s.model)})
	case "contentBlockStart":
		startBlock(s, idx, start, out)
	case "contentBlockDelta":
		blockDelta(s, idx, delta, out)
	case "contentBlockStop":
		if b := s.blocks.Find(idx); b != nil {
			if b.Kind == blockText {
				s.flushText(out)
			}
			if b.Kind == blockTool {
				blockstate.EndToolCall(out, "bedrock", "maxTokens", int(b.ToolIdx), blockstate.View(b.ID), blockstate.View(b.Name))
			}
			s.blocks.Remove(idx)
		}
	case "messageStop":
		s.flags |= flagStopped
		s.stop = s.Bytes(stop)
	case "metadata":
		s.flushText(out)
		if usage != nil {
			readUsage(s, usage)
		}
		s.flags |= flagEnded
		emitFinish(s, out)
	default:
		// Event types added after this module was written are skipped.
	}
}

// novaThink splits the chain of thought Amazon Nova writes into its text
// as a leading <thinking>...</thinking> block (before tool calls, for
// example) out as reasoning.
var novaThink = think.Options{Open: "<thinking>", Close: "</thinking>", TrimSpaceAfterClose: true}

// emitText emits a text delta; for Nova, through the <thinking> splitter,
// whose state travels in the transform state.
// emitText emits a text block's text. Text blocks that follow one another
// directly are one text; when a block of another kind (reasoning, a tool
// call, a server tool and its result) sits between two text blocks, a
// text-delta "\n\n" comes before the later block's first text, so that
// the two do not run together. A whole response gives the same events.
func (s *state) emitText(out *guest.Output, t string) {
	if s.boundary == boundaryText|boundaryGap {
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: "\n\n"})
	}
	s.boundary = boundaryText
	if s.flags&flagNova == 0 {
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
func (s *state) otherBlock() {
	if s.boundary&boundaryText != 0 {
		s.boundary |= boundaryGap
	}
}

// flushText releases the bytes the splitter holds (a possible partial tag)
// at the end of a text block or of the stream.
func (s *state) flushText(out *guest.Output) {
	if s.flags&flagNova == 0 || len(s.thinkState) == 0 {
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

func readUsage(s *state, u []byte) {
	it := jsonx.Object(u)
	for it.Next() {
		v, ok := blockstate.Uint(it.Value())
		if !ok {
			continue
		}
		switch {
		case it.KeyIs("inputTokens"):
			s.usage.Input = v
		case it.KeyIs("outputTokens"):
			s.usage.Output = v
		case it.KeyIs("cacheReadInputTokens"):
			s.usage.CacheRead = v
		case it.KeyIs("cacheWriteInputTokens"):
			s.usage.CacheCreate = v
		}
	}
}

func startBlock(s *state, idx uint64, start []byte, out *guest.Output) {
	s.otherBlock() // Converse starts no text block: text arrives as deltas
	s.blocks.Remove(idx)
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
		case s.flags&flagJSONMode != 0 && bytes.Equal(name, s.jsonTool):
			b.Kind = blockJSON
		case len(id) == 0 || len(name) == 0:
			// A call without its id or name cannot be run or answered:
			// report the malformed block; its deltas are ignored.
			out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeToolArgumentsInvalid,
				Message: "bedrock: a toolUse content block came without toolUseId or name: the stream is malformed; retry the request"})
		default:
			b.Kind = blockTool
			b.ToolIdx = s.ntools
			s.ntools++
			b.ID, b.Name = id, name
			out.Emit(&abi.Event{Type: abi.EventToolCallStart, Index: int(b.ToolIdx), ID: blockstate.View(id), Name: blockstate.View(name)})
		}
	}
	s.blocks = append(s.blocks, b)
}

func blockDelta(s *state, idx uint64, delta []byte, out *guest.Output) {
	b := s.blocks.Find(idx)
	it := jsonx.Object(delta)
	for it.Next() {
		switch {
		case it.KeyIs("text"):
			if b == nil {
				s.blocks = append(s.blocks, blockstate.Block{Index: idx, Kind: blockText})
				b = s.blocks.Find(idx)
			}
			if t := s.Str(it.Value()); t != "" && b.Kind == blockText {
				s.emitText(out, t)
			}
		case it.KeyIs("reasoningContent"):
			if b == nil {
				// Redacted reasoning arrives without a contentBlockStart.
				s.otherBlock()
				s.blocks = append(s.blocks, blockstate.Block{Index: idx, Kind: blockThinking})
				b = s.blocks.Find(idx)
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
	switch stop {
	case "end_turn", "stop_sequence":
		if toolCalls {
			return abi.FinishToolCalls
		}
		return abi.FinishStop
	case "tool_use":
		if !toolCalls && jsonMode {
			return abi.FinishStop
		}
		return abi.FinishToolCalls
	case "max_tokens", "model_context_window_exceeded":
		return abi.FinishLength
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
	s.usage.Emit(out)
	stop := blockstate.View(s.stop)
	out.Emit(&abi.Event{Type: abi.EventFinish, Reason: finishReason(stop, s.ntools > 0, s.flags&flagJSONMode != 0), RawReason: stop})
}
