package gemini

import (
	"encoding/binary"
	"errors"
	"strconv"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/toolid"
)

// Event writing for the hot path: events are written as raw JSON, string
// values copied from the provider's JSON as they were escaped there (the
// reader validated them), so that no string is allocated.

// emitRawString emits {"type":<typ>,"<key>":"<raw>"} where raw is the
// escaped content of a JSON string.
func emitRawString(out *guest.Output, buf []byte, typ, key string, raw []byte) []byte {
	buf = append(buf[:0], `{"type":"`...)
	buf = append(buf, typ...)
	buf = append(buf, `","`...)
	buf = append(buf, key...)
	buf = append(buf, `":"`...)
	buf = append(buf, raw...)
	buf = append(buf, `"}`...)
	out.EmitRaw(buf)
	return buf
}

// appendQuoted appends b, which is valid compact JSON text, as a JSON string.
// Valid JSON text has no raw control characters, so only quotes and
// backslashes need escaping.
func appendQuoted(dst, b []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i, c := range b {
		if c == '"' || c == '\\' {
			dst = append(dst, b[start:i]...)
			dst = append(dst, '\\', c)
			start = i + 1
		}
	}
	dst = append(dst, b[start:]...)
	return append(dst, '"')
}

// compactJSON appends src, valid JSON, without insignificant whitespace.
func compactJSON(dst, src []byte) []byte {
	in, esc := false, false
	for _, c := range src {
		if in {
			dst = append(dst, c)
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				in = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			in = true
		}
		dst = append(dst, c)
	}
	return dst
}

// emitToolCall emits tool-call-start, one tool-call-delta with the whole
// arguments, and tool-call. id is plain ASCII (see toolID); name and args
// are raw (escaped string content, and compact JSON object text).
func emitToolCall(out *guest.Output, buf []byte, whole bool, index int, id, name, args []byte) []byte {
	if whole {
		goto call
	}
	buf = append(buf[:0], `{"type":"tool-call-start","index":`...)
	buf = strconv.AppendInt(buf, int64(index), 10)
	buf = append(buf, `,"id":"`...)
	buf = append(buf, id...)
	buf = append(buf, `","name":"`...)
	buf = append(buf, name...)
	buf = append(buf, `"}`...)
	out.EmitRaw(buf)
	buf = append(buf[:0], `{"type":"tool-call-delta","index":`...)
	buf = strconv.AppendInt(buf, int64(index), 10)
	buf = append(buf, `,"arguments":`...)
	buf = appendQuoted(buf, args)
	buf = append(buf, '}')
	out.EmitRaw(buf)
call:
	buf = append(buf[:0], `{"type":"tool-call","index":`...)
	buf = strconv.AppendInt(buf, int64(index), 10)
	buf = append(buf, `,"id":"`...)
	buf = append(buf, id...)
	buf = append(buf, `","name":"`...)
	buf = append(buf, name...)
	buf = append(buf, `","arguments":`...)
	buf = appendQuoted(buf, args)
	buf = append(buf, '}')
	out.EmitRaw(buf)
	return buf
}

// safeID reports whether s may be used in an ID as is: [A-Za-z0-9_-], as
// Gemini's response IDs are.
func safeID(s []byte) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// toolID appends the synthesized ID of call n of a response: toolid's
// synthesized ID keyed by the response ID, or, for a response without one,
// by the call's name and arguments (see the package documentation).
func toolID(dst, responseID []byte, n int, name, args []byte) []byte {
	key := string(responseID)
	if len(responseID) == 0 {
		key = "noid\x00" + string(name) + "\x00" + string(args)
	}
	return append(dst, toolid.Synthesize("call_", key, n)...)
}

func emitUsage(out *guest.Output, buf []byte, u *abi.Usage) []byte {
	buf = append(buf[:0], `{"type":"usage","input_tokens":`...)
	buf = strconv.AppendInt(buf, int64(u.InputTokens), 10)
	buf = append(buf, `,"output_tokens":`...)
	buf = strconv.AppendInt(buf, int64(u.OutputTokens), 10)
	buf = append(buf, `,"cached_input_tokens":`...)
	buf = strconv.AppendInt(buf, int64(u.CachedInputTokens), 10)
	buf = append(buf, `,"reasoning_tokens":`...)
	buf = strconv.AppendInt(buf, int64(u.ReasoningTokens), 10)
	buf = append(buf, '}')
	out.EmitRaw(buf)
	return buf
}

// emitFinish emits a finish event; raw is escaped string content.
func emitFinish(out *guest.Output, buf []byte, reason abi.FinishReason, raw []byte) []byte {
	buf = append(buf[:0], `{"type":"finish","reason":"`...)
	buf = append(buf, reason...)
	buf = append(buf, `","raw_reason":"`...)
	buf = append(buf, raw...)
	buf = append(buf, `"}`...)
	out.EmitRaw(buf)
	return buf
}

// state is the transform state between calls of one stream.
type state struct {
	started, done, sawCall, hasUsage bool
	// inCall: a function call whose arguments Gemini streams in pieces
	// (partialArgs) is open; openStr: its current string value is open.
	inCall, openStr bool
	calls           int
	usage           abi.Usage
	responseID      []byte
	// The open streamed call: its ID, name, arguments so far and the path
	// of the open string value.
	callID, callName, callArgs, callPath []byte
}

const stateVersion = 1

var errState = errors.New("gemini: transform state is not from this module version")

func (s *state) decode(b []byte) error {
	*s = state{responseID: s.responseID[:0], callID: s.callID[:0], callName: s.callName[:0], callArgs: s.callArgs[:0], callPath: s.callPath[:0]}
	if len(b) == 0 {
		return nil
	}
	if b[0] != stateVersion || len(b) < 2 {
		return errState
	}
	f := b[1]
	s.started, s.done, s.sawCall, s.hasUsage = f&1 != 0, f&2 != 0, f&4 != 0, f&8 != 0
	s.inCall, s.openStr = f&16 != 0, f&32 != 0
	b = b[2:]
	var vals [5]uint64
	for i := range vals {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return errState
		}
		vals[i], b = v, b[n:]
	}
	s.calls = int(vals[0])
	s.usage = abi.Usage{InputTokens: int(vals[1]), OutputTokens: int(vals[2]), CachedInputTokens: int(vals[3]), ReasoningTokens: int(vals[4])}
	for _, dst := range []*[]byte{&s.responseID, &s.callID, &s.callName, &s.callArgs, &s.callPath} {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return errState
		}
		*dst = append(*dst, b[k:k+int(n)]...)
		b = b[k+int(n):]
	}
	if len(b) != 0 {
		return errState
	}
	return nil
}

func (s *state) encode(dst []byte) []byte {
	var f byte
	for i, on := range [...]bool{s.started, s.done, s.sawCall, s.hasUsage, s.inCall, s.openStr} {
		if on {
			f |= 1 << i
		}
	}
	dst = append(dst, stateVersion, f)
	for _, v := range [...]int{s.calls, s.usage.InputTokens, s.usage.OutputTokens, s.usage.CachedInputTokens, s.usage.ReasoningTokens} {
		dst = binary.AppendUvarint(dst, uint64(max(v, 0)))
	}
	for _, b := range [...][]byte{s.responseID, s.callID, s.callName, s.callArgs, s.callPath} {
		dst = binary.AppendUvarint(dst, uint64(len(b)))
		dst = append(dst, b...)
	}
	return dst
}
