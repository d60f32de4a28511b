package framing

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"iter"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

func TestSplit(t *testing.T) {
	es := eventMsg("messageStop", "{}")
	tests := []struct {
		framing string
		body    []byte
		want    []rec
	}{
		{abi.FramingSSE, []byte("event: e\ndata: 1\n\n"), []rec{{"e", "1"}}},
		{abi.FramingNDJSON, []byte("{\"a\":1}\n"), []rec{{"", `{"a":1}`}}},
		{abi.FramingAWSEventStream, es, []rec{{"messageStop", "{}"}}},
		{abi.FramingNone, []byte("data: 1\n\n{\"a\":1}"), []rec{{"", "data: 1\n\n{\"a\":1}"}}},
		{abi.FramingNone, nil, []rec{{"", ""}}},
	}
	for _, tt := range tests {
		got, err := collect(t, Split(bytes.NewReader(tt.body), tt.framing, Options{}))
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %q, %v; want %q", tt.framing, got, err, tt.want)
		}
	}
	for _, name := range []string{"", "SSE", "json", "eventstream"} {
		got, err := collect(t, Split(strings.NewReader("data: x\n\n"), name, Options{}))
		if len(got) != 0 {
			t.Errorf("%q: got chunks %q", name, got)
		}
		wantCode(t, err, abi.CodeAdapterBadOutput, nil)
	}
}

func TestWhole(t *testing.T) {
	body := strings.Repeat("x", 100)
	got, err := collect(t, Whole(strings.NewReader(body), Options{MaxBodyBytes: 100}))
	if err != nil || len(got) != 1 || got[0].Data != body {
		t.Fatalf("body at the limit: got %d chunks, %v", len(got), err)
	}
	got, err = collect(t, Whole(strings.NewReader(body+"y"), Options{MaxBodyBytes: 100}))
	if len(got) != 0 {
		t.Errorf("body over the limit gave %d chunks", len(got))
	}
	wantCode(t, err, abi.CodeStreamTruncated, ErrLimit)
	_, err = collect(t, Whole(&errReader{b: []byte("abc"), err: context.Canceled}, Options{}))
	wantCode(t, err, abi.CodeStreamTruncated, context.Canceled)
}

func TestOptionsDefaults(t *testing.T) {
	tests := []struct {
		in          Options
		event, body int
	}{
		{Options{}, DefaultMaxEventBytes, DefaultMaxBodyBytes},
		{Options{MaxEventBytes: -1, MaxBodyBytes: -5}, DefaultMaxEventBytes, DefaultMaxBodyBytes},
		{Options{MaxEventBytes: 10, MaxBodyBytes: 20}, 10, 20},
		{Options{MaxEventBytes: 1 << 40, MaxBodyBytes: 1 << 40}, maxLimit, maxLimit},
	}
	for _, tt := range tests {
		if e, b := tt.in.maxEvent(), tt.in.maxBody(); e != tt.event || b != tt.body {
			t.Errorf("%+v: got %d, %d; want %d, %d", tt.in, e, b, tt.event, tt.body)
		}
	}
}

// A reader that never makes progress ends in an error, not a spin.
type stuckReader struct{}

func (stuckReader) Read([]byte) (int, error) { return 0, nil }

func TestNoProgress(t *testing.T) {
	for _, framing := range []string{abi.FramingSSE, abi.FramingNDJSON, abi.FramingAWSEventStream} {
		_, err := collect(t, Split(stuckReader{}, framing, Options{}))
		wantCode(t, err, abi.CodeStreamTruncated, nil)
	}
}

// TestTenMegabyteEvent: a 10 MB single event passes whole under the
// default limit, in every framing, and is refused under a 1 MiB limit.
func TestTenMegabyteEvent(t *testing.T) {
	big := strings.Repeat("x", 10<<20)
	bodies := map[string][]byte{
		abi.FramingSSE:            []byte("data: {\"t\":\"" + big + "\"}\n\n"),
		abi.FramingNDJSON:         []byte("{\"t\":\"" + big + "\"}\n"),
		abi.FramingAWSEventStream: eventMsg("contentBlockDelta", "{\"t\":\""+big+"\"}"),
	}
	for framing, body := range bodies {
		got, err := collect(t, Split(newRandReader(body, 1, 1<<16), framing, Options{}))
		if err != nil || len(got) != 1 || len(got[0].Data) != len(big)+8 {
			t.Errorf("%s: %d chunks, %v", framing, len(got), err)
		}
		_, err = collect(t, Split(bytes.NewReader(body), framing, Options{MaxEventBytes: 1 << 20}))
		wantCode(t, err, abi.CodeStreamTruncated, ErrLimit)
	}
}

// pooledFramings are the framers that read through a pooled buffer, each
// with a short body of a few events (what a tool-call answer is).
func pooledFramings() []struct {
	name  string
	frame func(io.Reader, Options) iter.Seq2[abi.Chunk, error]
	body  []byte
} {
	var sse, nd strings.Builder
	var es []byte
	for i := range 9 {
		fmt.Fprintf(&sse, "event: delta\ndata: {\"i\":%d,\"text\":\"part %d\"}\n\n", i, i)
		fmt.Fprintf(&nd, "{\"i\":%d,\"text\":\"part %d\"}\n", i, i)
		es = append(es, eventMsg("contentBlockDelta", fmt.Sprintf(`{"i":%d,"text":"part %d"}`, i, i))...)
	}
	return []struct {
		name  string
		frame func(io.Reader, Options) iter.Seq2[abi.Chunk, error]
		body  []byte
	}{
		{"sse", SSE, []byte(sse.String())},
		{"ndjson", NDJSON, []byte(nd.String())},
		{"aws-eventstream", EventStream, es},
	}
}

// TestShortBodyBytes checks that framing a short body does not allocate a
// fresh read buffer per body: the framers take their buffers from a pool
// and give them back when the iteration ends, so a short stream costs far
// fewer bytes than one minBuffer read buffer.
func TestShortBodyBytes(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector drops sync.Pool items at random")
	}
	for _, f := range pooledFramings() {
		t.Run(f.name, func(t *testing.T) {
			r := bytes.NewReader(f.body)
			frame := func() {
				r.Reset(f.body)
				for _, err := range f.frame(r, Options{}) {
					if err != nil {
						t.Fatal(err)
					}
				}
			}
			frame() // fill the pool
			const runs = 200
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range runs {
				frame()
			}
			runtime.ReadMemStats(&after)
			// A collection during the runs may empty the pool once or
			// twice: a few fresh buffers over 200 runs stay far below
			// the limit, one per run does not.
			if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > minBuffer/4 {
				t.Errorf("%d bytes allocated per %d-byte body, want at most %d (the read buffer is not reused)", per, len(f.body), minBuffer/4)
			}
		})
	}
}

// TestPooledBuffersNotShared frames bodies inside the loop over another
// body, after framers that stopped early, grew their buffers past the
// pooled size or failed: every chunk is still the right one, so no buffer
// a framer still reads from went back to the pool, and no stale bytes of
// an earlier body leak into a later one.
func TestPooledBuffersNotShared(t *testing.T) {
	big := []byte("data: " + strings.Repeat("x", 3*minBuffer) + "\n\n")
	for _, f := range pooledFramings() {
		t.Run(f.name, func(t *testing.T) {
			want, err := collect(t, f.frame(bytes.NewReader(f.body), Options{}))
			if err != nil {
				t.Fatal(err)
			}
			// Leave buffers in the pool that held other bytes: a big
			// SSE event (a grown buffer), an early stop, a failure.
			for range SSE(bytes.NewReader(big), Options{}) {
			}
			for range f.frame(bytes.NewReader(f.body), Options{}) {
				break
			}
			for range f.frame(&errReader{b: f.body[:len(f.body)/2], err: io.ErrClosedPipe}, Options{}) {
			}
			n := 0
			for c, err := range f.frame(bytes.NewReader(f.body), Options{}) {
				if err != nil {
					t.Fatal(err)
				}
				if n >= len(want) {
					t.Fatalf("more than the %d chunks of the body", len(want))
				}
				outer := rec{string(c.Event), string(c.Data)}
				inner, err := collect(t, f.frame(bytes.NewReader(f.body), Options{}))
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(inner) != fmt.Sprint(want) {
					t.Errorf("nested framing: got %v, want %v", inner, want)
				}
				// The outer chunk is read again after the nested
				// framing ran: it must not have been overwritten.
				if got := (rec{string(c.Event), string(c.Data)}); got != outer || got != want[n] {
					t.Errorf("chunk %d: %v after a nested framing (%v before), want %v", n, got, outer, want[n])
				}
				n++
			}
			if n != len(want) {
				t.Errorf("%d chunks, want %d", n, len(want))
			}
		})
	}
}

// TestScratchKeptAcrossFramings: a framer that joins no data (NDJSON,
// event stream) gives the pooled buffer back with the SSE data scratch it
// found, so that SSE bodies framed between them do not grow a new one:
// framing them in turn costs no more allocations than framing each alone.
func TestScratchKeptAcrossFramings(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector drops sync.Pool items at random")
	}
	fs := pooledFramings()
	frame := func(i int) {
		for _, err := range fs[i].frame(bytes.NewReader(fs[i].body), Options{}) {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	sse := testing.AllocsPerRun(100, func() { frame(0) })
	for i := 1; i < len(fs); i++ {
		t.Run(fs[i].name, func(t *testing.T) {
			other := testing.AllocsPerRun(100, func() { frame(i) })
			both := testing.AllocsPerRun(100, func() { frame(0); frame(i) })
			if both > sse+other {
				t.Errorf("sse then %s: %v allocations, %v and %v alone: the SSE scratch was dropped", fs[i].name, both, sse, other)
			}
		})
	}
}
