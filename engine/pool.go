package engine

import (
	"context"
	"sync"
	"time"

	"github.com/valyala/fastjson"

	"github.com/wasmadapt/wasmadapt/abi"
)

// slot is one pooled executor of a module: a Wasm instance or a native
// dispatcher.
type slot interface {
	// invoke runs export fn on input and returns the raw result (status
	// byte first), valid until the next invoke. A non-nil error is a
	// fault of the executor (trap, timeout, memory, broken contract): the
	// slot is then discarded.
	invoke(ctx context.Context, fn exportID, input []byte) ([]byte, *abi.Error)
	// memorySize is the executor's linear memory in bytes (0 if native).
	memorySize() uint64
	close(ctx context.Context)
}

// worker is a pool element: a slot plus the scratch state a call needs, so
// that calls on it reuse buffers and parsers.
type worker struct {
	s    slot
	in   []byte
	p    fastjson.Parser
	args fastjson.Parser
}

// pool is a bounded pool of workers: at most size workers exist at once,
// created lazily; acquire waits for a free one.
type pool struct {
	tokens  chan struct{}
	newSlot func(ctx context.Context) (slot, error)
	// onRetry, once set (after the module's first instance started),
	// makes a failed instantiation retried with backoff, and is called
	// before each retry; nil fails at the first error (Load).
	onRetry func(attempt int, err error)

	mu     sync.Mutex
	idle   []*worker
	closed bool
}

func newPool(size int, newSlot func(ctx context.Context) (slot, error)) *pool {
	return &pool{tokens: make(chan struct{}, size), newSlot: newSlot}
}

var errModuleClosed = abi.Errorf(abi.CodeAdapterTrap, "module is closed: load it again")

// acquire returns a worker for the caller's exclusive use, waiting while
// every worker is busy.
func (p *pool) acquire(ctx context.Context) (*worker, error) {
	select {
	case p.tokens <- struct{}{}:
	default:
		select {
		case p.tokens <- struct{}{}:
		case <-ctx.Done():
			return nil, &abi.Error{Code: abi.CodeAdapterTimeout, Message: "no free instance before the call's context ended: raise PoolSize or the deadline", Err: ctx.Err()}
		}
	}
	for attempt := 1; ; attempt++ {
		w, err := p.take()
		if w != nil || err != nil {
			if err != nil {
				<-p.tokens
			}
			return w, err
		}
		s, err := p.newSlot(ctx)
		if err == nil {
			return &worker{s: s}, nil
		}
		if p.onRetry == nil || attempt >= refillAttempts || !p.backoff(ctx, attempt) {
			<-p.tokens
			return nil, err
		}
		p.onRetry(attempt, err)
	}
}

// A failed instantiation of a module that already started once (a refill)
// is most likely the machine's doing (memory short for a moment, a start
// slowed past Config.InitTimeout): acquire tries refillAttempts times in
// all, waiting refillBackoff, then twice as long each time, while the
// caller's context allows. Meanwhile an instance another call returns is
// taken instead.
const (
	refillAttempts = 4
	refillBackoff  = 50 * time.Millisecond
)

// backoff waits before retry attempt+1; false when ctx ends first.
func (p *pool) backoff(ctx context.Context, attempt int) bool {
	t := time.NewTimer(refillBackoff << (attempt - 1))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// take returns an idle worker (nil when there is none), or errModuleClosed.
// The caller holds a token.
func (p *pool) take() (*worker, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errModuleClosed
	}
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		return w, nil
	}
	return nil, nil
}

// release returns w to the pool, or closes it when discard is set (the
// pool refills lazily).
func (p *pool) release(w *worker, discard bool) {
	if discard {
		w.s.close(context.Background())
	} else {
		p.mu.Lock()
		if p.closed {
			discard = true
		} else {
			p.idle = append(p.idle, w)
		}
		p.mu.Unlock()
		if discard {
			w.s.close(context.Background())
		}
	}
	<-p.tokens
}

// close waits for the calls in flight, then closes every worker.
func (p *pool) close(ctx context.Context) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.mu.Unlock()
	for i := 0; i < cap(p.tokens); i++ {
		p.tokens <- struct{}{}
	}
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, w := range idle {
		w.s.close(ctx)
	}
	for i := 0; i < cap(p.tokens); i++ {
		<-p.tokens
	}
}

// Prewarm creates and initializes every instance of m's pool (up to
// Config.PoolSize) and returns them to the pool idle, so that the first
// calls do not pay for instantiation. It does nothing for a Module not
// loaded by an Engine (a native module, a registry handle). The error is
// the first instantiation's failure; the instances made before it stay
// in the pool.
func Prewarm(ctx context.Context, m Module) error {
	mm, ok := m.(*module)
	if !ok {
		return nil
	}
	ws := make([]*worker, 0, mm.cfg.PoolSize)
	var err error
	for range mm.cfg.PoolSize {
		w, e := mm.pool.acquire(ctx)
		if e != nil {
			err = e
			break
		}
		ws = append(ws, w)
	}
	for _, w := range ws {
		mm.pool.release(w, false)
	}
	return err
}
