package framing

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"iter"

	"github.com/wasmadapt/wasmadapt/abi"
)

// HeaderType is the type byte of an event-stream header value.
type HeaderType uint8

// The event-stream header value types and the size of their encoded values.
const (
	HeaderTrue      HeaderType = 0 // boolean true, no value bytes
	HeaderFalse     HeaderType = 1 // boolean false, no value bytes
	HeaderByte      HeaderType = 2 // 1 byte
	HeaderShort     HeaderType = 3 // 2 bytes, big-endian
	HeaderInt       HeaderType = 4 // 4 bytes, big-endian
	HeaderLong      HeaderType = 5 // 8 bytes, big-endian
	HeaderBytes     HeaderType = 6 // 2-byte big-endian length, then the bytes
	HeaderString    HeaderType = 7 // 2-byte big-endian length, then UTF-8
	HeaderTimestamp HeaderType = 8 // 8 bytes: milliseconds since the epoch
	HeaderUUID      HeaderType = 9 // 16 bytes
)

// fixedSize is the value size of each fixed-size type; -1 marks the
// length-prefixed types.
var fixedSize = [...]int{0, 0, 1, 2, 4, 8, -1, -1, 8, 16}

// Header is one event-stream message header.
type Header struct {
	// Name is the header name (at most 255 bytes).
	Name string
	// Type is the value type.
	Type HeaderType
	// Value is the encoded value: the raw bytes for HeaderBytes and
	// HeaderString (the encoder adds the length prefix), the big-endian
	// bytes of the type's size for the fixed-size types, nothing for the
	// booleans.
	Value []byte
}

// StringHeader returns a header of type HeaderString.
func StringHeader(name, value string) Header {
	return Header{Name: name, Type: HeaderString, Value: []byte(value)}
}

// The event-stream prelude (total length, headers length, prelude CRC) and
// the trailing message CRC: the smallest message is 16 bytes.
const (
	preludeLen     = 12
	minMessageLen  = preludeLen + 4
	maxHeaderValue = 1<<16 - 1
)

// AppendEventStreamMessage appends one AWS event-stream message with the
// given headers and payload to dst, with both CRCs computed. It writes the
// headers as given: a name longer than 255 bytes or a length-prefixed value
// longer than 65535 bytes is cut to fit, and a fixed-size value is written
// with the bytes it has (which lets tests build malformed messages). It is
// meant for tests and fixtures.
func AppendEventStreamMessage(dst []byte, headers []Header, payload []byte) []byte {
	hlen := 0
	for _, h := range headers {
		hlen += 2 + min(len(h.Name), 255)
		switch h.Type {
		case HeaderBytes, HeaderString:
			hlen += 2 + min(len(h.Value), maxHeaderValue)
		default:
			hlen += len(h.Value)
		}
	}
	total := minMessageLen + hlen + len(payload)
	start := len(dst)
	dst = binary.BigEndian.AppendUint32(dst, uint32(total))
	dst = binary.BigEndian.AppendUint32(dst, uint32(hlen))
	dst = binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:]))
	for _, h := range headers {
		name := h.Name[:min(len(h.Name), 255)]
		dst = append(dst, byte(len(name)))
		dst = append(dst, name...)
		dst = append(dst, byte(h.Type))
		v := h.Value
		switch h.Type {
		case HeaderBytes, HeaderString:
			v = v[:min(len(v), maxHeaderValue)]
			dst = binary.BigEndian.AppendUint16(dst, uint16(len(v)))
		}
		dst = append(dst, v...)
	}
	dst = append(dst, payload...)
	return binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:]))
}

// reserve compacts and grows the buffer so that it can hold n unread bytes
// (n <= b.limit).
func (b *buffer) reserve(n int) {
	if len(b.buf)-b.r0 >= n {
		return
	}
	if b.r0 > 0 {
		copy(b.buf, b.buf[b.r0:b.w])
		b.w -= b.r0
		b.off += int64(b.r0)
		b.r0 = 0
	}
	if len(b.buf) < n {
		nb := make([]byte, min(max(n, 2*len(b.buf)), b.limit))
		copy(nb, b.buf[:b.w])
		b.buf = nb
	}
}

// need reads until n unread bytes are buffered (n <= b.limit). It returns
// b.err (io.EOF included) when they cannot be.
func (b *buffer) need(n int) error {
	for b.w-b.r0 < n {
		if b.err != nil {
			return b.err
		}
		b.reserve(n)
		b.fill()
	}
	return nil
}

// EventStream yields the messages of an AWS event-stream body
// (application/vnd.amazon.eventstream), one chunk per message, Data being
// its payload. Chunk.Event is:
//
//   - for ":message-type" "event" (or no ":message-type"), the
//     ":event-type" header;
//   - for "exception", "exception:" followed by the ":exception-type"
//     header;
//   - for "error", "error:" followed by the ":error-code" header; when such
//     a message has an empty payload, Data is {"message":<:error-message>}
//     (the shape of the payload of exception messages), so that the adapter
//     sees the message.
//
// Messages of any other type are yielded with Event set from ":event-type"
// as well. Both CRC32 checks (prelude and message) are verified. A bad CRC,
// a total length under 16 bytes or headers that overrun the message, an
// unknown header value type or a header cut short is a stream_truncated
// error caused by ErrMalformed; a message longer than opts.MaxEventBytes is
// a stream_truncated error caused by ErrLimit, reported from its prelude
// before it is read; a body that ends inside a message is a
// stream_truncated error caused by io.ErrUnexpectedEOF. Every message says
// which message (counting from 1) and byte offset it concerns. The chunks
// alias internal buffers valid until the next iteration.
func EventStream(body io.Reader, opts Options) iter.Seq2[abi.Chunk, error] {
	return func(yield func(abi.Chunk, error) bool) {
		limit := opts.maxEvent()
		b := newBuffer(body, max(limit, preludeLen))
		defer b.release(nil)
		var event, errData []byte
		for n := 1; ; n++ {
			start := b.pos()
			if err := b.need(preludeLen); err != nil {
				if err == io.EOF && b.w == b.r0 {
					return // a clean end between messages
				}
				yield(abi.Chunk{}, esReadError(n, start, err, b.w-b.r0, preludeLen))
				return
			}
			p := b.buf[b.r0 : b.r0+preludeLen]
			total := binary.BigEndian.Uint32(p[0:4])
			hlen := binary.BigEndian.Uint32(p[4:8])
			if got, want := crc32.ChecksumIEEE(p[:8]), binary.BigEndian.Uint32(p[8:12]); got != want {
				yield(abi.Chunk{}, malformed("aws-eventstream: message %d (at byte %d): prelude CRC mismatch (computed %08x, the message says %08x): the stream is corrupt",
					n, start, got, want))
				return
			}
			if total < minMessageLen {
				yield(abi.Chunk{}, malformed("aws-eventstream: message %d (at byte %d): absurd total length %d (the minimum is %d): the stream is corrupt",
					n, start, total, minMessageLen))
				return
			}
			if uint64(total) > uint64(limit) {
				yield(abi.Chunk{}, tooLarge("aws-eventstream: message %d (at byte %d) is %d bytes long, over the limit of %d bytes: raise Options.MaxEventBytes if such messages are expected",
					n, start, total, limit))
				return
			}
			if hlen > total-minMessageLen {
				yield(abi.Chunk{}, malformed("aws-eventstream: message %d (at byte %d): headers length %d does not fit in total length %d: the stream is corrupt",
					n, start, hlen, total))
				return
			}
			if err := b.need(int(total)); err != nil {
				yield(abi.Chunk{}, esReadError(n, start, err, b.w-b.r0, int(total)))
				return
			}
			msg := b.buf[b.r0 : b.r0+int(total)]
			if got, want := crc32.ChecksumIEEE(msg[:total-4]), binary.BigEndian.Uint32(msg[total-4:]); got != want {
				yield(abi.Chunk{}, malformed("aws-eventstream: message %d (at byte %d): message CRC mismatch (computed %08x, the message says %08x): the stream is corrupt",
					n, start, got, want))
				return
			}
			b.r0 += int(total)
			hs := headerValues{}
			if err := hs.parse(msg[preludeLen : preludeLen+hlen]); err != "" {
				yield(abi.Chunk{}, malformed("aws-eventstream: message %d (at byte %d): %s: the stream is corrupt", n, start, err))
				return
			}
			c := abi.Chunk{Event: hs.eventType, Data: msg[preludeLen+hlen : total-4]}
			switch string(hs.messageType) {
			case "exception":
				event = append(append(event[:0], "exception:"...), hs.exceptionType...)
				c.Event = event
			case "error":
				event = append(append(event[:0], "error:"...), hs.errorCode...)
				c.Event = event
				if len(c.Data) == 0 {
					errData = append(errData[:0], `{"message":`...)
					errData = abi.AppendString(errData, string(hs.errorMessage))
					errData = append(errData, '}')
					c.Data = errData
				}
			}
			if !yield(c, nil) {
				return
			}
		}
	}
}

// esReadError reports a body that ended or failed inside message n.
func esReadError(n int, start int64, err error, got, want int) error {
	if err == io.EOF {
		return &abi.Error{
			Code: abi.CodeStreamTruncated,
			Message: fmt.Sprintf("aws-eventstream: the body ended inside message %d (at byte %d): got %d of its %d bytes: the stream was cut",
				n, start, got, want),
			Err: io.ErrUnexpectedEOF,
		}
	}
	return readError("aws-eventstream", start+int64(got), err)
}

// headerValues are the headers the decoder interprets; each aliases the
// message.
type headerValues struct {
	messageType, eventType, exceptionType, errorCode, errorMessage []byte
}

// parse walks the headers section and returns what is wrong with it, or "".
func (hv *headerValues) parse(h []byte) string {
	for i := 1; len(h) > 0; i++ {
		nl := int(h[0])
		if len(h) < 1+nl+1 {
			return fmt.Sprintf("header %d is cut short (name)", i)
		}
		name := h[1 : 1+nl]
		typ := h[1+nl]
		h = h[2+nl:]
		if int(typ) >= len(fixedSize) {
			return fmt.Sprintf("header %d (%q) has unknown value type %d", i, name, typ)
		}
		size := fixedSize[typ]
		var val []byte
		if size < 0 {
			if len(h) < 2 {
				return fmt.Sprintf("header %d (%q) is cut short (value length)", i, name)
			}
			size = int(binary.BigEndian.Uint16(h))
			h = h[2:]
			if len(h) < size {
				return fmt.Sprintf("header %d (%q) is cut short (value of %d bytes)", i, name, size)
			}
			val = h[:size]
		} else if len(h) < size {
			return fmt.Sprintf("header %d (%q) is cut short (value of %d bytes)", i, name, size)
		}
		h = h[size:]
		if val == nil {
			continue // the interpreted headers are all strings
		}
		switch string(name) {
		case ":message-type":
			hv.messageType = val
		case ":event-type":
			hv.eventType = val
		case ":exception-type":
			hv.exceptionType = val
		case ":error-code":
			hv.errorCode = val
		case ":error-message":
			hv.errorMessage = val
		}
	}
	return ""
}
