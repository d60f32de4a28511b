package host

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

// chunkSeq yields n chunks with event names and data, then ends.
func chunkSeq(n int) iter.Seq2[abi.Chunk, error] {
	return func(yield func(abi.Chunk, error) bool) {
		for i := range n {
			ev := abi.Chunk{Event: []byte("delta"), Data: fmt.Appendf(nil, `{"i":%d,"text":"part %d of the answer"}`, i, i)}
			if !yield(ev, nil) {
				return
			}
		}
	}
}

// drain runs one stream through b: the producer queues seq (first, or
// on a goroutine of its own when concurrent), the consumer takes every
// batch (only the first when stopEarly) and checks the chunks against
// want, then b goes back to the pool.
func drain(t *testing.T, b *batcher, seq iter.Seq2[abi.Chunk, error], want []abi.Chunk, concurrent, stopEarly bool) {
	t.Helper()
	done := make(chan struct{})
	if concurrent {
		go func() { defer close(done); b.produce(seq) }()
	} else {
		b.produce(seq)
		close(done)
	}
	var chunks []abi.Chunk
	var arena []byte
	n := 0
	for {
		var err error
		chunks, arena, err = b.take(chunks, arena)
		for _, c := range chunks {
			if n >= len(want) || string(c.Event) != string(want[n].Event) || string(c.Data) != string(want[n].Data) {
				t.Fatalf("chunk %d: got %q %q", n, c.Event, c.Data)
			}
			n++
		}
		if stopEarly {
			b.stop()
			break
		}
		if len(chunks) == 0 {
			if err != io.EOF {
				t.Fatalf("take: %v, want io.EOF", err)
			}
			if n != len(want) {
				t.Fatalf("%d chunks, want %d", n, len(want))
			}
			break
		}
	}
	<-done
	b.release(chunks, arena)
}

// TestBatcherReused checks that batchers come back from batcherPool with
// their buffers, so that a stream's queue costs almost no allocation once
// warm, and that a reused batcher yields exactly the chunks of its own
// stream (after streams of other lengths and limits, and one stopped
// early).
func TestBatcherReused(t *testing.T) {
	want := func(n int) (out []abi.Chunk) {
		for c := range chunkSeq(n) {
			out = append(out, abi.Chunk{Event: c.Event, Data: c.Data})
		}
		return out
	}
	for _, tt := range []struct {
		name                string
		chunks              int
		maxChunks, maxBytes int
		concurrent, stopped bool
	}{
		{"short", 9, 64, 1 << 20, false, false},
		{"short, concurrent", 9, 64, 1 << 20, true, false},
		{"one per batch", 9, 1, 1 << 20, true, false},
		{"byte limit", 40, 64, 100, true, false},
		{"stopped", 9, 64, 1 << 20, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			drain(t, newBatcher(tt.maxChunks, tt.maxBytes), chunkSeq(tt.chunks), want(tt.chunks), tt.concurrent, tt.stopped)
			// Another stream through the pooled batcher after it.
			drain(t, newBatcher(64, 1<<20), chunkSeq(3), want(3), false, false)
		})
	}
	if raceOn {
		t.Skip("the race detector drops sync.Pool items at random")
	}
	// Once warm, a short stream's queue allocates only the loop body
	// that produce hands its sequence (a closure over its state: 2
	// allocations), besides the test's own sequence and channel (2);
	// without the pool the batcher, its queue and its arena grew anew
	// for every stream (11 more for these 9 chunks).
	w := want(9)
	allocs := testing.AllocsPerRun(200, func() {
		drain(t, newBatcher(64, 1<<20), sliceSeq(w), w, false, false)
	})
	if allocs > 4 {
		t.Errorf("%v allocations per short stream's queue, want at most 4", allocs)
	}
}

// sliceSeq yields chunks without allocating per chunk.
func sliceSeq(chunks []abi.Chunk) iter.Seq2[abi.Chunk, error] {
	return func(yield func(abi.Chunk, error) bool) {
		for _, c := range chunks {
			if !yield(c, nil) {
				return
			}
		}
	}
}

// TestHeaderEchoed checks headerEchoed against the rule it stands for: a
// secret in the module form of the headers (responseHeaders: repeated
// values joined with ", "), and that it costs no allocation for the usual
// single-valued headers.
func TestHeaderEchoed(t *testing.T) {
	secret := []byte("sk-secret-0123456789")
	for _, tt := range []struct {
		name    string
		secrets [][]byte
		h       http.Header
		want    bool
	}{
		{"none", [][]byte{secret}, http.Header{"Content-Type": {"text/event-stream"}, "X-Request-Id": {"req-1"}}, false},
		{"in a value", [][]byte{secret}, http.Header{"X-Echo": {"Bearer sk-secret-0123456789"}}, true},
		{"in a repeated value", [][]byte{secret}, http.Header{"X-Echo": {"a", "sk-secret-0123456789"}}, true},
		{"across two values", [][]byte{[]byte("part-one, part-two")}, http.Header{"X-Echo": {"part-one", "part-two"}}, true},
		{"in a name only", [][]byte{secret}, http.Header{"Sk-Secret-0123456789": {"x"}}, false},
		{"second secret", [][]byte{[]byte("not-there-at-all"), secret}, http.Header{"X-Echo": {"sk-secret-0123456789"}}, true},
		{"no secrets", nil, http.Header{"X-Echo": {"sk-secret-0123456789"}}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ref := false
			for _, h := range responseHeaders(tt.h) {
				ref = ref || echoed(tt.secrets, h[1])
			}
			if ref != tt.want {
				t.Fatalf("the module-form rule says %v, the case %v", ref, tt.want)
			}
			if got := headerEchoed(tt.secrets, tt.h); got != tt.want {
				t.Errorf("headerEchoed = %v, want %v", got, tt.want)
			}
		})
	}
	h := http.Header{"Content-Type": {"text/event-stream"}, "X-Request-Id": {"req-1"}, "Date": {"Mon, 07 Dec 2026 22:00:00 GMT"}}
	if a := testing.AllocsPerRun(100, func() { headerEchoed([][]byte{secret}, h) }); a != 0 {
		t.Errorf("%v allocations to check three short headers, want 0", a)
	}
}

// TestBatcherLastChunks: take gives the last chunks of a body that ended
// cleanly with io.EOF (the host then makes them the end call), and those
// of a body that broke without it (the error comes alone, on the next
// take), as it does every batch taken before the body ended.
func TestBatcherLastChunks(t *testing.T) {
	broken := errors.New("connection reset")
	for _, tt := range []struct {
		name    string
		seq     iter.Seq2[abi.Chunk, error]
		lastErr error // take's error with the chunks
		end     error // take's error after them
	}{
		{"clean end", chunkSeq(9), io.EOF, io.EOF},
		{"broken", func(yield func(abi.Chunk, error) bool) {
			for c := range chunkSeq(9) {
				if !yield(c, nil) {
					return
				}
			}
			yield(abi.Chunk{}, broken)
		}, nil, broken},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newBatcher(64, 1<<20)
			b.produce(tt.seq) // the whole body is queued before the take
			chunks, arena, err := b.take(nil, nil)
			if len(chunks) != 9 || err != tt.lastErr {
				t.Fatalf("take: %d chunks, %v; want 9, %v", len(chunks), err, tt.lastErr)
			}
			if more, _, err := b.take(chunks, arena); len(more) != 0 || err != tt.end {
				t.Fatalf("take after them: %d chunks, %v; want none, %v", len(more), err, tt.end)
			}
		})
	}
	// A batch taken while the body is still being read comes without it.
	b := newBatcher(64, 1<<20)
	gate := make(chan struct{})
	go b.produce(func(yield func(abi.Chunk, error) bool) {
		for c := range chunkSeq(4) {
			if !yield(c, nil) {
				return
			}
			<-gate // the body is not over until the test says so
		}
	})
	chunks, _, err := b.take(nil, nil)
	if len(chunks) != 1 || err != nil {
		t.Fatalf("take mid-body: %d chunks, %v; want 1, nil", len(chunks), err)
	}
	close(gate)
	b.stop()
}
