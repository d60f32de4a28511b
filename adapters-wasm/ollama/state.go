package ollama

import (
	"encoding/binary"
	"errors"

	"github.com/wasmadapt/wasmadapt/guest/think"
)

// state is the transform state between calls of one stream: flag bits, the
// number of tool calls so far, and the response key (model NUL created_at
// of the first line).
type state struct {
	started, done, sawCall bool
	// split: the think_tags option is on; splitter carries its state.
	split    bool
	splitter think.Splitter
	calls    int
	key      []byte
}

// splitOptions configure the inline <think> splitter of think_tags.
var splitOptions = think.Options{TrimSpaceAfterClose: true}

const stateVersion = 1

var errState = errors.New("ollama: transform state is not from this module version")

// Decode resets s, keeping its buffers, and reads the record b (empty at
// the start of a stream); it implements rawevent.State.
func (s *state) Decode(b []byte) error {
	*s = state{key: s.key[:0]}
	if len(b) == 0 {
		return nil
	}
	if len(b) < 3 || b[0] != stateVersion {
		return errState
	}
	f := b[1]
	s.started, s.done, s.sawCall, s.split = f&1 != 0, f&2 != 0, f&4 != 0, f&8 != 0
	n, k := binary.Uvarint(b[2:])
	if k <= 0 || n > 1<<20 {
		return errState
	}
	s.calls = int(n)
	b = b[2+k:]
	if s.split {
		if len(b) < think.StateSize {
			return errState
		}
		s.splitter, _ = think.New(splitOptions)
		if err := s.splitter.LoadState(b[:think.StateSize]); err != nil {
			return errState
		}
		b = b[think.StateSize:]
	}
	s.key = append(s.key, b...)
	return nil
}

// Encode appends the record of s to dst.
func (s *state) Encode(dst []byte) []byte {
	var f byte
	for i, on := range [...]bool{s.started, s.done, s.sawCall, s.split} {
		if on {
			f |= 1 << i
		}
	}
	dst = append(dst, stateVersion, f)
	dst = binary.AppendUvarint(dst, uint64(s.calls))
	if s.split {
		dst = s.splitter.AppendState(dst)
	}
	return append(dst, s.key...)
}
