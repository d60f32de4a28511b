package framing

import (
	"bytes"
	"encoding/json"
	"io"
	"iter"
	"reflect"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

// The fuzz targets check that the framers never panic, that reading the
// input in different pieces gives the same chunks and the same error, and,
// for SSE, that the output matches the whole-input reference parser. Their
// seed corpora are in testdata/fuzz/<FuzzName>/.

func FuzzSSE(f *testing.F) {
	f.Add([]byte("event: e\r\ndata: a\r\ndata: b\r\n\r\n: c\rdata:x"), uint64(1), uint16(0))
	f.Fuzz(func(t *testing.T, in []byte, seed uint64, max uint16) {
		whole, werr := piecesAgree(t, SSE, in, seed, max)
		if werr == nil {
			if ref := refSSE(string(in)); !reflect.DeepEqual(whole, ref) {
				t.Fatalf("got %q, reference %q", whole, ref)
			}
		}
	})
}

func FuzzNDJSON(f *testing.F) {
	f.Add([]byte("{\"a\":1}\r\n\n[1]\n{\"b\""), uint64(1), uint16(0))
	f.Fuzz(func(t *testing.T, in []byte, seed uint64, max uint16) {
		whole, _ := piecesAgree(t, NDJSON, in, seed, max)
		for _, c := range whole {
			if !json.Valid([]byte(c.Data)) {
				t.Fatalf("yielded %q, which is not JSON", c.Data)
			}
		}
	})
}

func FuzzEventStream(f *testing.F) {
	f.Add(eventMsg("messageStart", `{"role":"assistant"}`), uint64(1), uint16(0))
	f.Fuzz(func(t *testing.T, in []byte, seed uint64, max uint16) {
		piecesAgree(t, EventStream, in, seed, max)
	})
}

// piecesAgree frames in whole and in pieces chosen by seed, with max as
// MaxEventBytes, fails the test unless both give the same chunks and the
// same error, and returns the whole input's chunks and error.
func piecesAgree(t *testing.T, frame func(io.Reader, Options) iter.Seq2[abi.Chunk, error], in []byte, seed uint64, max uint16) ([]rec, error) {
	t.Helper()
	opts := Options{MaxEventBytes: int(max)}
	whole, werr := collect(t, frame(bytes.NewReader(in), opts))
	got, err := collect(t, frame(newRandReader(in, seed, 1+int(seed%17)), opts))
	if !reflect.DeepEqual(got, whole) || errSig(err) != errSig(werr) {
		t.Fatalf("pieces changed the output:\nwhole %q, %v\nsplit %q, %v", whole, werr, got, err)
	}
	return whole, werr
}

func FuzzDecompress(f *testing.F) {
	f.Add(gzipBytes(f, []byte("data: hello\n\n")), uint8(1))
	f.Add(zstdBytes(f, []byte("data: hello\n\n")), uint8(2))
	f.Fuzz(func(t *testing.T, in []byte, enc uint8) {
		const limit = 1 << 20
		r, err := Decompress(bytes.NewReader(in), []string{"", "gzip", "zstd", "br"}[enc%4], limit)
		if err != nil {
			return
		}
		n, _ := io.Copy(io.Discard, r)
		if n > limit {
			t.Fatalf("read %d bytes past the limit %d", n, limit)
		}
	})
}
