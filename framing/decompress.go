package framing

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/wasmadapt/wasmadapt/abi"
)

// DefaultDecompressLimit is the Decompress limit used when the caller gives
// 0 or less: 256 MiB.
const DefaultDecompressLimit = 256 << 20

// zstdMaxWindow is the largest zstd window accepted: 8 MiB, the bound RFC
// 8878 sets for the zstd content coding of HTTP.
const zstdMaxWindow = 8 << 20

// Decompress wraps body per its Content-Encoding header value: "" or
// "identity" (body as it is), "gzip" or "x-gzip", "zstd" (names are
// case-insensitive, surrounding spaces ignored). Any other value, a list of
// several codings included, is a server_error: the host only advertises
// what it can decode.
//
// The returned reader yields at most limit decompressed bytes (0 or less
// means DefaultDecompressLimit), whatever the encoding: reading past the
// limit is a stream_truncated error caused by ErrLimit, so a compression
// bomb costs at most limit bytes of output and a small, fixed amount of
// memory (the zstd window is capped at 8 MiB and decoded on the calling
// goroutine; a zstd frame that asks for a larger window, as RFC 9659
// forbids for HTTP, fails up front, also with ErrLimit). zstd decoders are
// pooled. Nothing is read from body before the first Read. Corrupt
// compressed data is a stream_truncated error caused by the decoder's own
// error; errors of body are returned wrapped (errors.Is still matches
// them). The reader implements io.Closer: Close releases the decoder (it
// does not close body); a reader that reaches the end or an error releases
// it too.
func Decompress(body io.Reader, contentEncoding string, limit int64) (io.Reader, error) {
	if limit <= 0 {
		limit = DefaultDecompressLimit
	}
	enc := strings.ToLower(strings.TrimSpace(contentEncoding))
	d := &decoder{src: body, enc: enc, remaining: limit, limit: limit}
	switch enc {
	case "", "identity":
		d.r = body
	case "gzip", "x-gzip", "zstd":
	default:
		return nil, abi.Errorf(abi.CodeServerError,
			"the response has Content-Encoding %q, which the host cannot decode (it decodes gzip and zstd): do not ask the provider for that encoding",
			contentEncoding)
	}
	return d, nil
}

// decoder is the reader Decompress returns.
type decoder struct {
	src       io.Reader
	enc       string
	r         io.Reader // the decoding reader, made on the first Read
	zr        *zstd.Decoder
	remaining int64 // bytes still allowed
	limit     int64
	out       int64 // bytes returned
	err       error // sticky
}

func (d *decoder) open() error {
	switch d.enc {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(d.src)
		if err == io.EOF {
			return io.EOF // an empty body: nothing to decode
		}
		if err != nil {
			return d.wrap(err)
		}
		d.r = zr
	case "zstd":
		zr, err := getZstd(d.src)
		if err != nil {
			return d.wrap(err)
		}
		d.zr = zr
		d.r = zr
	}
	return nil
}

// wrap turns a decoding or reading error into a stream_truncated error,
// leaving an *abi.Error as it is.
func (d *decoder) wrap(err error) error {
	var ae *abi.Error
	if errors.As(err, &ae) {
		return err
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF // a compressed body that ends before its end
	}
	if errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) {
		return &abi.Error{
			Code: abi.CodeStreamTruncated,
			Message: fmt.Sprintf("%s: the body asks for a decoding window over 8 MiB (%v), more than RFC 9659 allows for HTTP: the provider's encoder is misconfigured; ask it for gzip or no encoding",
				d.enc, err),
			Err: errors.Join(ErrLimit, err),
		}
	}
	return abi.Wrap(abi.CodeStreamTruncated, err,
		fmt.Sprintf("%s: decoding the response body failed after %d decompressed bytes (the body is corrupt, was cut, or the connection failed)", d.enc, d.out))
}

// Read implements io.Reader.
func (d *decoder) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if d.r == nil {
		if err := d.open(); err != nil {
			d.fail(err) // io.EOF for an empty gzip body
			return 0, err
		}
	}
	if int64(len(p)) > d.remaining+1 {
		p = p[:d.remaining+1]
	}
	n, err := d.r.Read(p)
	if int64(n) > d.remaining {
		n = int(d.remaining)
		d.remaining = 0
		d.out += int64(n)
		d.fail(tooLarge("%s: the decompressed response body is longer than the limit of %d bytes (a compression bomb, or a larger body than allowed): raise the Decompress limit if such bodies are expected",
			d.encName(), d.limit))
		return n, d.err
	}
	d.remaining -= int64(n)
	d.out += int64(n)
	if err != nil {
		if err != io.EOF {
			if d.enc == "" || d.enc == "identity" {
				err = readError("identity", d.out, err)
			} else {
				err = d.wrap(err)
			}
		}
		d.fail(err)
	}
	return n, err
}

func (d *decoder) encName() string {
	if d.enc == "" {
		return "identity"
	}
	return d.enc
}

// fail records the sticky error and releases the decoder: to the pool
// after a clean end, closed after an error.
func (d *decoder) fail(err error) {
	d.err = err
	d.r = nil
	if err == io.EOF && d.zr != nil {
		if d.zr.Reset(nil) == nil {
			zstdDecoders.Put(d.zr)
		}
		d.zr = nil
	}
	d.release()
}

func (d *decoder) release() {
	if d.zr != nil {
		d.zr.Close()
		d.zr = nil
	}
}

// zstdDecoders pools zstd decoders (each holds its window buffers, about
// 1.6 MB), which all share the same options.
var zstdDecoders sync.Pool

// getZstd returns a decoder reading r: single goroutine, window (and so
// memory) capped at 8 MiB, no whole-buffer shortcut.
func getZstd(r io.Reader) (*zstd.Decoder, error) {
	if zr, ok := zstdDecoders.Get().(*zstd.Decoder); ok {
		if err := zr.Reset(r); err == nil {
			return zr, nil
		}
		zr.Close()
	}
	return zstd.NewReader(r,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(zstdMaxWindow),
		zstd.WithDecoderMaxMemory(zstdMaxWindow),
		zstd.WithDecodeBuffersBelow(0))
}

// Close releases the decoder; later reads fail. It does not close the
// underlying body.
func (d *decoder) Close() error {
	if d.err == nil {
		d.err = errors.New("framing: read from a closed decompressing reader")
	}
	d.release()
	return nil
}
