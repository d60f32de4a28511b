package abi

import (
	"encoding/binary"
	"errors"
)

// Status is the first byte of every result a module returns.
type Status byte

// The result statuses.
const (
	// StatusOK: the payload is the call's result.
	StatusOK Status = 0
	// StatusError: the payload is a JSON error object
	// {"code","message","retryable","pointer"} with a stable code.
	StatusError Status = 1
)

// Transform flags.
const (
	// FlagEnd marks the last call of a stream: the body ended (cleanly or
	// not) after the chunks in this call. The adapter flushes what it holds
	// and reports stream_truncated if it never saw its end marker.
	FlagEnd uint32 = 1 << 0
	// FlagTape (ABI 1.1) says every chunk in the envelope is followed by
	// its tape (see AppendTape). The host sets it only for a module that
	// opted in by exporting ExportTapeMarker.
	FlagTape uint32 = 1 << 1
)

// Chunk is one framed piece of a provider stream: an SSE event (Event is its
// "event:" field, Data its joined "data:" lines), an NDJSON line (Event
// empty), or an AWS event-stream message (Event is its ":event-type" header,
// or ":exception-type" prefixed by "exception:", and Data its payload).
type Chunk struct {
	Event []byte
	Data  []byte
	// Tape (ABI 1.1) is the tape of Data (see AppendTape), present only in
	// an envelope with FlagTape; empty when the host sends none for this
	// chunk (Data is not one JSON value, or is too large or dense), in
	// which case the module reads Data.
	Tape []byte
}

// TransformInput is the decoded input of wasmadapt_transform.
type TransformInput struct {
	Flags uint32
	// Context is the stream context (Request.Context as JSON). The host
	// sends it when State is empty (the first call of a stream) and may
	// leave it empty otherwise.
	Context []byte
	// State is the state the previous call returned; empty at the start.
	State  []byte
	Chunks []Chunk
}

// ResponseInput is the decoded input of wasmadapt_parse_response and
// wasmadapt_map_error.
type ResponseInput struct {
	// Status is the HTTP status code.
	Status uint32
	// Headers are the response headers the adapter may need, names in
	// lower case, in the order the host chose (sorted by name).
	Headers [][2][]byte
	// Context is the stream context (Request.Context as JSON), or empty.
	Context []byte
	Body    []byte
}

// ErrEnvelope is returned by the decoders for a malformed envelope.
var ErrEnvelope = errors.New("abi: malformed envelope")

func appendU32(dst []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(dst, v) }

func appendBytes(dst, b []byte) []byte {
	dst = appendU32(dst, uint32(len(b)))
	return append(dst, b...)
}

// AppendTransformInput appends the envelope of a transform call to dst.
// With FlagTape in in.Flags, each chunk's Tape follows its data as given;
// hosts use AppendTransformInputTaped to compute the tapes instead.
func AppendTransformInput(dst []byte, in *TransformInput) []byte {
	return appendTransformInput(dst, in, in.Flags, false)
}

// AppendTransformInputTaped appends the envelope of a transform call for a
// module that opted in to tapes (ABI 1.1): FlagTape is set and each
// chunk's data is followed by the tape AppendTape computes for it, written
// straight into dst (an empty tape when the data has none). The chunks'
// Tape fields are ignored. It allocates nothing beyond growing dst.
func AppendTransformInputTaped(dst []byte, in *TransformInput) []byte {
	return appendTransformInput(dst, in, in.Flags|FlagTape, true)
}

// appendTransformInput appends the envelope of a transform call with
// flags: with FlagTape each chunk's data is followed by a tape, the one
// AppendTape computes when compute is set, else the chunk's Tape.
func appendTransformInput(dst []byte, in *TransformInput, flags uint32, compute bool) []byte {
	dst = appendU32(dst, flags)
	dst = appendBytes(dst, in.Context)
	dst = appendBytes(dst, in.State)
	dst = appendU32(dst, uint32(len(in.Chunks)))
	for _, c := range in.Chunks {
		dst = appendBytes(dst, c.Event)
		dst = appendBytes(dst, c.Data)
		switch {
		case compute:
			at := len(dst)
			dst = appendU32(dst, 0)
			dst, _ = AppendTape(dst, c.Data)
			binary.LittleEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
		case flags&FlagTape != 0:
			dst = appendBytes(dst, c.Tape)
		}
	}
	return dst
}

type reader struct {
	b   []byte
	bad bool
}

func (r *reader) u32() uint32 {
	if len(r.b) < 4 {
		r.bad = true
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *reader) bytes() []byte {
	n := r.u32()
	if r.bad || uint64(n) > uint64(len(r.b)) {
		r.bad = true
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// DecodeTransformInput decodes a transform envelope. The result aliases b.
// chunks is reused (and grown) for the chunk slice, so a caller can decode
// without allocating.
func DecodeTransformInput(b []byte, in *TransformInput) error {
	r := reader{b: b}
	in.Flags = r.u32()
	in.Context = r.bytes()
	in.State = r.bytes()
	n := r.u32()
	per := uint64(8)
	taped := in.Flags&FlagTape != 0
	if taped {
		per = 12
	}
	if r.bad || uint64(n)*per > uint64(len(r.b)) {
		return ErrEnvelope
	}
	in.Chunks = in.Chunks[:0]
	for i := uint32(0); i < n; i++ {
		ev := r.bytes()
		data := r.bytes()
		var tape []byte
		if taped {
			tape = r.bytes()
		}
		if r.bad {
			return ErrEnvelope
		}
		in.Chunks = append(in.Chunks, Chunk{Event: ev, Data: data, Tape: tape})
	}
	if len(r.b) != 0 {
		return ErrEnvelope
	}
	return nil
}

// AppendResponseInput appends the envelope of a parse_response or map_error
// call to dst.
func AppendResponseInput(dst []byte, in *ResponseInput) []byte {
	dst = appendU32(dst, in.Status)
	dst = appendU32(dst, uint32(len(in.Headers)))
	for _, h := range in.Headers {
		dst = appendBytes(dst, h[0])
		dst = appendBytes(dst, h[1])
	}
	dst = appendBytes(dst, in.Context)
	return appendBytes(dst, in.Body)
}

// DecodeResponseInput decodes a response envelope. The result aliases b.
func DecodeResponseInput(b []byte, in *ResponseInput) error {
	r := reader{b: b}
	in.Status = r.u32()
	n := r.u32()
	if r.bad || uint64(n)*8 > uint64(len(r.b)) {
		return ErrEnvelope
	}
	in.Headers = in.Headers[:0]
	for i := uint32(0); i < n; i++ {
		k := r.bytes()
		v := r.bytes()
		if r.bad {
			return ErrEnvelope
		}
		in.Headers = append(in.Headers, [2][]byte{k, v})
	}
	in.Context = r.bytes()
	in.Body = r.bytes()
	if r.bad || len(r.b) != 0 {
		return ErrEnvelope
	}
	return nil
}

// Header returns the value of the named (lower-case) header, or nil.
func (in *ResponseInput) Header(name string) []byte {
	for _, h := range in.Headers {
		if string(h[0]) == name {
			return h[1]
		}
	}
	return nil
}

// AppendTransformOutput appends a successful transform result: status,
// state, then the events (newline-terminated JSON objects) in events.
func AppendTransformOutput(dst, state, events []byte) []byte {
	dst = append(dst, byte(StatusOK))
	dst = appendBytes(dst, state)
	return append(dst, events...)
}

// DecodeTransformOutput splits the payload of a successful transform result
// (the bytes after the status byte) into the new state and the event lines.
func DecodeTransformOutput(payload []byte) (state, events []byte, err error) {
	r := reader{b: payload}
	state = r.bytes()
	if r.bad {
		return nil, nil, ErrEnvelope
	}
	return state, r.b, nil
}
