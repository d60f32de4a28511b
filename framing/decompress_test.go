package framing

import (
	"bytes"
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/wasmadapt/wasmadapt/abi"
)

func gzipBytes(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zstdBytes(t testing.TB, b []byte) []byte {
	w, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	return w.EncodeAll(b, nil)
}

func TestDecompress(t *testing.T) {
	plain := []byte(strings.Repeat("data: {\"text\":\"hello\"}\n\n", 500))
	gz, zs := gzipBytes(t, plain), zstdBytes(t, plain)
	tests := []struct {
		name, enc string
		body      []byte
	}{
		{"none", "", plain},
		{"identity", "identity", plain},
		{"gzip", "gzip", gz},
		{"x-gzip", "x-gzip", gz},
		{"gzip, upper case and spaces", " GZIP ", gz},
		{"gzip, two members", "gzip", append(gzipBytes(t, plain[:100]), gzipBytes(t, plain[100:])...)},
		{"zstd", "zstd", zs},
		{"zstd, two frames", "zstd", append(zstdBytes(t, plain[:100]), zstdBytes(t, plain[100:])...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Decompress(newRandReader(tt.body, 1, 50), tt.enc, int64(len(plain)))
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatalf("%v", err)
			}
			if !bytes.Equal(got, plain) {
				t.Fatalf("got %d bytes, want %d", len(got), len(plain))
			}
			// One byte less of limit is an error.
			r, _ = Decompress(bytes.NewReader(tt.body), tt.enc, int64(len(plain)-1))
			got, err = io.ReadAll(r)
			wantCode(t, err, abi.CodeStreamTruncated, ErrLimit)
			// A zstd frame that declares its size fails before any output.
			if len(got) != len(plain)-1 && !(tt.enc == "zstd" && len(got) == 0) {
				t.Errorf("returned %d bytes before the limit error, want %d", len(got), len(plain)-1)
			}
		})
	}
}

func TestDecompressEmpty(t *testing.T) {
	for _, enc := range []string{"", "gzip", "zstd"} {
		r, err := Decompress(bytes.NewReader(nil), enc, 0)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || len(got) != 0 {
			t.Errorf("%q: empty body gave %q, %v", enc, got, err)
		}
	}
}

func TestDecompressUnsupported(t *testing.T) {
	for _, enc := range []string{"br", "deflate", "compress", "gzip, zstd", "zstd;q=1"} {
		_, err := Decompress(strings.NewReader("x"), enc, 0)
		wantCode(t, err, abi.CodeServerError, nil)
		if !strings.Contains(err.Error(), enc) {
			t.Errorf("error %q does not name the encoding", err)
		}
	}
}

func TestDecompressCorrupt(t *testing.T) {
	plain := []byte(strings.Repeat("0123456789", 1000))
	gz, zs := gzipBytes(t, plain), zstdBytes(t, plain)
	badCRC := bytes.Clone(gz)
	badCRC[len(badCRC)-6] ^= 1
	tests := []struct {
		name, enc string
		body      []byte
		cause     error
	}{
		{"not gzip", "gzip", []byte("plain text, not gzip"), gzip.ErrHeader},
		{"gzip cut", "gzip", gz[:len(gz)/2], io.ErrUnexpectedEOF},
		{"gzip bad checksum", "gzip", badCRC, gzip.ErrChecksum},
		{"not zstd", "zstd", []byte("plain text, not zstd"), nil},
		{"zstd cut", "zstd", zs[:len(zs)/2], nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Decompress(bytes.NewReader(tt.body), tt.enc, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, err = io.ReadAll(r)
			wantCode(t, err, abi.CodeStreamTruncated, tt.cause)
			// The error is sticky.
			if _, err2 := r.Read(make([]byte, 10)); err2 != err {
				t.Errorf("second read gave %v, want the same error", err2)
			}
		})
	}
}

func TestDecompressReadError(t *testing.T) {
	plain := []byte(strings.Repeat("0123456789", 10000))
	for _, enc := range []string{"", "gzip", "zstd"} {
		body := plain
		switch enc {
		case "gzip":
			body = gzipBytes(t, plain)
		case "zstd":
			body = zstdBytes(t, plain)
		}
		r, err := Decompress(&errReader{b: body[:len(body)/2], err: context.Canceled}, enc, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadAll(r)
		wantCode(t, err, abi.CodeStreamTruncated, context.Canceled)
		// Through a framer, the *abi.Error is not wrapped twice.
		r, _ = Decompress(&errReader{b: body[:len(body)/2], err: context.Canceled}, enc, 0)
		_, ferr := collect(t, SSE(r, Options{}))
		if !errors.Is(ferr, context.Canceled) || strings.Count(ferr.Error(), "stream_truncated") != 1 {
			t.Errorf("%q through SSE: %v", enc, ferr)
		}
	}
}

// repeated returns n copies of one compressed member of size bytes of
// zeros: a cheap compression bomb of n*size bytes.
func repeated(member []byte, n int) []byte { return bytes.Repeat(member, n) }

// TestDecompressBomb: 1 GiB of zeros, compressed, stops at the limit with
// a clear error and little memory.
func TestDecompressBomb(t *testing.T) {
	zeros := make([]byte, 1<<20)
	const members = 1024 // 1 GiB decompressed
	tests := []struct {
		enc  string
		body []byte
	}{
		{"gzip", repeated(gzipBytes(t, zeros), members)},
		{"zstd", repeated(zstdBytes(t, zeros), members)},
	}
	const limit = 8 << 20
	for _, tt := range tests {
		t.Run(tt.enc, func(t *testing.T) {
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			r, err := Decompress(bytes.NewReader(tt.body), tt.enc, limit)
			if err != nil {
				t.Fatal(err)
			}
			n, err := io.Copy(io.Discard, r)
			runtime.ReadMemStats(&after)
			wantCode(t, err, abi.CodeStreamTruncated, ErrLimit)
			if n != limit {
				t.Errorf("read %d bytes before the error, want exactly the limit %d", n, limit)
			}
			if !strings.Contains(err.Error(), "compression bomb") {
				t.Errorf("unclear error: %v", err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("decoding up to the limit allocated %d MiB", alloc>>20)
			}
			t.Logf("%s: %d compressed bytes, stopped after %d, allocated %d KiB", tt.enc, len(tt.body), n, (after.TotalAlloc-before.TotalAlloc)>>10)
		})
	}
}

// TestDecompressZstdWindow: a zstd frame that asks for a window over 8 MiB
// is refused.
func TestDecompressZstdWindow(t *testing.T) {
	w, err := zstd.NewWriter(nil, zstd.WithWindowSize(64<<20), zstd.WithEncoderConcurrency(1), zstd.WithSingleSegment(false))
	if err != nil {
		t.Fatal(err)
	}
	body := w.EncodeAll(bytes.Repeat([]byte("abcdefgh"), 4<<20), nil)
	w.Close()
	r, _ := Decompress(bytes.NewReader(body), "zstd", 1<<30)
	_, err = io.Copy(io.Discard, r)
	wantCode(t, err, abi.CodeStreamTruncated, ErrLimit)
	if !errors.Is(err, zstd.ErrWindowSizeExceeded) {
		t.Errorf("got %v, want the window size error", err)
	}
}

// TestDecompressClose: Close releases the decoder and later reads fail; no
// goroutine is left behind.
func TestDecompressClose(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 50 {
		r, _ := Decompress(bytes.NewReader(zstdBytes(t, []byte("hello"))), "zstd", 0)
		if _, err := r.Read(make([]byte, 2)); err != nil {
			t.Fatal(err)
		}
		r.(io.Closer).Close()
		if _, err := r.Read(make([]byte, 2)); err == nil {
			t.Fatal("read after Close succeeded")
		}
	}
	if after := runtime.NumGoroutine(); after > before+2 {
		t.Errorf("%d goroutines before, %d after", before, after)
	}
}
