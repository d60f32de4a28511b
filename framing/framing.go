// Package framing splits a provider's HTTP response body into the chunks the
// host hands to an adapter's wasmadapt_transform, and undoes the body's
// Content-Encoding with a hard limit on the decompressed size.
//
// It is the one framer of the project: the host frames live responses with
// it, the registry's self-test runner (engine/registry) and the case runner
// (api/cases) frame recorded bodies with it, and the adapter test kit
// (guest/guesttest) splits hand-written streams with it. Feeder is the one
// replay loop of all three: it feeds chunks through a transform as the host
// does. It depends on abi and the standard
// library (and a decompressor), never on a runtime, so all of them may
// import it, a guest's tests included.
//
// Everything here parses untrusted bytes from the network. The framers never
// panic, never buffer more than a bounded amount of memory, and report every
// problem as an *abi.Error with a stable code.
//
// # Framings
//
// The framing is the one the adapter declared in ProviderRequest.StreamFraming:
//
//   - "sse" (SSE): Server-Sent Events per the WHATWG HTML specification. Lines
//     end in LF, CRLF or CR (a CRLF cut between two reads is one line end); a
//     leading UTF-8 byte order mark is dropped; "data:" lines are joined with
//     "\n"; one space after the colon is dropped; "event:" becomes
//     Chunk.Event (empty when the event has no "event:" field; the
//     specification's default type "message" is NOT filled in); comment lines
//     (starting with ":"), "id:", "retry:" and unknown fields are ignored; a
//     blank line dispatches the event; an event without any "data:" line is not
//     dispatched. One deliberate departure from the specification: at the end
//     of the body, an unterminated last line is processed and a pending event
//     that has data is dispatched, where the specification discards it.
//     Providers do end streams without the final blank line, and losing their
//     last event would lose data; whether the stream was complete is for the
//     adapter to judge from the provider's end marker. Bytes are passed
//     through as they are: invalid UTF-8 is not replaced here.
//   - "ndjson" (NDJSON): one JSON value per line. Lines end in LF or CRLF;
//     leading and trailing whitespace is trimmed; blank lines are skipped; a
//     last line without a line end is accepted. A line that is not valid JSON
//     is an error (see below). Chunk.Event is empty.
//   - "aws-eventstream" (EventStream): the AWS binary event-stream encoding
//     (application/vnd.amazon.eventstream), with both CRC32 checks. Chunk.Data
//     is the message payload and Chunk.Event is derived from its headers; see
//     EventStream.
//   - "none": the whole body as one chunk (also for an empty body), at most
//     Options.MaxBodyBytes long.
//
// The bytes of a yielded chunk may alias the framer's internal buffers: they
// are valid until the loop body returns (the next iteration). A caller that
// keeps a chunk must copy it. The framers reuse their buffers, so in steady
// state they allocate nothing per chunk; their initial read buffer (and the
// SSE framer's data buffer) come from a pool and go back to it when the
// iteration ends, so a short body does not cost a fresh buffer either.
//
// # Limits
//
// Options.MaxEventBytes (default 16 MiB) bounds a single SSE line and the
// joined data of an SSE event, an NDJSON line and an event-stream message.
// An event over the limit is an error as soon as the framer has seen
// MaxEventBytes+1 of its bytes: it is never buffered whole. The buffers grow
// with the largest event seen, up to that limit. Decompress bounds the total
// decompressed size.
//
// # Errors
//
// Every error is an *abi.Error. The codes are:
//
//   - stream_truncated: the body is not a valid stream of the declared
//     framing, or it ended or failed mid-frame. Its cause (errors.Is) is
//     ErrMalformed for corrupt framing (bad CRC, absurd length, unknown header
//     type, an NDJSON line that is not JSON), ErrLimit for a size over a limit,
//     io.ErrUnexpectedEOF for a body that ends inside an event-stream frame, or
//     the reader's own error (context.Canceled, a reset connection, ...), which
//     stays reachable with errors.Is and errors.As. A read error that already
//     is an *abi.Error (from Decompress, say) is returned unchanged.
//   - adapter_bad_output: Split was given a framing name it does not know (the
//     name comes from the adapter's provider request).
//   - server_error: Decompress was given a Content-Encoding it cannot decode.
//
// After an error, iteration ends: the error is the last value yielded.
//
// Each iterator reads from its body as it is ranged over; range over it once.
package framing

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"sync"

	"github.com/wasmadapt/wasmadapt/abi"
)

// Default limits.
const (
	// DefaultMaxEventBytes is the default Options.MaxEventBytes: 16 MiB.
	DefaultMaxEventBytes = 16 << 20
	// DefaultMaxBodyBytes is the default Options.MaxBodyBytes: 64 MiB.
	DefaultMaxBodyBytes = 64 << 20
)

// Options bound the framers. The zero value is ready to use.
type Options struct {
	// MaxEventBytes is the largest single event, line or message accepted
	// (an SSE line or the joined data of an SSE event, an NDJSON line, a
	// whole event-stream message). 0 or less means DefaultMaxEventBytes;
	// values above 1 GiB are treated as 1 GiB.
	MaxEventBytes int
	// MaxBodyBytes is the largest body the "none" framing accepts. 0 or
	// less means DefaultMaxBodyBytes; values above 1 GiB are treated as
	// 1 GiB.
	MaxBodyBytes int
}

func (o Options) maxEvent() int {
	if o.MaxEventBytes <= 0 {
		return DefaultMaxEventBytes
	}
	return min(o.MaxEventBytes, maxLimit)
}

func (o Options) maxBody() int {
	if o.MaxBodyBytes <= 0 {
		return DefaultMaxBodyBytes
	}
	return min(o.MaxBodyBytes, maxLimit)
}

// ErrMalformed is the cause (errors.Is) of every stream_truncated error that
// reports corrupt framing: the bytes are not a valid stream of the framing.
var ErrMalformed = errors.New("framing: malformed stream")

// ErrLimit is the cause (errors.Is) of every error that reports a size over
// a limit (Options.MaxEventBytes, Options.MaxBodyBytes, the Decompress
// limit).
var ErrLimit = errors.New("framing: size limit exceeded")

// malformed returns a stream_truncated error caused by ErrMalformed.
func malformed(format string, args ...any) error {
	return &abi.Error{
		Code:    abi.CodeStreamTruncated,
		Message: fmt.Sprintf(format, args...),
		Err:     ErrMalformed,
	}
}

// tooLarge returns a stream_truncated error caused by ErrLimit.
func tooLarge(format string, args ...any) error {
	return &abi.Error{
		Code:    abi.CodeStreamTruncated,
		Message: fmt.Sprintf(format, args...),
		Err:     ErrLimit,
	}
}

// readError wraps an error of the body's reader. An error that already is
// an *abi.Error is returned as it is.
func readError(framing string, off int64, err error) error {
	var ae *abi.Error
	if errors.As(err, &ae) {
		return err
	}
	return abi.Wrap(abi.CodeStreamTruncated, err,
		fmt.Sprintf("%s: reading the response body failed at byte %d (the connection failed or the request was cancelled mid-stream)", framing, off))
}

// Split returns the chunks of body for the named framing: abi.FramingSSE,
// abi.FramingNDJSON, abi.FramingAWSEventStream or abi.FramingNone (the whole
// body as one chunk, at most opts.MaxBodyBytes). Any other name, the empty
// one included, yields a single adapter_bad_output error.
func Split(body io.Reader, framing string, opts Options) iter.Seq2[abi.Chunk, error] {
	switch framing {
	case abi.FramingSSE:
		return SSE(body, opts)
	case abi.FramingNDJSON:
		return NDJSON(body, opts)
	case abi.FramingAWSEventStream:
		return EventStream(body, opts)
	case abi.FramingNone:
		return Whole(body, opts)
	}
	return func(yield func(abi.Chunk, error) bool) {
		yield(abi.Chunk{}, abi.Errorf(abi.CodeAdapterBadOutput,
			"unknown stream_framing %q: the module must declare %q, %q, %q or %q",
			framing, abi.FramingSSE, abi.FramingNDJSON, abi.FramingAWSEventStream, abi.FramingNone))
	}
}

// Whole yields the whole body as one chunk (the "none" framing), even when
// the body is empty. A body longer than opts.MaxBodyBytes is a
// stream_truncated error caused by ErrLimit; a read error is returned
// wrapped. The chunk's Data is a fresh slice that the caller may keep.
func Whole(body io.Reader, opts Options) iter.Seq2[abi.Chunk, error] {
	return func(yield func(abi.Chunk, error) bool) {
		max := opts.maxBody()
		data, err := io.ReadAll(io.LimitReader(body, int64(max)+1))
		if err != nil {
			yield(abi.Chunk{}, readError("none", int64(len(data)), err))
			return
		}
		if len(data) > max {
			yield(abi.Chunk{}, tooLarge("none: the response body is longer than the limit of %d bytes: raise Options.MaxBodyBytes if such bodies are expected", max))
			return
		}
		yield(abi.Chunk{Data: data}, nil)
	}
}

// maxLimit caps the configurable limits so that sizes never overflow.
const maxLimit = 1 << 30

// minBuffer is the initial size of a framer's read buffer.
const minBuffer = 32 << 10

// buffer is a growable read buffer over the body. The unread bytes are
// buf[r0:w]; off is the stream offset of buf[0].
type buffer struct {
	r     io.Reader
	buf   []byte
	r0, w int
	limit int   // largest len(buf)
	off   int64 // stream offset of buf[0]
	err   error // sticky error of r; io.EOF at the end
	// pooled is the buffer taken from bufPool, given back by release
	// (also once buf has grown past it).
	pooled *pooledBuf
}

// pooledBuf is what bufPool holds: a framer's initial read buffer, and
// the scratch an SSE framer joins an event's data lines in (kept up to
// maxPooledScratch bytes).
type pooledBuf struct {
	read    [minBuffer]byte
	scratch []byte
}

// maxPooledScratch is the largest scratch buffer kept in the pool: a huge
// event's buffer is left to the collector.
const maxPooledScratch = 64 << 10

// bufPool holds the framers' initial read buffers between bodies: a body
// of a few kilobytes (a short answer, a tool call) would otherwise cost a
// fresh, zeroed minBuffer allocation per response. A framer takes one when
// its iteration starts and gives it back when the iteration ends, which
// is when the chunks it yielded stop being valid (see the package
// documentation): no yielded chunk aliases a buffer in the pool.
var bufPool = sync.Pool{New: func() any { return new(pooledBuf) }}

func newBuffer(r io.Reader, limit int) buffer {
	if limit < minBuffer {
		return buffer{r: r, buf: make([]byte, limit), limit: limit}
	}
	p := bufPool.Get().(*pooledBuf)
	return buffer{r: r, buf: p.read[:], limit: limit, pooled: p}
}

// scratch returns the pooled scratch buffer, empty (nil without one).
func (b *buffer) scratch() []byte {
	if b.pooled == nil {
		return nil
	}
	return b.pooled.scratch[:0]
}

// release gives the pooled buffers back, with s as the scratch buffer to
// keep (nil: the one the pool gave, for a framer that used none); the
// buffer is unusable after it.
func (b *buffer) release(s []byte) {
	if p := b.pooled; p != nil {
		if s != nil {
			p.scratch = nil
			if cap(s) <= maxPooledScratch {
				p.scratch = s[:0]
			}
		}
		bufPool.Put(p)
	}
	*b = buffer{}
}

// pos returns the stream offset of the first unread byte.
func (b *buffer) pos() int64 { return b.off + int64(b.r0) }

// fill makes room and reads once from r. It returns the number of bytes the
// caller's indices moved down by (compaction shift). When the buffer holds
// limit unread bytes already, it reads nothing. A read error is kept in
// b.err. After 100 empty reads in a row b.err is io.ErrNoProgress.
func (b *buffer) fill() (shift int) {
	if b.err != nil {
		return 0
	}
	if b.r0 > 0 && (b.w == len(b.buf) || b.r0 == b.w) {
		shift = b.r0
		copy(b.buf, b.buf[b.r0:b.w])
		b.w -= b.r0
		b.off += int64(b.r0)
		b.r0 = 0
	}
	if b.w == len(b.buf) {
		if len(b.buf) >= b.limit {
			return shift
		}
		nb := make([]byte, min(2*len(b.buf), b.limit))
		copy(nb, b.buf[:b.w])
		b.buf = nb
	}
	for range 100 {
		n, err := b.r.Read(b.buf[b.w:])
		if n < 0 || n > len(b.buf)-b.w {
			b.err = fmt.Errorf("framing: the body reader returned an invalid count %d", n)
			return shift
		}
		b.w += n
		if err != nil {
			b.err = err
			return shift
		}
		if n > 0 {
			return shift
		}
	}
	b.err = io.ErrNoProgress
	return shift
}
