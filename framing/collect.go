package framing

import (
	"bytes"
	"errors"

	"github.com/wasmadapt/wasmadapt/abi"
)

// Chunks frames a whole body held in memory with Split and returns every
// chunk, copied (the caller may keep them), for replaying recorded or
// hand-written streams. It stops at the first error and returns it with
// the chunks framed before it.
func Chunks(body []byte, framing string, opts Options) ([]abi.Chunk, error) {
	var out []abi.Chunk
	for ch, err := range Split(bytes.NewReader(body), framing, opts) {
		if err != nil {
			return out, err
		}
		out = append(out, abi.Chunk{Event: bytes.Clone(ch.Event), Data: bytes.Clone(ch.Data)})
	}
	return out, nil
}

// ErrorEvent is the error event a replay of a recorded stream ends with
// when framing it failed with err: err's code, message and retryability
// when it is an *abi.Error (every framer error is), else stream_truncated.
func ErrorEvent(err error) abi.Event {
	e := abi.Event{Type: abi.EventError, Code: abi.CodeStreamTruncated, Message: err.Error()}
	if ae := (*abi.Error)(nil); errors.As(err, &ae) {
		e.Code, e.Message, e.Retryable = ae.Code, ae.Message, ae.Retryable
	}
	return e
}
