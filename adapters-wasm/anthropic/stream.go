package anthropic

import (
	"bytes"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstate"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
	"github.com/wasmadapt/wasmadapt/guest/refusal"
)

// Transform maps Anthropic SSE events to normalized events. The event type
// is read from the data's "type" field (the SSE event: name is the same by
// the API's definition, and is used only when the data has none), so
// streams whose event: lines were stripped are read the same.
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
			break // nothing after the end marker or an error is meaningful
		}
		handleEvent(s, c.Event, c.Data, out)
	}
	if in.Flags&abi.FlagEnd != 0 && s.flags&(flagEnded|flagFailed) == 0 {
		out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeStreamTruncated, Retryable: true,
			Message: "anthropic: the stream ended before message_stop; the response is incomplete: retry the request"})
		s.flags |= flagFailed
	}
	out.SetState(s.append(out.State()[:0]))
	return nil
}

// initFromContext reads what the stream needs from the stream context: the
// name of the forced structured-output tool when the model emulates
// structured output with one.
func initFromContext(s *state, ctx []byte) {
	if len(ctx) == 0 {
		return
	}
	c := blockstate.StreamContext(ctx)
	if string(c.RFType) != "json_schema" || lookup(string(c.Model)).structured {
		return
	}
	s.flags |= flagJSONMode
	s.jsonTool = []byte(emulatedToolName(&abi.ResponseFormat{Name: string(c.RFName)}))
}

func malformed(s *state, out *guest.Output, what string) {
	out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeServerError,
		Message: "anthropic: malformed stream event: " + what})
	s.flags |= flagFailed
}

// handleEvent handles one SSE event.
func handleEvent(s *state, event, data []byte, out *guest.Output) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "[DONE]" {
		return
	}
	var typ, message, index, cb, delta, usage, errObj, stopDetails []byte
	it := jsonx.Object(data)
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
		malformed(s, out, "data is not a JSON object: "+blockstate.Preview(data))
		return
	}
	t := s.Bytes(typ)
	if typ == nil {
		t = event
	}
	switch string(t) {
	case "ping":
	case "message_start":
		if s.flags&flagStarted != 0 {
			// One body is one message: a second message_start would
			// either restart the response (duplicating its text and
			// tool calls) or be merged into it; neither is safe.
			malformed(s, out, "a second message_start in one stream")
			return
		}
		s.flags |= flagStarted
		messageStart(s, message, out)
	case "content_block_start", "content_block_delta", "content_block_stop":
		idx, ok := blockstate.Uint(index)
		if !ok {
			malformed(s, out, string(t)+" without index")
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
				s.stop = s.Bytes(d.Value())
			case d.KeyIs("stop_details"):
				readStopDetails(s, d.Value())
			}
		}
		if stopDetails != nil {
			readStopDetails(s, stopDetails)
		}
		if usage != nil {
			readUsage(s, usage)
		}
	case "message_stop":
		s.flags |= flagEnded
		emitFinish(s, out)
	case "error":
		var et, msg string
		e := jsonx.Object(errObj)
		for e.Next() {
			switch {
			case e.KeyIs("type"):
				et = s.Str(e.Value())
			case e.KeyIs("message"):
				msg = s.Str(e.Value())
			}
		}
		code, retry := errorCode(et, 0, msg)
		out.Emit(&abi.Event{Type: abi.EventError, Code: code, Retryable: retry, Message: errorMessage(et, msg)})
		s.flags |= flagFailed
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
	var id, model string
	var content []byte
	m := jsonx.Object(message)
	for m.Next() {
		switch {
		case m.KeyIs("id"):
			id = s.Str(m.Value())
		case m.KeyIs("model"):
			model = s.Str(m.Value())
		case m.KeyIs("usage"):
			readUsage(s, m.Value())
		case m.KeyIs("content"):
			content = m.Value()
		case m.KeyIs("stop_reason") && !jsonx.IsNull(m.Value()):
			s.stop = s.Bytes(m.Value())
		case m.KeyIs("stop_details") && !jsonx.IsNull(m.Value()):
			readStopDetails(s, m.Value())
		}
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

func readUsage(s *state, u []byte) {
	it := jsonx.Object(u)
	for it.Next() {
		v, ok := blockstate.Uint(it.Value())
		if !ok {
			continue
		}
		switch {
		case it.KeyIs("input_tokens"):
			s.usage.Input = v
		case it.KeyIs("cache_read_input_tokens"):
			s.usage.CacheRead = v
		case it.KeyIs("cache_creation_input_tokens"):
			s.usage.CacheCreate = v
		case it.KeyIs("output_tokens"):
			s.usage.Output = v
		}
	}
}

func startBlock(s *state, idx uint64, cb []byte, out *guest.Output) {
	var typ, text, id, name, data, input, citations, server []byte
	it := jsonx.Object(cb)
	for it.Next() {
		switch {
		case it.KeyIs("type"):
			typ = it.Value()
		case it.KeyIs("text"), it.KeyIs("thinking"):
			text = it.Value()
		case it.KeyIs("id"):
			id = it.Value()
		case it.KeyIs("name"):
			name = it.Value()
		case it.KeyIs("data"):
			data = it.Value()
		case it.KeyIs("input"):
			input = it.Value()
		case it.KeyIs("citations"):
			citations = it.Value()
		case it.KeyIs("server_name"):
			server = it.Value()
		}
	}
	s.blocks.Remove(idx)
	b := blockstate.Block{Index: idx, Kind: blockOther}
	kind := string(s.Bytes(typ))
	if kind != "text" {
		blockBoundary(s)
	}
	switch kind {
	case "text":
		b.Kind = blockText
		emitCitations(s, out, citations)
		if t := s.Str(text); t != "" {
			emitText(s, t, out)
		}
	case "server_tool_use":
		if bid := s.Bytes(id); len(bid) > 0 && len(name) > 0 {
			b.Kind = blockServerTool
			b.ID, b.Name = bid, s.Bytes(name)
			b.Args = blockstate.NonEmptyObject(input)
		}
	case "mcp_tool_use":
		if bid := s.Bytes(id); len(bid) > 0 && len(name) > 0 {
			b.Kind = blockMCPTool
			b.ID = bid
			b.Name = append(append(append([]byte(nil), s.Bytes(server)...), 0), s.Bytes(name)...)
			b.Args = blockstate.NonEmptyObject(input)
		}
	case "thinking":
		b.Kind = blockThinking
		if t := s.Str(text); t != "" {
			out.Emit(&abi.Event{Type: abi.EventReasoningDelta, Text: t})
		}
	case "redacted_thinking":
		b.Kind = blockRedacted
		out.Emit(&abi.Event{Type: abi.EventReasoningRedacted, Data: s.Str(data)})
	case "tool_use":
		n := s.Str(name)
		if s.flags&flagJSONMode != 0 && n == string(s.jsonTool) {
			b.Kind = blockJSON
			if args := blockstate.NonEmptyObject(input); len(args) > 0 {
				out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: string(args)})
			}
			break
		}
		bid := s.Bytes(id)
		if n == "" || len(bid) == 0 {
			// A call without its id or name cannot be run or answered:
			// report the malformed block; its deltas are ignored.
			out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeToolArgumentsInvalid,
				Message: "anthropic: a tool_use content block came without id or name: the stream is malformed; retry the request"})
			break
		}
		b.Kind = blockTool
		b.ToolIdx = s.ntools
		s.ntools++
		b.ID = bid
		b.Name = s.Bytes(name)
		out.Emit(&abi.Event{Type: abi.EventToolCallStart, Index: int(b.ToolIdx), ID: blockstate.View(b.ID), Name: n})
		if args := blockstate.NonEmptyObject(input); len(args) > 0 {
			out.Emit(&abi.Event{Type: abi.EventToolCallDelta, Index: int(b.ToolIdx), Arguments: blockstate.View(args)})
		}
	default:
		if isServerToolResult(kind) {
			emitServerToolResult(s, out, kind, cb)
		}
	}
	s.blocks = append(s.blocks, b)
}

// blockBoundary notes that a block other than text began: text after it
// is a new paragraph (see emitText).
func blockBoundary(s *state) {
	if s.flags&flagText != 0 {
		s.flags |= flagGap
	}
}

// emitText emits a text block's text. Text blocks that follow one another
// directly (Anthropic splits cited text into such blocks) are one text and
// are joined as they are; when another block (a server tool call and its
// result, thinking, a tool call) sits between two text blocks, a
// text-delta "\n\n" comes before the later block's first text, so that
// the two do not run together. A whole response gives the same events.
func emitText(s *state, t string, out *guest.Output) {
	if s.flags&(flagText|flagGap) == flagText|flagGap {
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: "\n\n"})
	}
	s.flags = s.flags&^flagGap | flagText
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
	b := s.blocks.Find(idx)
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
	b := s.blocks.Find(idx)
	if b == nil {
		return
	}
	switch b.Kind {
	case blockTool:
		blockstate.EndToolCall(out, "anthropic", "max_tokens", int(b.ToolIdx), blockstate.View(b.ID), blockstate.View(b.Name))
	case blockServerTool:
		emitServerToolCall(out, blockstate.View(b.ID), blockstate.View(b.Name), b.Args)
	case blockMCPTool:
		server, tool, _ := strings.Cut(string(b.Name), "\x00")
		emitMCPToolCall(out, blockstate.View(b.ID), server, tool, b.Args)
	}
	s.blocks.Remove(idx)
}

// finishReason maps a stop_reason.
func finishReason(stop string, toolCalls, jsonMode bool) abi.FinishReason {
	switch stop {
	case "end_turn", "stop_sequence":
		if toolCalls {
			return abi.FinishToolCalls
		}
		return abi.FinishStop
	case "tool_use":
		if !toolCalls && jsonMode {
			return abi.FinishStop // the forced structured-output tool
		}
		return abi.FinishToolCalls
	case "max_tokens", "model_context_window_exceeded":
		return abi.FinishLength
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
	s.usage.Emit(out)
	stop := blockstate.View(s.stop)
	if stop == "refusal" {
		ev := refusal.ProviderEvent(blockstate.View(s.refusal))
		out.Emit(&ev)
	}
	out.Emit(&abi.Event{Type: abi.EventFinish, Reason: finishReason(stop, s.ntools > 0, s.flags&flagJSONMode != 0), RawReason: stop})
}
