package ollama

import (
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/rawevent"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
	"github.com/wasmadapt/wasmadapt/guest/think"
	"github.com/wasmadapt/wasmadapt/guest/toolid"
)

// Transform turns NDJSON lines of /api/chat into events. It reads JSON with
// guest/jsonx and writes events as raw JSON: no encoding/json, no
// reflection.
func (Adapter) Transform(in *abi.TransformInput, out *guest.Output) error {
	return calls.Transform(in, out)
}

var calls rawevent.Calls[state, processor, *state, *processor]

// ParseResponse turns a whole stream=false /api/chat response into the
// events its stream would give.
func (Adapter) ParseResponse(in *abi.ResponseInput, out *guest.Output) error {
	return calls.Parse(in, out, func(p *processor) { p.Chunk(jsonx.Doc(in.Body, nil)) })
}

type processor struct {
	rawevent.Emitter
	st *state
	// pieces is the splitter's output buffer (think_tags only).
	pieces []think.Piece
}

// Attach points p at st for one call, its splitter's pieces emptied (see
// rawevent.Attacher).
func (p *processor) Attach(st *state) (*rawevent.Emitter, *bool) {
	p.st, p.pieces = st, p.pieces[:0]
	return &p.Emitter, &st.done
}

// thinkTags reports whether the stream context sets provider option
// think_tags.
func thinkTags(ctx []byte) bool {
	po, ok, _ := jsonx.Lookup(ctx, "provider_options")
	if !ok {
		return false
	}
	v, ok, _ := jsonx.Lookup(po, "think_tags")
	if !ok {
		return false
	}
	b, _ := jsonx.Bool(v)
	return b
}

// emitPieces emits split pieces as reasoning-delta and text-delta.
func (p *processor) emitPieces() {
	for _, pc := range p.pieces {
		p.Out.Emit(&abi.Event{Type: pc.EventType(), Text: pc.Text})
	}
	p.pieces = p.pieces[:0]
}

// flushSplit releases what the splitter holds.
func (p *processor) flushSplit() {
	if p.st.split {
		p.pieces = p.st.splitter.Finish(p.pieces[:0])
		p.emitPieces()
	}
}

// End handles the end of the body.
func (p *processor) End() {
	if !p.st.done {
		p.flushSplit()
		p.Error(abi.CodeStreamTruncated, "the Ollama stream ended before its done:true line: the response is incomplete", true)
	}
}

// Chunk handles one chunk: a JSON object of the stream.
func (p *processor) Chunk(v jsonx.Value) {
	st := p.st
	if st.done {
		return
	}
	var model, created, doneReason []byte
	var message, errv jsonx.Value
	var promptCount, evalCount int64
	done := false
	it := v.Object()
	for it.Next() {
		switch {
		case it.KeyIs("model"):
			model, _ = it.ValueStr()
		case it.KeyIs("created_at"):
			created, _ = it.ValueStr()
		case it.KeyIs("message"):
			message = it.Val()
		case it.KeyIs("done"):
			done, _ = it.Val().Bool()
		case it.KeyIs("done_reason"):
			doneReason, _ = it.ValueStr()
		case it.KeyIs("prompt_eval_count"):
			promptCount, _ = it.Val().Int()
		case it.KeyIs("eval_count"):
			evalCount, _ = it.Val().Int()
		case it.KeyIs("error"):
			errv = it.Val()
		}
	}
	if it.Err() != nil {
		p.Error(abi.CodeStreamTruncated, "Ollama sent a line that is not a JSON object", false)
		return
	}
	if errv.Exists() {
		msg, _ := jsonx.AppendUnescaped(nil, errv.Raw())
		e := classify(0, string(msg))
		p.Error(e.Code, e.Message, e.Retryable)
		return
	}
	if !st.started {
		st.started = true
		if thinkTags(p.Ctx) {
			st.split = true
			st.splitter, _ = think.New(splitOptions)
		}
		st.key = append(append(append(st.key[:0], model...), 0), created...)
		var idb [64]byte
		p.Start(append(idb[:0], toolid.Synthesize("resp_", string(st.key), 0)...), model)
	}
	if message.Exists() {
		p.message(message)
		if st.done {
			return
		}
	}
	if done {
		p.flushSplit()
		if promptCount < 0 {
			promptCount = 0
		}
		if evalCount < 0 {
			evalCount = 0
		}
		p.Buf = rawevent.EmitUsage(p.Out, p.Buf, &abi.Usage{InputTokens: int(promptCount), OutputTokens: int(evalCount)})
		reason := abi.FinishOther
		switch string(doneReason) {
		case "stop", "":
			reason = abi.FinishStop
			if st.sawCall {
				reason = abi.FinishToolCalls
			}
		case "length":
			reason = abi.FinishLength
		}
		p.Buf = rawevent.EmitFinish(p.Out, p.Buf, reason, doneReason)
		st.done = true
	}
}

func (p *processor) message(m jsonx.Value) {
	var content, thinking []byte
	var calls jsonx.Value
	it := m.Object()
	for it.Next() {
		switch {
		case it.KeyIs("content"):
			content, _ = it.ValueStr()
		case it.KeyIs("thinking"):
			thinking, _ = it.ValueStr()
		case it.KeyIs("tool_calls"):
			calls = it.Val()
		}
	}
	if len(thinking) > 0 {
		p.Buf = rawevent.EmitString(p.Out, p.Buf, "reasoning-delta", "text", thinking)
	}
	if len(content) > 0 {
		if p.st.split {
			// The splitter works on decoded text (tags may be escaped).
			dec, err := jsonx.Unescape(p.Buf[:0], content)
			if err == nil {
				p.pieces = p.st.splitter.Feed(p.pieces[:0], string(dec))
				p.emitPieces()
			}
		} else {
			p.Buf = rawevent.EmitString(p.Out, p.Buf, "text-delta", "text", content)
		}
	}
	if !calls.Exists() || calls.IsNull() {
		return
	}
	ai := calls.Array()
	for ai.Next() {
		if !p.toolCall(ai.Val()) {
			return
		}
	}
}

func (p *processor) toolCall(b jsonx.Value) bool {
	st := p.st
	var id, name, args []byte
	it := b.Object()
	for it.Next() {
		switch {
		case it.KeyIs("id"):
			id, _ = it.ValueStr()
		case it.KeyIs("function"):
			fi := it.ValueObject()
			for fi.Next() {
				switch {
				case fi.KeyIs("name"):
					name, _ = fi.ValueStr()
				case fi.KeyIs("arguments"):
					args = fi.Value()
				}
			}
		}
	}
	var ab [256]byte
	a := ab[:0]
	switch jsonx.KindOf(args) {
	case jsonx.KindObject:
		a = rawevent.CompactJSON(a, args)
	case jsonx.KindInvalid, jsonx.KindNull:
		a = append(a, "{}"...)
	case jsonx.KindString: // OpenAI-style string arguments, seen on some builds
		u, err := jsonx.AppendUnescaped(a, args)
		if err != nil || jsonx.KindOf(u) != jsonx.KindObject || !jsonx.Valid(u) {
			p.Error(abi.CodeToolArgumentsInvalid, "Ollama sent tool-call arguments that are not a JSON object", false)
			return false
		}
		a = rawevent.CompactJSON(ab[:0], u)
	default:
		p.Error(abi.CodeToolArgumentsInvalid, "Ollama sent tool-call arguments that are not a JSON object", false)
		return false
	}
	if len(name) == 0 {
		p.Error(abi.CodeToolArgumentsInvalid, "Ollama sent a tool call without a function name", false)
		return false
	}
	var idb [64]byte
	cid, ok := rawevent.AppendID(idb[:0], id)
	if !ok {
		cid = append(cid, toolid.Synthesize("call_", string(st.key), st.calls)...)
	}
	st.sawCall = true
	p.Buf = rawevent.EmitToolCall(p.Out, p.Buf, false, st.calls, cid, name, a)
	st.calls++
	return true
}
