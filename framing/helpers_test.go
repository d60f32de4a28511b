package framing

import (
	"bytes"
	"errors"
	"io"
	"iter"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

// rec is a copied chunk.
type rec struct{ Event, Data string }

// collect ranges over seq, copying every chunk, and returns the chunks and
// the error that ended it (nil for a clean end). It fails the test if a
// value follows an error.
func collect(t testing.TB, seq iter.Seq2[abi.Chunk, error]) ([]rec, error) {
	t.Helper()
	var out []rec
	var gotErr error
	for c, err := range seq {
		if gotErr != nil {
			t.Fatalf("a value followed the error %v", gotErr)
		}
		if err != nil {
			if c.Event != nil || c.Data != nil {
				t.Errorf("error %v came with a non-empty chunk", err)
			}
			gotErr = err
			continue
		}
		out = append(out, rec{string(c.Event), string(c.Data)})
	}
	return out, gotErr
}

// randReader returns the bytes of b in reads of 1 to maxRead bytes, chosen
// by rng, sometimes returning io.EOF together with the last bytes.
type randReader struct {
	b       []byte
	rng     *rand.Rand
	maxRead int
}

func (r *randReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := 1 + r.rng.IntN(r.maxRead)
	n = min(n, len(p), len(r.b))
	copy(p, r.b[:n])
	r.b = r.b[n:]
	if len(r.b) == 0 && r.rng.IntN(2) == 0 {
		return n, io.EOF
	}
	return n, nil
}

func newRandReader(b []byte, seed uint64, maxRead int) *randReader {
	return &randReader{b: b, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), maxRead: maxRead}
}

// seededReaders yields, for seeds 0 to n-1, a reader of in: the whole of
// it for seed 0, then random pieces of 1 to maxRead bytes chosen by the
// seed.
func seededReaders(in []byte, n uint64, maxRead int) iter.Seq2[uint64, io.Reader] {
	return func(yield func(uint64, io.Reader) bool) {
		for seed := range n {
			var r io.Reader = bytes.NewReader(in)
			if seed > 0 {
				r = newRandReader(in, seed, maxRead)
			}
			if !yield(seed, r) {
				return
			}
		}
	}
}

// errReader returns b, then err.
type errReader struct {
	b   []byte
	err error
}

func (r *errReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, r.err
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// errSig summarizes an error for comparisons: its code and its causes.
func errSig(err error) string {
	if err == nil {
		return "<nil>"
	}
	s := string(abi.CodeOf(err))
	for _, e := range []error{ErrLimit, ErrMalformed, io.ErrUnexpectedEOF} {
		if errors.Is(err, e) {
			s += "|" + e.Error()
		}
	}
	return s
}

// wantCode asserts that err is an *abi.Error with the code, and, when
// cause is not nil, that errors.Is(err, cause).
func wantCode(t testing.TB, err error, code abi.Code, cause error) {
	t.Helper()
	var ae *abi.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an *abi.Error", err, err)
	}
	if ae.Code != code {
		t.Fatalf("error code %q, want %q (%v)", ae.Code, code, err)
	}
	if cause != nil && !errors.Is(err, cause) {
		t.Fatalf("error %v does not match %v with errors.Is", err, cause)
	}
}

// recordingsDir returns the directory of the shared provider recordings for
// provider, found from the repository root, or skips the test.
func recordingsDir(t testing.TB, provider string) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Skip("cannot locate the source file")
	}
	// framing/helpers_test.go -> repository root -> ../shared
	root := filepath.Dir(filepath.Dir(file))
	dir := filepath.Join(root, "..", "shared", "fixtures", "provider-recordings", provider)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no shared recordings at %s: %v", dir, err)
	}
	return dir
}

// fixture is one file of the shared recordings.
type fixture struct {
	name string
	data []byte
}

// readFixtures reads the files matching pattern (filepath.Glob), in name
// order. It skips t when there are none and fails it when one cannot be
// read.
func readFixtures(t *testing.T, pattern string) []fixture {
	t.Helper()
	files, _ := filepath.Glob(pattern)
	if len(files) == 0 {
		t.Skipf("no files match %s", pattern)
	}
	out := make([]fixture, len(files))
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = fixture{f, b}
	}
	return out
}

// chunkFixtures reads the shared *.chunks.txt fixtures: real event
// payloads, one a line, most without a final newline.
func chunkFixtures(t *testing.T) []fixture {
	t.Helper()
	return readFixtures(t, filepath.Join(filepath.Dir(recordingsDir(t, "anthropic")), "*", "*.chunks.txt"))
}

// lines are the payloads of a chunks fixture.
func (f fixture) lines() []string {
	return strings.Split(strings.TrimRight(string(f.data), "\n"), "\n")
}

// refSSE is a direct, whole-input transcription of the SSE rules (with the
// package's end-of-body choice), used as the oracle of the streaming
// parser.
func refSSE(in string) []rec {
	in = strings.TrimPrefix(in, "\uFEFF")
	var lines []string
	for len(in) > 0 {
		i := strings.IndexAny(in, "\r\n")
		if i < 0 {
			lines = append(lines, in)
			break
		}
		lines = append(lines, in[:i])
		if in[i] == '\r' && i+1 < len(in) && in[i+1] == '\n' {
			in = in[i+2:]
		} else {
			in = in[i+1:]
		}
	}
	var out []rec
	var data []string
	event := ""
	dispatch := func() {
		if data != nil {
			out = append(out, rec{event, strings.Join(data, "\n")})
		}
		data, event = nil, ""
	}
	for _, l := range lines {
		if l == "" {
			dispatch()
			continue
		}
		if l[0] == ':' {
			continue
		}
		field, value, found := strings.Cut(l, ":")
		if found {
			value = strings.TrimPrefix(value, " ")
		}
		switch field {
		case "data":
			data = append(data, value)
		case "event":
			event = value
		}
	}
	dispatch()
	return out
}

// noAllocsPerItem checks that frame allocates nothing per item in steady
// state: framing short and long (the same item 100 and 2000 times) costs
// no more allocations for the longer body.
func noAllocsPerItem(t *testing.T, frame func(io.Reader, Options) iter.Seq2[abi.Chunk, error], short, long []byte, what string) {
	t.Helper()
	allocs := func(b []byte) float64 {
		r := bytes.NewReader(b)
		return testing.AllocsPerRun(20, func() {
			r.Reset(b)
			for _, err := range frame(r, Options{}) {
				if err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	a, b := allocs(short), allocs(long)
	if b > a {
		t.Errorf("%v allocations for 100 %ss, %v for 2000: the framer allocates per %s", a, what, b, what)
	}
}
