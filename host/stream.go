package host

import (
	"context"
	"io"
	"iter"
	"net/http"
	"sync"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/framing"
)

// streamRun feeds one streamed body through the module's transform.
type streamRun struct {
	x      *exchange
	ctx    context.Context
	state  []byte
	in     abi.TransformInput
	sawEnd bool
	// ended: the last call (abi.FlagEnd) was made, with the body's last
	// chunks (batched).
	ended  bool
	events int // events the module emitted for this attempt
}

// transform runs one transform call over chunks and delivers its events.
func (s *streamRun) transform(chunks []abi.Chunk, flags uint32) error {
	for i := range chunks {
		if echoed(s.x.secrets, chunks[i].Event, chunks[i].Data) {
			return echoError(http.StatusOK)
		}
	}
	s.in = abi.TransformInput{Flags: flags, State: s.state, Chunks: chunks}
	if len(s.state) == 0 {
		s.in.Context = s.x.ctxJSON
	}
	state, events, err := s.x.p.Module.Transform(s.ctx, &s.in)
	if err != nil {
		return err
	}
	if flags&abi.FlagEnd != 0 && len(chunks) > 0 && !s.x.delivered && hasError(events) {
		// The body's last chunks and its end in one call, with nothing
		// delivered before: an error of the end alone is a verdict on
		// the whole body (below), one of the chunks is not, and one
		// call cannot tell them apart. Without an error event the two
		// ways give the same events; with one, the calls are made
		// apart, from the same state (a transform call has no other
		// effect).
		if err := s.transform(chunks, 0); err != nil {
			return err
		}
		return s.transform(nil, abi.FlagEnd)
	}
	s.state = state
	s.x.op.chunks += len(chunks)
	s.events += len(events)
	if flags&abi.FlagEnd != 0 && !s.x.delivered {
		// The last call carries no chunk: an error it reports is the
		// module's verdict on a body that arrived whole, not the
		// provider's. When nothing came before it, the module could
		// read nothing in that body (an HTML page, an unknown format):
		// a retry would be billed for the same answer.
		for i := range events {
			events[i].Retryable = false
		}
	}
	return s.x.deliver(events, &s.sawEnd)
}

// hasError reports whether events hold an error event.
func hasError(events []abi.Event) bool {
	for i := range events {
		if events[i].Type == abi.EventError {
			return true
		}
	}
	return false
}

// direct makes one transform call per chunk, on the caller's goroutine.
func (s *streamRun) direct(actx context.Context, body io.Reader) error {
	one := make([]abi.Chunk, 1)
	for chunk, err := range framing.Split(body, s.x.preq.StreamFraming, framing.Options{MaxEventBytes: s.x.c.maxEvent}) {
		if err != nil {
			return s.x.readErr(s.ctx, actx, err)
		}
		one[0] = chunk
		if err := s.transform(one, 0); err != nil {
			return err
		}
	}
	return nil
}

// batched reads and frames the body on a second goroutine, which queues
// copies of the chunks while a transform call runs; each call then takes
// every chunk queued so far (up to the batch limits). Events do not depend
// on batching (the ABI requires it), and nothing waits for a batch to
// fill: an idle transform takes the first chunk as soon as it is framed.
func (s *streamRun) batched(actx context.Context, body io.Reader, cancel context.CancelCauseFunc, raw io.Closer) error {
	c := s.x.c
	b := newBatcher(c.maxBatch, c.maxBatchBytes)
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.produce(framing.Split(body, s.x.preq.StreamFraming, framing.Options{MaxEventBytes: c.maxEvent}))
	}()
	var chunks []abi.Chunk
	var arena []byte
	defer func() {
		b.stop()
		cancel(nil) // unblocks a read in progress
		raw.Close()
		<-done
		b.release(chunks, arena)
	}()
	for {
		var err error
		chunks, arena, err = b.take(chunks, arena)
		if len(chunks) > 0 {
			// The body's last chunks carry abi.FlagEnd (the body ended
			// after them), which saves the module a call (transform
			// splits it again when the end's errors must stand apart).
			var flags uint32
			if err == io.EOF {
				flags, s.ended = abi.FlagEnd, true
			}
			if terr := s.transform(chunks, flags); terr != nil {
				return terr
			}
			if s.ended {
				return nil
			}
			continue
		}
		if err == io.EOF {
			return nil
		}
		return s.x.readErr(s.ctx, actx, err)
	}
}

// batcher is a bounded queue of copied chunks between the goroutine that
// frames the body and the one that calls transform.
type batcher struct {
	mu        sync.Mutex
	cond      sync.Cond
	pending   []abi.Chunk
	arena     []byte
	freeC     []abi.Chunk
	freeA     []byte
	err       error
	done      bool
	stopped   bool
	maxChunks int
	maxBytes  int
}

// batcherPool keeps batchers with their buffers between streams: a short
// stream would otherwise grow a fresh queue and arena per response.
var batcherPool = sync.Pool{New: func() any { return new(batcher) }}

// Buffers larger than these are left to the collector rather than kept
// in batcherPool.
const (
	maxPooledChunks = 256
	maxPooledArena  = 64 << 10
)

func newBatcher(maxChunks, maxBytes int) *batcher {
	b := batcherPool.Get().(*batcher)
	b.cond.L = &b.mu
	b.maxChunks, b.maxBytes = maxChunks, maxBytes
	return b
}

// release returns b to batcherPool with the consumer's last batch (chunks
// and arena, which it took and no longer uses) as free buffers. The
// producer must have ended and no transform call may still hold a batch.
func (b *batcher) release(chunks []abi.Chunk, arena []byte) {
	keep := func(c []abi.Chunk, a []byte) ([]abi.Chunk, []byte) {
		clear(c[:cap(c)]) // no chunk keeps an arena reachable
		if cap(c) > maxPooledChunks {
			c = nil
		}
		if cap(a) > maxPooledArena {
			a = nil
		}
		return c[:0], a[:0]
	}
	pending, pArena := keep(b.pending, b.arena)
	free, fArena := keep(b.freeC, b.freeA)
	if free == nil && fArena == nil {
		free, fArena = keep(chunks, arena)
	}
	*b = batcher{pending: pending, arena: pArena, freeC: free, freeA: fArena}
	batcherPool.Put(b)
}

func (b *batcher) produce(seq iter.Seq2[abi.Chunk, error]) {
	for ch, err := range seq {
		b.mu.Lock()
		// A batch holds at most maxBytes, unless it is one chunk: a
		// batch never grows past the module's input limit because of
		// the chunks around a large one.
		for !b.stopped && len(b.pending) > 0 && (len(b.pending) >= b.maxChunks || len(b.arena)+len(ch.Event)+len(ch.Data) > b.maxBytes) {
			b.cond.Wait()
		}
		if b.stopped {
			b.mu.Unlock()
			return
		}
		if err != nil {
			b.err, b.done = err, true
			b.cond.Broadcast()
			b.mu.Unlock()
			return
		}
		start := len(b.arena)
		b.arena = append(b.arena, ch.Event...)
		mid := len(b.arena)
		b.arena = append(b.arena, ch.Data...)
		end := len(b.arena)
		b.pending = append(b.pending, abi.Chunk{Event: b.arena[start:mid:mid], Data: b.arena[mid:end:end]})
		b.cond.Broadcast()
		b.mu.Unlock()
	}
	b.mu.Lock()
	b.err, b.done = io.EOF, true
	b.cond.Broadcast()
	b.mu.Unlock()
}

// take gives back the buffers of the batch the caller is done with and
// waits for the next one. With no chunk left it returns the framer's
// final error (io.EOF at a clean end); the last chunks of a body that
// ended cleanly come with io.EOF too.
func (b *batcher) take(doneC []abi.Chunk, doneA []byte) ([]abi.Chunk, []byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if doneC != nil {
		b.freeC, b.freeA = doneC[:0], doneA[:0]
	}
	for len(b.pending) == 0 && !b.done {
		b.cond.Wait()
	}
	if len(b.pending) == 0 {
		return nil, nil, b.err
	}
	out, outA := b.pending, b.arena
	b.pending, b.arena = b.freeC, b.freeA
	b.freeC, b.freeA = nil, nil
	b.cond.Broadcast()
	if b.done && b.err == io.EOF {
		return out, outA, io.EOF // the body's last chunks
	}
	return out, outA, nil
}

func (b *batcher) stop() {
	b.mu.Lock()
	b.stopped = true
	b.cond.Broadcast()
	b.mu.Unlock()
}

// idleReader resets the idle timer on every read that made progress.
type idleReader struct {
	r io.Reader
	t *time.Timer
	d time.Duration
}

func (i *idleReader) Read(p []byte) (int, error) {
	n, err := i.r.Read(p)
	if n > 0 {
		i.t.Reset(i.d)
	}
	return n, err
}
