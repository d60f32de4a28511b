package gemini

import (
	"encoding/binary"
	"errors"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest/toolid"
)

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

// state is the transform state between calls of one stream.
type state struct {
	started, done, sawCall, hasUsage bool
	// inCall: a function call whose arguments Gemini streams in pieces
	// (partialArgs) is open; openStr: its current string value is open.
	inCall, openStr bool
	// textSeen: a text part has given text; textGap: a part of another
	// kind came after it (the next text is a new paragraph).
	textSeen, textGap bool
	calls             int
	// codeRuns counts the executableCode parts so far (ABI 1.3 code
	// execution): the ID of run n is code_execution_<responseId>_<n>.
	codeRuns   int
	usage      abi.Usage
	responseID []byte
	// The open streamed call: its ID, name, arguments so far and the path
	// of the open string value.
	callID, callName, callArgs, callPath []byte
}

const stateVersion = 2

var errState = errors.New("gemini: transform state is not from this module version")

// Decode resets s, keeping its buffers, and reads the record b (empty at
// the start of a stream); it implements rawevent.State.
func (s *state) Decode(b []byte) error {
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
	s.textSeen, s.textGap = f&64 != 0, f&128 != 0
	b = b[2:]
	var vals [6]uint64
	for i := range vals {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return errState
		}
		vals[i], b = v, b[n:]
	}
	s.calls = int(vals[0])
	s.usage = abi.Usage{InputTokens: int(vals[1]), OutputTokens: int(vals[2]), CachedInputTokens: int(vals[3]), ReasoningTokens: int(vals[4])}
	s.codeRuns = int(vals[5])
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

// Encode appends the record of s to dst.
func (s *state) Encode(dst []byte) []byte {
	var f byte
	for i, on := range [...]bool{s.started, s.done, s.sawCall, s.hasUsage, s.inCall, s.openStr, s.textSeen, s.textGap} {
		if on {
			f |= 1 << i
		}
	}
	dst = append(dst, stateVersion, f)
	for _, v := range [...]int{s.calls, s.usage.InputTokens, s.usage.OutputTokens, s.usage.CachedInputTokens, s.usage.ReasoningTokens, s.codeRuns} {
		dst = binary.AppendUvarint(dst, uint64(max(v, 0)))
	}
	for _, b := range [...][]byte{s.responseID, s.callID, s.callName, s.callArgs, s.callPath} {
		dst = binary.AppendUvarint(dst, uint64(len(b)))
		dst = append(dst, b...)
	}
	return dst
}
