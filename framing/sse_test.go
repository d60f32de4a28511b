package framing

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/wasmadapt/wasmadapt/abi"
)

func TestSSE(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []rec
	}{
		{"empty body", "", nil},
		{"one event", "data: hello\n\n", []rec{{"", "hello"}}},
		{"two events", "data: a\n\ndata: b\n\n", []rec{{"", "a"}, {"", "b"}}},
		{"multi-line data joined with LF", "data: a\ndata: b\ndata: c\n\n", []rec{{"", "a\nb\nc"}}},
		{"event field", "event: message_start\ndata: {}\n\n", []rec{{"message_start", "{}"}}},
		{"event field after data", "data: x\nevent: delta\n\n", []rec{{"delta", "x"}}},
		{"last event field wins", "event: a\nevent: b\ndata: x\n\n", []rec{{"b", "x"}}},
		{"event type does not leak to the next event", "event: a\ndata: 1\n\ndata: 2\n\n", []rec{{"a", "1"}, {"", "2"}}},
		{"CRLF line ends", "event: e\r\ndata: a\r\ndata: b\r\n\r\n", []rec{{"e", "a\nb"}}},
		{"CR line ends", "event: e\rdata: a\rdata: b\r\r", []rec{{"e", "a\nb"}}},
		{"mixed line ends", "data: a\r\ndata: b\rdata: c\n\r\n", []rec{{"", "a\nb\nc"}}},
		{"CR then CRLF is two line ends", "data: a\r\r\ndata: b\n\n", []rec{{"", "a"}, {"", "b"}}},
		{"no space after colon", "data:x\n\n", []rec{{"", "x"}}},
		{"only one space stripped", "data:  x \n\n", []rec{{"", " x "}}},
		{"tab not stripped", "data:\tx\n\n", []rec{{"", "\tx"}}},
		{"colon in value kept", "data: a:b: c\n\n", []rec{{"", "a:b: c"}}},
		{"field without colon is an empty value", "data\n\n", []rec{{"", ""}}},
		{"empty data lines", "data:\ndata:\n\n", []rec{{"", "\n"}}},
		{"empty data then text", "data\ndata: x\n\n", []rec{{"", "\nx"}}},
		{"comments ignored", ": keep-alive\n:\ndata: x\n: another\n\n", []rec{{"", "x"}}},
		{"comment-only stream", ": ping\n\n: ping\n\n", nil},
		{"id and retry ignored", "id: 7\nretry: 1000\ndata: x\n\n", []rec{{"", "x"}}},
		{"unknown fields ignored", "foo: bar\nDATA: no\ndata : no\ndata: yes\n\n", []rec{{"", "yes"}}},
		{"event without data not dispatched", "event: ping\n\n", nil},
		{"event without data, then event with data", "event: ping\n\nevent: x\ndata: 1\n\n", []rec{{"x", "1"}}},
		{"blank lines between events", "\n\n\ndata: x\n\n\n\n", []rec{{"", "x"}}},
		{"pending event at EOF without newline", "data: a\n\ndata: last", []rec{{"", "a"}, {"", "last"}}},
		{"pending event at EOF after one newline", "event: e\ndata: last\n", []rec{{"e", "last"}}},
		{"pending event at EOF after CR", "data: last\r", []rec{{"", "last"}}},
		{"pending event without data at EOF", "data: a\n\nevent: e", []rec{{"", "a"}}},
		{"BOM stripped", "\uFEFFdata: x\n\n", []rec{{"", "x"}}},
		{"only one BOM stripped", "\uFEFF\uFEFFdata: x\n\ndata: y\n\n", []rec{{"", "y"}}},
		{"BOM not at start is data", "data: \uFEFFx\n\n", []rec{{"", "\uFEFFx"}}},
		{"short body that is not a BOM", "\xEF\xBB", nil},
		{"invalid UTF-8 passed through", "data: \xff\xfe\n\n", []rec{{"", "\xff\xfe"}}},
		{"NUL passed through", "data: a\x00b\n\n", []rec{{"", "a\x00b"}}},
		{"Gemini CRLF pairs", "data: {\"a\": 1}\r\n\r\ndata: {\"b\": 2}\r\n\r\n", []rec{{"", `{"a": 1}`}, {"", `{"b": 2}`}}},
		{"OpenAI DONE sentinel is data", "data: {}\n\ndata: [DONE]\n\n", []rec{{"", "{}"}, {"", "[DONE]"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collect(t, SSE(strings.NewReader(tt.in), Options{}))
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("SSE(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if ref := refSSE(tt.in); !reflect.DeepEqual(ref, tt.want) {
				t.Errorf("the reference parser disagrees with the table: %q", ref)
			}
			// Every split of the input gives the same events.
			for i := 0; i <= len(tt.in); i++ {
				r := io.MultiReader(strings.NewReader(tt.in[:i]), strings.NewReader(tt.in[i:]))
				got, err := collect(t, SSE(r, Options{}))
				if err != nil || !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("split at %d: got %q, %v; want %q", i, got, err, tt.want)
				}
			}
			got, _ = collect(t, SSE(iotest.OneByteReader(strings.NewReader(tt.in)), Options{}))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("one byte at a time: got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSSELimits(t *testing.T) {
	const max = 16
	tests := []struct {
		name    string
		in      string
		want    []rec
		wantErr bool
	}{
		{"line of exactly the limit", "data:" + strings.Repeat("x", max-5) + "\n\n", []rec{{"", strings.Repeat("x", max-5)}}, false},
		{"line over the limit", "data: ok\n\ndata:" + strings.Repeat("x", max-4) + "\n\n", []rec{{"", "ok"}}, true},
		{"line over the limit without line end", "data: ok\n\n" + strings.Repeat("y", max+1), []rec{{"", "ok"}}, true},
		{"comment over the limit", ":" + strings.Repeat("c", max) + "\n", nil, true},
		{"joined data of exactly the limit", "data: 0123456\ndata: 01234567\n\n", []rec{{"", "0123456\n01234567"}}, false},
		{"joined data over the limit", "data: 01234567\ndata: 01234567\n\n", nil, true},
		{"many small lines over the limit", strings.Repeat("data: a\n", 9) + "\n", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for seed, r := range seededReaders([]byte(tt.in), 20, 5) {
				got, err := collect(t, SSE(r, Options{MaxEventBytes: max}))
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("seed %d: got %q, want %q", seed, got, tt.want)
				}
				if !tt.wantErr {
					if err != nil {
						t.Fatalf("seed %d: error %v", seed, err)
					}
					continue
				}
				wantCode(t, err, abi.CodeStreamTruncated, ErrLimit)
				if !strings.Contains(err.Error(), "MaxEventBytes") {
					t.Errorf("the error does not say what to do: %v", err)
				}
			}
		})
	}
}

// An event far over the limit fails without being buffered whole: the
// framer stops reading soon after the limit.
func TestSSEHugeEventNotBuffered(t *testing.T) {
	const max = 64 << 10
	counted := &countingReader{r: io.MultiReader(strings.NewReader("data: "), zeroReader{})}
	_, err := collect(t, SSE(counted, Options{MaxEventBytes: max}))
	wantCode(t, err, abi.CodeStreamTruncated, ErrLimit)
	if counted.n > 4*max {
		t.Errorf("read %d bytes of an endless line before failing; the limit is %d", counted.n, max)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestSSEReadError(t *testing.T) {
	tests := []struct {
		name  string
		cause error
	}{
		{"cancelled", context.Canceled},
		{"unexpected EOF", io.ErrUnexpectedEOF},
		{"other", fmt.Errorf("connection reset by peer")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &errReader{b: []byte("data: a\n\ndata: b\n"), err: tt.cause}
			got, err := collect(t, SSE(r, Options{}))
			if want := []rec{{"", "a"}}; !reflect.DeepEqual(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
			wantCode(t, err, abi.CodeStreamTruncated, tt.cause)
		})
	}
	// An *abi.Error from the reader (a Decompress limit, say) is kept as it is.
	own := abi.Errorf(abi.CodeServerError, "from below")
	_, err := collect(t, SSE(&errReader{err: own}, Options{}))
	if err != own {
		t.Errorf("got %v, want the reader's own *abi.Error unchanged", err)
	}
}

func TestSSEStopEarly(t *testing.T) {
	n := 0
	for c, err := range SSE(strings.NewReader("data: 1\n\ndata: 2\n\ndata: 3\n\n"), Options{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if string(c.Data) == "2" {
			break
		}
	}
	if n != 2 {
		t.Errorf("got %d events before break, want 2", n)
	}
}

// genSSE builds a random SSE-like body from pieces that stress the rules.
func genSSE(rng *rand.Rand) []byte {
	pieces := []string{
		"data:", "data: ", "event:", "event: ", "id: 1", "retry: 5", ":", ": c",
		"\n", "\r", "\r\n", "\n\n", "\r\n\r\n", "x", "yz", " ", ":", "\uFEFF", "data", "é", "\xff",
	}
	var b []byte
	if rng.IntN(4) == 0 {
		b = append(b, "\uFEFF"...)
	}
	for range rng.IntN(60) {
		b = append(b, pieces[rng.IntN(len(pieces))]...)
	}
	return b
}

// TestSSESplitProperty checks that random bodies read in random small
// pieces give the same events as the whole body and as the reference.
func TestSSESplitProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		in := genSSE(rng)
		want := refSSE(string(in))
		whole, err := collect(t, SSE(bytes.NewReader(in), Options{}))
		if err != nil || !reflect.DeepEqual(whole, want) {
			t.Fatalf("case %d %q: got %q, %v; reference %q", i, in, whole, err, want)
		}
		for seed := range uint64(5) {
			got, err := collect(t, SSE(newRandReader(in, uint64(i)*7+seed, 1+int(seed)*2), Options{}))
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("case %d %q seed %d: got %q, %v; want %q", i, in, seed, got, err, want)
			}
		}
	}
}

// httprrBodies returns the response bodies, with their Content-Type, of a
// langchaingo httprr trace ("httprr trace v1\n", then per exchange
// "<request bytes> <response bytes>\n", the raw request and the raw
// response).
func httprrBodies(t *testing.T, b []byte) (types, bodies []string, raw [][]byte) {
	t.Helper()
	rest, ok := bytes.CutPrefix(b, []byte("httprr trace v1\n"))
	if !ok {
		t.Fatal("not an httprr trace")
	}
	for len(rest) > 0 {
		line, after, ok := bytes.Cut(rest, []byte("\n"))
		var nreq, nresp int
		if _, err := fmt.Sscanf(string(line), "%d %d", &nreq, &nresp); !ok || err != nil || nreq+nresp > len(after) {
			t.Fatalf("bad httprr exchange header %q", line)
		}
		resp := after[nreq : nreq+nresp]
		rest = after[nreq+nresp:]
		head, body, _ := bytes.Cut(resp, []byte("\r\n\r\n"))
		ct := ""
		for _, h := range strings.Split(string(head), "\r\n") {
			if k, v, ok := strings.Cut(h, ":"); ok && strings.EqualFold(k, "content-type") {
				ct = strings.TrimSpace(v)
			}
		}
		types, bodies, raw = append(types, ct), append(bodies, string(body)), append(raw, resp)
	}
	return types, bodies, raw
}

// TestSSERecordings frames the real SSE bodies of the shared httprr traces,
// whole and in random pieces: every event's data is JSON (or OpenAI's
// [DONE]), an Anthropic event's name equals its JSON "type", and the
// pieces change nothing.
func TestSSERecordings(t *testing.T) {
	root := filepath.Dir(recordingsDir(t, "anthropic"))
	n := 0
	for _, fx := range readFixtures(t, filepath.Join(root, "*", "*.httprr")) {
		f := fx.name
		types, bodies, _ := httprrBodies(t, fx.data)
		for i, body := range bodies {
			if !strings.HasPrefix(types[i], "text/event-stream") {
				continue
			}
			n++
			whole, err := collect(t, SSE(strings.NewReader(body), Options{}))
			if err != nil || len(whole) < 3 {
				t.Fatalf("%s: %d events, %v", f, len(whole), err)
			}
			for _, e := range whole {
				if e.Data == "[DONE]" {
					continue
				}
				var v struct{ Type string }
				if err := json.Unmarshal([]byte(e.Data), &v); err != nil {
					t.Fatalf("%s: event data %q is not JSON: %v", f, e.Data, err)
				}
				if e.Event != "" && v.Type != e.Event {
					t.Errorf("%s: event %q carries type %q", f, e.Event, v.Type)
				}
			}
			for seed := range uint64(5) {
				got, err := collect(t, SSE(newRandReader([]byte(body), seed, 13), Options{}))
				if err != nil || !reflect.DeepEqual(got, whole) {
					t.Fatalf("%s seed %d: split reads changed the events (%v)", f, seed, err)
				}
			}
		}
	}
	if n == 0 {
		t.Skip("no SSE bodies in the shared httprr traces")
	}
	t.Logf("%d SSE bodies framed", n)
}

// TestSSEChunkFixtures rebuilds the SSE wire form of the shared
// *.chunks.txt fixtures (one event payload per line) as "data: <line>"
// events, with LF and with CRLF line ends, and checks the framer gives the
// lines back.
func TestSSEChunkFixtures(t *testing.T) {
	for _, f := range chunkFixtures(t) {
		var want []rec
		for _, l := range f.lines() {
			want = append(want, rec{"", l})
		}
		for _, eol := range []string{"\n", "\r\n"} {
			var wire strings.Builder
			for _, w := range want {
				wire.WriteString("data: " + w.Data + eol + eol)
			}
			got, err := collect(t, SSE(newRandReader([]byte(wire.String()), 3, 50), Options{}))
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("%s (%q): got %d events, %v; want %d", f.name, eol, len(got), err, len(want))
			}
		}
	}
}

// TestSSENoAllocsPerEvent checks that the framer allocates nothing per
// event in steady state: a longer stream costs no more allocations.
func TestSSENoAllocsPerEvent(t *testing.T) {
	event := "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n"
	short := []byte(strings.Repeat(event, 100))
	long := []byte(strings.Repeat(event, 2000))
	noAllocsPerItem(t, SSE, short, long, "event")
}
