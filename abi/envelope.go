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

// SplitProjection (ABI 1.5) is the first byte of a split provider request:
// the OK payload of wasmadapt_project or wasmadapt_project_op from a
// module that reports 1.5 or later may be this byte, the length of a head
// as 4 bytes little-endian, the head (the provider request's JSON object
// without its body) and then the body's JSON text, raw, to the end of the
// payload. The host compacts and checks the body itself, natively, as
// json.Marshal writes a json.RawMessage, so a module does not walk a body
// it has just written. A JSON payload never starts with this byte.
const SplitProjection byte = 0x01

// AppendSplitProjection appends the split provider request of head (the
// JSON object of the provider request without its body) and body (the
// body's JSON text; empty for none) to dst.
func AppendSplitProjection(dst, head, body []byte) []byte {
	dst = append(dst, SplitProjection)
	dst = appendU32(dst, uint32(len(head)))
	dst = append(dst, head...)
	return append(dst, body...)
}

// DecodeSplitProjection splits a payload that starts with SplitProjection
// into the head and the body; the results alias payload. It returns
// ErrEnvelope when the payload does not start with SplitProjection or its
// head length runs past the payload.
func DecodeSplitProjection(payload []byte) (head, body []byte, err error) {
	return splitLengthPrefixed(payload, SplitProjection)
}

// splitLengthPrefixed splits b, which starts with first and the length of
// a first part as 4 bytes little-endian, into that part and the rest.
func splitLengthPrefixed(b []byte, first byte) (part, rest []byte, err error) {
	if len(b) < 5 || b[0] != first {
		return nil, nil, ErrEnvelope
	}
	n := binary.LittleEndian.Uint32(b[1:])
	if uint64(n) > uint64(len(b)-5) {
		return nil, nil, ErrEnvelope
	}
	return b[5 : 5+n], b[5+n:], nil
}

// TapedRequest (ABI 1.5) is the first byte of a taped request, the
// wasmadapt_project input a host may send a module that exports
// ExportRequestTapeMarker: this byte, the length of the normalized
// request's JSON as 4 bytes little-endian, the JSON, then its tape
// (AppendTape) to the end of the input. A JSON input never starts with
// this byte; a host sends the plain JSON when the request has no tape.
const TapedRequest byte = 0x01

// AppendTapedRequest appends the taped request of request (the normalized
// request's JSON) to dst. When request has no tape (see AppendTape) it
// returns dst unchanged and false.
func AppendTapedRequest(dst, request []byte) ([]byte, bool) {
	n := len(dst)
	dst = append(dst, TapedRequest)
	dst = appendU32(dst, uint32(len(request)))
	dst = append(dst, request...)
	dst, ok := AppendTape(dst, request)
	if !ok {
		return dst[:n], false
	}
	return dst, true
}

// DecodeTapedRequest splits a taped request into the JSON and its tape;
// the results alias in. It returns ErrEnvelope when in does not start
// with TapedRequest or the JSON's length runs past it.
func DecodeTapedRequest(in []byte) (request, tape []byte, err error) {
	return splitLengthPrefixed(in, TapedRequest)
}
