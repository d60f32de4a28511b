package gemini

import (
	"bytes"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/rawevent"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// Transform turns the chunks of an alt=sse stream (each a
// GenerateContentResponse) into events. It reads JSON with guest/jsonx and
// writes events as raw JSON: no encoding/json, no reflection.
func (Adapter) Transform(in *abi.TransformInput, out *guest.Output) error {
	return calls.Transform(in, out)
}

var calls rawevent.Calls[state, processor, *state, *processor]

// ParseResponse turns a whole generateContent response into the events its
// stream would give. A streamGenerateContent body fetched without alt=sse
// (a JSON array of responses) is accepted too: its elements are handled as
// the chunks of a stream.
func (Adapter) ParseResponse(in *abi.ResponseInput, out *guest.Output) error {
	return calls.Parse(in, out, func(p *processor) {
		if jsonx.KindOf(in.Body) != jsonx.KindArray {
			p.Chunk(jsonx.Doc(in.Body, nil))
			return
		}
		ai := jsonx.Array(in.Body)
		for ai.Next() {
			p.Chunk(ai.Val())
		}
		if ai.Err() != nil && !p.st.done {
			p.Error(abi.CodeStreamTruncated, "Gemini sent a response array that is not valid JSON", false)
		}
	})
}

type processor struct {
	rawevent.Emitter
	st *state
}

// Attach points p at st for one call (see rawevent.Attacher).
func (p *processor) Attach(st *state) (*rawevent.Emitter, *bool) {
	p.st = st
	return &p.Emitter, &st.done
}

// End handles the end of the body.
func (p *processor) End() {
	if !p.st.done {
		p.Error(abi.CodeStreamTruncated, "the Gemini stream ended without a finishReason: the response is incomplete", true)
	}
}

// Chunk handles one chunk: a JSON object of the stream.
func (p *processor) Chunk(v jsonx.Value) {
	st := p.st
	if st.done {
		return
	}
	var modelVersion, responseID, errv []byte
	var cands, usage, feedback jsonx.Value
	it := v.Object()
	for it.Next() {
		switch {
		case it.KeyIs("candidates"):
			cands = it.Val()
		case it.KeyIs("usageMetadata"):
			usage = it.Val()
		case it.KeyIs("promptFeedback"):
			feedback = it.Val()
		case it.KeyIs("modelVersion"):
			modelVersion, _ = it.ValueStr()
		case it.KeyIs("responseId"):
			responseID, _ = it.ValueStr()
		case it.KeyIs("error"):
			errv = it.Value()
		}
	}
	if it.Err() != nil {
		p.Error(abi.CodeStreamTruncated, "Gemini sent a stream chunk that is not a JSON object", false)
		return
	}
	if errv != nil {
		e := providerError(0, errv)
		p.Error(e.Code, e.Message, e.Retryable)
		return
	}
	if !st.started {
		st.started = true
		st.responseID = append(st.responseID[:0], responseID...)
		if len(modelVersion) == 0 {
			if m, ok, _ := jsonx.Lookup(p.Ctx, "model"); ok {
				modelVersion, _ = jsonx.Str(m)
			}
		}
		p.Start(responseID, modelVersion)
	} else if len(st.responseID) == 0 {
		st.responseID = append(st.responseID, responseID...)
	}
	if usage.Exists() {
		p.usage(usage)
	}
	var finish []byte
	if cands.Exists() {
		ai := cands.Array()
		if ai.Next() { // candidateCount is 1: the first candidate only
			finish = p.candidate(ai.Val())
		}
		if st.done {
			return
		}
	}
	if finish != nil {
		p.finish(finish)
		return
	}
	if feedback.Exists() {
		if br, ok, _ := feedback.Lookup("blockReason"); ok {
			raw := enumValue(br.Raw())
			if st.hasUsage {
				p.Buf = rawevent.EmitUsage(p.Out, p.Buf, &st.usage)
			}
			p.Buf = rawevent.EmitFinish(p.Out, p.Buf, abi.FinishContentFilter, raw)
			st.done = true
		}
	}
}

func (p *processor) usage(u jsonx.Value) {
	var prompt, toolPrompt, cand, thoughts, cached int64
	it := u.Object()
	for it.Next() {
		var dst *int64
		switch {
		case it.KeyIs("promptTokenCount"):
			dst = &prompt
		case it.KeyIs("toolUsePromptTokenCount"):
			dst = &toolPrompt
		case it.KeyIs("candidatesTokenCount"):
			dst = &cand
		case it.KeyIs("thoughtsTokenCount"):
			dst = &thoughts
		case it.KeyIs("cachedContentTokenCount"):
			dst = &cached
		default:
			continue
		}
		if v, err := it.Val().Int(); err == nil && v >= 0 {
			*dst = v
		}
	}
	if prompt+toolPrompt+cand+thoughts+cached == 0 {
		return // e.g. {"trafficType":"ON_DEMAND"} on Vertex chunks
	}
	p.st.hasUsage = true
	p.st.usage = abi.Usage{
		InputTokens:       int(prompt + toolPrompt),
		OutputTokens:      int(cand + thoughts),
		CachedInputTokens: int(cached),
		ReasoningTokens:   int(thoughts),
	}
}

// candidate handles the first candidate and returns its raw finishReason.
func (p *processor) candidate(c jsonx.Value) (finish []byte) {
	var grounding, urlContext []byte
	var content jsonx.Value
	it := c.Object()
	for it.Next() {
		switch {
		case it.KeyIs("groundingMetadata"):
			grounding = it.Value()
		case it.KeyIs("urlContextMetadata"), it.KeyIs("url_context_metadata"):
			urlContext = it.Value()
		case it.KeyIs("content"):
			content = it.Val()
		case it.KeyIs("finishReason"):
			finish = enumValue(it.Value())
		}
	}
	if content.Exists() {
		if parts, ok, _ := content.Lookup("parts"); ok {
			pi := parts.Array()
			for pi.Next() && !p.st.done {
				p.part(pi.Val())
			}
		}
	}
	if finish != nil && urlContext != nil && !p.st.done {
		p.urlContext(urlContext)
	}
	if finish != nil && grounding != nil && !p.st.done {
		p.grounding(grounding)
	}
	return finish
}

// part handles one part. Text parts continue one another (a stream's
// chunks split the text anywhere); when a part of another kind (a thought,
// a function call, code execution and its result) comes between two text
// parts, a text-delta "\n\n" comes before the later text, so that the two
// do not run together (the ABI's text boundaries).
func (p *processor) part(b jsonx.Value) {
	var text, sig, code, codeResult []byte
	var call jsonx.Value
	hasText, thought, other := false, false, false
	it := b.Object()
	for it.Next() {
		switch {
		case it.KeyIs("text"):
			text, _ = it.ValueStr()
			hasText = true
		case it.KeyIs("thought"):
			thought, _ = it.Val().Bool()
		case it.KeyIs("thoughtSignature"):
			sig, _ = it.ValueStr()
		case it.KeyIs("functionCall"):
			call = it.Val()
		case it.KeyIs("executableCode"):
			code, other = it.Value(), true
		case it.KeyIs("codeExecutionResult"):
			codeResult, other = it.Value(), true
		}
	}
	if (other || call.Exists() || thought && len(text) > 0) && p.st.textSeen {
		p.st.textGap = true
	}
	if thought {
		if len(text) > 0 {
			p.Buf = rawevent.EmitString(p.Out, p.Buf, "reasoning-delta", "text", text)
		}
		if len(sig) > 0 {
			p.Buf = rawevent.EmitString(p.Out, p.Buf, "reasoning-signature", "signature", sig)
		}
		return
	}
	if len(sig) > 0 {
		p.Buf = rawevent.EmitString(p.Out, p.Buf, "reasoning-signature", "signature", sig)
	}
	if hasText && len(text) > 0 {
		if p.st.textGap {
			p.Buf = rawevent.EmitString(p.Out, p.Buf, "text-delta", "text", []byte(`\n\n`))
			p.st.textGap = false
		}
		p.st.textSeen = true
		p.Buf = rawevent.EmitString(p.Out, p.Buf, "text-delta", "text", text)
	}
	if call.Exists() {
		p.functionCall(call)
	}
	if code != nil || codeResult != nil {
		p.codeExecution(code, codeResult)
	}
}

func (p *processor) functionCall(b jsonx.Value) {
	st := p.st
	var name, args, id []byte
	var partial jsonx.Value
	willContinue := false
	it := b.Object()
	for it.Next() {
		switch {
		case it.KeyIs("name"):
			name, _ = it.ValueStr()
		case it.KeyIs("args"):
			args = it.Value()
		case it.KeyIs("id"):
			id, _ = it.ValueStr()
		case it.KeyIs("partialArgs"):
			partial = it.Val()
		case it.KeyIs("willContinue"):
			willContinue, _ = it.Val().Bool()
		}
	}
	if !st.inCall && len(name) == 0 {
		if args == nil && !partial.Exists() && !willContinue {
			return // an empty part
		}
		p.Error(abi.CodeToolArgumentsInvalid, "Gemini sent a function call without a name", false)
		return
	}
	if !st.inCall && !willContinue && !partial.Exists() {
		// A whole call.
		var idb, ab [128]byte
		cid := p.callID(idb[:0], id, name, args)
		a := ab[:0]
		if jsonx.KindOf(args) == jsonx.KindObject {
			a = rawevent.CompactJSON(a, args)
		} else {
			a = append(a, "{}"...)
		}
		st.sawCall = true
		p.Buf = rawevent.EmitToolCall(p.Out, p.Buf, false, st.calls, cid, name, a)
		st.calls++
		return
	}
	// Streamed arguments (streamFunctionCallArguments): a part with the
	// name and willContinue opens the call, parts with partialArgs extend
	// it, and a part without willContinue closes it.
	if !st.inCall {
		st.inCall, st.sawCall = true, true
		st.callID = p.callID(st.callID[:0], id, name, nil)
		st.callName = append(st.callName[:0], name...)
		st.callArgs = st.callArgs[:0]
		p.Buf = rawevent.EmitToolCallStart(p.Out, p.Buf, st.calls, st.callID, name)
	}
	if partial.Exists() {
		ai := partial.Array()
		for ai.Next() {
			if !p.partialArg(ai.Val()) {
				return
			}
		}
	}
	if !willContinue {
		p.closeCall()
	}
}

func (p *processor) callID(dst, id, name, args []byte) []byte {
	if out, ok := rawevent.AppendID(dst, id); ok {
		return out
	}
	return toolID(dst, p.st.responseID, p.st.calls, name, args)
}

// argDelta emits the bytes appended to the open call's arguments from off.
func (p *processor) argDelta(off int) {
	st := p.st
	if off == len(st.callArgs) {
		return
	}
	p.Buf = rawevent.EmitToolCallDelta(p.Out, p.Buf, st.calls, st.callArgs[off:])
}

// partialArg adds one {jsonPath, stringValue|numberValue|boolValue|nullValue,
// willContinue} piece to the open call. Paths may be nested
// ("$.recipe.ingredients[0].amount", "$.tags[1]", "$['a b']"): the
// arguments are written as JSON text in the order the pieces come, opening
// and closing objects and arrays as the path moves (see pathStep), so the
// deltas concatenate to the arguments. A path that is not a JSONPath of
// keys and indices under the root object, or that treats one container as
// both an object and an array, ends the stream with tool_arguments_invalid.
func (p *processor) partialArg(b jsonx.Value) bool {
	st := p.st
	var path, val []byte
	kind := jsonx.KindInvalid
	cont := false
	it := b.Object()
	for it.Next() {
		switch {
		case it.KeyIs("jsonPath"):
			path, _ = it.ValueStr()
		case it.KeyIs("stringValue"):
			val, _ = it.ValueStr()
			kind = jsonx.KindString
		case it.KeyIs("numberValue"), it.KeyIs("boolValue"):
			val, kind = it.Value(), jsonx.KindNumber
		case it.KeyIs("nullValue"):
			val, kind = []byte("null"), jsonx.KindNull
		case it.KeyIs("willContinue"):
			cont, _ = it.Val().Bool()
		}
	}
	var curBuf, prevBuf [16]pathSeg
	cur, ok := parsePath(curBuf[:0], path)
	if !ok || len(cur) == 0 || kind == jsonx.KindInvalid {
		p.Error(abi.CodeToolArgumentsInvalid, "Gemini streamed a function-call argument at a path this adapter cannot read (a JSONPath of keys and indices under $ is expected)", false)
		return false
	}
	off := len(st.callArgs)
	if st.openStr && bytes.Equal(path, st.callPath) && kind == jsonx.KindString {
		st.callArgs = append(st.callArgs, val...)
	} else {
		if st.openStr {
			st.callArgs = append(st.callArgs, '"')
			st.openStr = false
		}
		prev, _ := parsePath(prevBuf[:0], st.callPath)
		var stepOK bool
		if st.callArgs, stepOK = pathStep(st.callArgs, prev, cur); !stepOK {
			p.Error(abi.CodeToolArgumentsInvalid, "Gemini streamed function-call arguments whose paths use one value both as an object and as an array", false)
			return false
		}
		st.callPath = append(st.callPath[:0], path...)
		if kind == jsonx.KindString {
			st.callArgs = append(st.callArgs, '"')
			st.callArgs = append(st.callArgs, val...)
			st.openStr = true
		} else {
			st.callArgs = append(st.callArgs, val...)
		}
	}
	if st.openStr && !cont {
		st.callArgs = append(st.callArgs, '"')
		st.openStr = false
	}
	p.argDelta(off)
	return true
}

// pathSeg is one step of a JSONPath: an object key (raw JSON string
// content) or an array index.
type pathSeg struct {
	key   []byte
	index int
	isIdx bool
}

// parsePath appends the steps of a JSONPath ("$", then ".key", "[n]",
// "['key']" or "[\"key\"]" steps; at least one, the first a key: the
// arguments are an object) to dst. ok is false for anything else.
func parsePath(dst []pathSeg, path []byte) (segs []pathSeg, ok bool) {
	if len(path) == 0 {
		return dst, true // no value yet
	}
	if path[0] != '$' {
		return dst, false
	}
	rest := path[1:]
	for len(rest) > 0 {
		switch rest[0] {
		case '.':
			n := 1
			for n < len(rest) && rest[n] != '.' && rest[n] != '[' {
				n++
			}
			if n == 1 {
				return dst, false
			}
			dst = append(dst, pathSeg{key: rest[1:n]})
			rest = rest[n:]
		case '[':
			end := bytes.IndexByte(rest, ']')
			if end < 2 {
				return dst, false
			}
			in := rest[1:end]
			if q := in[0]; q == '\'' || q == '"' {
				if len(in) < 3 || in[len(in)-1] != q {
					return dst, false
				}
				dst = append(dst, pathSeg{key: in[1 : len(in)-1]})
			} else {
				v := 0
				for _, c := range in {
					if c < '0' || c > '9' || v > 1<<24 {
						return dst, false
					}
					v = v*10 + int(c-'0')
				}
				dst = append(dst, pathSeg{index: v, isIdx: true})
			}
			rest = rest[end+1:]
		default:
			return dst, false
		}
	}
	return dst, len(dst) > 0 && !dst[0].isIdx
}

// pathStep appends to args (the arguments written so far, whose last value
// is at path prev, or nothing when prev is empty) the JSON text that leads
// to a value at path cur: the containers of prev that cur leaves are
// closed, a comma separates cur from the last member of the container the
// two share, and cur's own containers are opened, each with its key. It
// reports false when cur uses a container of prev as the other kind
// (object or array). Values arrive in document order, so closing a
// container is final.
func pathStep(args []byte, prev, cur []pathSeg) ([]byte, bool) {
	if len(cur) == 0 {
		return args, false // a value needs a path
	}
	if len(args) == 0 {
		args = append(args, '{')
	} else if len(prev) == 0 {
		// Arguments written before the path was kept (top-level values
		// only): the root object is the open container.
		args = append(args, ',')
		prev = nil
	}
	// k: the depth of the deepest container prev and cur share (0 is the
	// root object). Containers of prev are at depths 0..len(prev)-1.
	k := 0
	for k < len(prev)-1 && k < len(cur)-1 && sameSeg(prev[k], cur[k]) {
		k++
	}
	if len(prev) > 0 {
		if prev[k].isIdx != cur[k].isIdx {
			return args, false
		}
		for i := len(prev) - 1; i > k; i-- {
			args = closeFor(args, prev[i])
		}
		args = append(args, ',')
	}
	for i := k; i < len(cur); i++ {
		if i > k {
			args = openFor(args, cur[i])
		}
		if !cur[i].isIdx {
			args = append(args, '"')
			args = append(args, cur[i].key...)
			args = append(args, '"', ':')
		}
	}
	return args, true
}

func sameSeg(a, b pathSeg) bool {
	return a.isIdx == b.isIdx && a.index == b.index && bytes.Equal(a.key, b.key)
}

// openFor opens the container a step leads into: an array for an index,
// an object for a key.
func openFor(args []byte, s pathSeg) []byte {
	if s.isIdx {
		return append(args, '[')
	}
	return append(args, '{')
}

// closeFor closes the container a step led into.
func closeFor(args []byte, s pathSeg) []byte {
	if s.isIdx {
		return append(args, ']')
	}
	return append(args, '}')
}

func (p *processor) closeCall() {
	st := p.st
	off := len(st.callArgs)
	if st.openStr {
		st.callArgs = append(st.callArgs, '"')
		st.openStr = false
	}
	if len(st.callArgs) == 0 {
		st.callArgs = append(st.callArgs, '{')
	}
	var prevBuf [16]pathSeg
	prev, _ := parsePath(prevBuf[:0], st.callPath)
	for i := len(prev) - 1; i > 0; i-- {
		st.callArgs = closeFor(st.callArgs, prev[i])
	}
	st.callArgs = append(st.callArgs, '}')
	p.argDelta(off)
	if !jsonx.Valid(st.callArgs) {
		p.Error(abi.CodeToolArgumentsInvalid, "Gemini's streamed function-call arguments do not form a JSON object", false)
		return
	}
	p.Buf = rawevent.EmitToolCallEnd(p.Out, p.Buf, st.calls, st.callID, st.callName, st.callArgs)
	st.calls++
	st.inCall = false
	st.callID, st.callName, st.callArgs, st.callPath = st.callID[:0], st.callName[:0], st.callArgs[:0], st.callPath[:0]
}

// enumValue returns the raw content of an enum value: a string's content,
// or the digits of a number (the API's protobuf enum numbers, sent when a
// client asks for enum-encoding=int).
func enumValue(v []byte) []byte {
	if jsonx.KindOf(v) == jsonx.KindNumber {
		if n, err := jsonx.Int(v); err == nil && n >= 0 {
			return v
		}
		return nil
	}
	s, _ := jsonx.Str(v)
	return s
}

// finishReason maps Gemini's finishReason (see the package documentation),
// by name or by its protobuf enum number.
func finishReason(raw []byte, sawCall bool) abi.FinishReason {
	switch string(raw) {
	case "1":
		raw = []byte("STOP")
	case "2":
		raw = []byte("MAX_TOKENS")
	case "3", "4", "7", "8", "9", "11":
		return abi.FinishContentFilter // SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII, IMAGE_SAFETY
	case "10":
		return abi.FinishError // MALFORMED_FUNCTION_CALL
	}
	switch string(raw) {
	case "STOP":
		if sawCall {
			return abi.FinishToolCalls
		}
		return abi.FinishStop
	case "MAX_TOKENS":
		return abi.FinishLength
	case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
		"IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION":
		return abi.FinishContentFilter
	case "MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL", "TOO_MANY_TOOL_CALLS":
		return abi.FinishError
	}
	return abi.FinishOther
}

func (p *processor) finish(raw []byte) {
	st := p.st
	if st.inCall {
		p.Error(abi.CodeToolArgumentsInvalid, "Gemini finished while streaming a function call's arguments: the call is incomplete", false)
		return
	}
	if st.hasUsage {
		p.Buf = rawevent.EmitUsage(p.Out, p.Buf, &st.usage)
	}
	p.Buf = rawevent.EmitFinish(p.Out, p.Buf, finishReason(raw, st.sawCall), raw)
	st.done = true
}
