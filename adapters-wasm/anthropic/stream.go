package anthropic

import (
	"bytes"
	"strconv"

	"github.com/wasmadapt/wasmadapt/abi"
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
	var model, rfType, rfName []byte
	it := jsonx.Object(ctx)
	for it.Next() {
		switch {
		case it.KeyIs("model"):
			model, _ = jsonx.AppendUnescaped(nil, it.Value())
		case it.KeyIs("response_format"):
			rf := jsonx.Object(it.Value())
			for rf.Next() {
				switch {
				case rf.KeyIs("type"):
					rfType, _ = jsonx.AppendUnescaped(nil, rf.Value())
				case rf.KeyIs("name"):
					rfName, _ = jsonx.AppendUnescaped(nil, rf.Value())
				}
			}
		}
	}
	if string(rfType) != "json_schema" || lookup(string(model)).structured {
		return
	}
	s.flags |= flagJSONMode
	s.jsonTool = []byte(emulatedToolName(&abi.ResponseFormat{Name: string(rfName)}))
}

func uintVal(v []byte) (uint64, bool) {
	n, err := jsonx.Int(v)
	if err != nil || n < 0 {
		return 0, false
	}
	return uint64(n), true
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
		malformed(s, out, "data is not a JSON object: "+preview(data))
		return
	}
	t := s.bytes(typ)
	if typ == nil {
		t = event
	}
	switch string(t) {
	case "ping":
	case "message_start":
		s.flags |= flagStarted
		var id, model string
		m := jsonx.Object(message)
		for m.Next() {
			switch {
			case m.KeyIs("id"):
				id = s.str(m.Value())
			case m.KeyIs("model"):
				model = s.str(m.Value())
			case m.KeyIs("usage"):
				readUsage(s, m.Value())
			}
		}
		out.Emit(&abi.Event{Type: abi.EventResponseStart, ID: id, Model: model})
	case "content_block_start":
		idx, ok := uintVal(index)
		if !ok {
			malformed(s, out, "content_block_start without index")
			return
		}
		startBlock(s, idx, cb, out)
	case "content_block_delta":
		idx, ok := uintVal(index)
		if !ok {
			malformed(s, out, "content_block_delta without index")
			return
		}
		blockDelta(s, idx, delta, out)
	case "content_block_stop":
		idx, ok := uintVal(index)
		if !ok {
			malformed(s, out, "content_block_stop without index")
			return
		}
		stopBlock(s, idx, out)
	case "message_delta":
		d := jsonx.Object(delta)
		for d.Next() {
			switch {
			case d.KeyIs("stop_reason") && !jsonx.IsNull(d.Value()):
				s.stop = s.bytes(d.Value())
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
				et = s.str(e.Value())
			case e.KeyIs("message"):
				msg = s.str(e.Value())
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

// readStopDetails keeps the explanation of a refusal's stop_details
// ({"type":"refusal","category","explanation"}).
func readStopDetails(s *state, v []byte) {
	if e, found, _ := jsonx.Lookup(v, "explanation"); found {
		s.refusal = s.bytes(e)
	}
}

func readUsage(s *state, u []byte) {
	it := jsonx.Object(u)
	for it.Next() {
		v, ok := uintVal(it.Value())
		if !ok {
			continue
		}
		switch {
		case it.KeyIs("input_tokens"):
			s.input = v
		case it.KeyIs("cache_read_input_tokens"):
			s.cacheRead = v
		case it.KeyIs("cache_creation_input_tokens"):
			s.cacheCreate = v
		case it.KeyIs("output_tokens"):
			s.output = v
		}
	}
}

func startBlock(s *state, idx uint64, cb []byte, out *guest.Output) {
	var typ, text, id, name, data, input []byte
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
		}
	}
	s.remove(idx)
	b := block{index: idx, kind: blockOther}
	switch string(s.bytes(typ)) {
	case "text":
		b.kind = blockText
		if t := s.str(text); t != "" {
			out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: t})
		}
	case "thinking":
		b.kind = blockThinking
		if t := s.str(text); t != "" {
			out.Emit(&abi.Event{Type: abi.EventReasoningDelta, Text: t})
		}
	case "redacted_thinking":
		b.kind = blockRedacted
		out.Emit(&abi.Event{Type: abi.EventReasoningRedacted, Data: s.str(data)})
	case "tool_use":
		n := s.str(name)
		if s.flags&flagJSONMode != 0 && n == string(s.jsonTool) {
			b.kind = blockJSON
			b.args = initialInput(input)
			if len(b.args) > 0 {
				out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: string(b.args)})
			}
			break
		}
		b.kind = blockTool
		b.toolIdx = s.ntools
		s.ntools++
		b.id = s.bytes(id)
		b.name = s.bytes(name)
		b.args = initialInput(input)
		out.Emit(&abi.Event{Type: abi.EventToolCallStart, Index: int(b.toolIdx), ID: view(b.id), Name: n})
		if len(b.args) > 0 {
			out.Emit(&abi.Event{Type: abi.EventToolCallDelta, Index: int(b.toolIdx), Arguments: view(b.args)})
		}
	}
	s.blocks = append(s.blocks, b)
}

// initialInput is a tool_use block's input when the start event already
// carries it (streams send {} and then input_json_delta pieces).
func initialInput(v []byte) []byte {
	if len(v) == 0 || jsonx.KindOf(v) != jsonx.KindObject {
		return nil
	}
	it := jsonx.Object(v)
	if !it.Next() {
		return nil // {}
	}
	return compactJSON(nil, v)
}

func blockDelta(s *state, idx uint64, delta []byte, out *guest.Output) {
	var typ, text, partial, sig []byte
	it := jsonx.Object(delta)
	for it.Next() {
		switch {
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
	b := s.find(idx)
	switch string(s.bytes(typ)) {
	case "text_delta":
		if t := s.str(text); t != "" && (b == nil || b.kind == blockText) {
			out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: t})
		}
	case "thinking_delta":
		if t := s.str(text); t != "" {
			out.Emit(&abi.Event{Type: abi.EventReasoningDelta, Text: t})
		}
	case "signature_delta":
		if sg := s.str(sig); sg != "" {
			out.Emit(&abi.Event{Type: abi.EventReasoningSignature, Signature: sg})
		}
	case "input_json_delta":
		p := s.bytes(partial)
		if b == nil || len(p) == 0 {
			return
		}
		switch b.kind {
		case blockTool:
			b.args = s.appendArgs(b.args, p)
			out.Emit(&abi.Event{Type: abi.EventToolCallDelta, Index: int(b.toolIdx), Arguments: view(p)})
		case blockJSON:
			b.args = s.appendArgs(b.args, p)
			out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: view(p)})
		}
	}
}

func stopBlock(s *state, idx uint64, out *guest.Output) {
	b := s.find(idx)
	if b == nil {
		return
	}
	if b.kind == blockTool {
		emitToolCall(out, int(b.toolIdx), view(b.id), view(b.name), b.args)
	}
	s.remove(idx)
}

// emitToolCall emits the complete tool call, or an error event when the
// arguments are not a JSON object (a call cut off by max_tokens).
func emitToolCall(out *guest.Output, index int, id, name string, args []byte) {
	args = bytes.TrimSpace(args)
	if len(args) == 0 {
		args = []byte("{}")
	}
	if jsonx.KindOf(args) != jsonx.KindObject || !jsonx.Valid(args) {
		out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeToolArgumentsInvalid,
			Message: "anthropic: the arguments of tool call " + strconv.Quote(id) + " (" + name + ") are not a complete JSON object; the call was probably cut off by max_tokens"})
		return
	}
	out.Emit(&abi.Event{Type: abi.EventToolCall, Index: index, ID: id, Name: name, Arguments: view(args)})
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
	}
	// pause_turn (a server tool loop paused), absent and future values.
	return abi.FinishOther
}

func emitFinish(s *state, out *guest.Output) {
	out.Emit(&abi.Event{Type: abi.EventUsage, Usage: abi.Usage{
		InputTokens:       int(s.input + s.cacheRead + s.cacheCreate),
		OutputTokens:      int(s.output),
		CachedInputTokens: int(s.cacheRead),
	}})
	stop := view(s.stop)
	if stop == "refusal" {
		ev := refusal.ProviderEvent(view(s.refusal))
		out.Emit(&ev)
	}
	out.Emit(&abi.Event{Type: abi.EventFinish, Reason: finishReason(stop, s.ntools > 0, s.flags&flagJSONMode != 0), RawReason: stop})
}

func preview(b []byte) string {
	if len(b) > 64 {
		return strconv.Quote(string(b[:64])) + "..."
	}
	return strconv.Quote(string(b))
}

// compactJSON appends v without insignificant whitespace. v must be valid.
func compactJSON(dst, v []byte) []byte {
	inStr := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if inStr {
			dst = append(dst, c)
			switch c {
			case '\\':
				if i+1 < len(v) {
					i++
					dst = append(dst, v[i])
				}
			case '"':
				inStr = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
		case '"':
			inStr = true
			dst = append(dst, c)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
