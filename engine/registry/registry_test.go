package registry

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/framing"
	"github.com/wasmadapt/wasmadapt/internal/testenv"
)

// swapBuild are the variants of engine/testdata/swap/guest (the OpenAI
// adapter with its name and version set at link time): the test guests
// swap-<variant> of testenv.Guests.
var swapBuild = []string{"v1", "v2", "bad", "other"}

// swapWasm returns the bytes of a swap guest variant. The first call
// builds every variant at once (most tests use several).
func swapWasm(tb testing.TB, variant string) []byte {
	tb.Helper()
	swapOnce.Do(func() {
		if _, err := exec.LookPath("go"); err != nil {
			return // guests.Wasm skips
		}
		var wg sync.WaitGroup
		for _, v := range swapBuild {
			wg.Go(func() { guests.Build("swap-" + v) })
		}
		wg.Wait()
	})
	return guests.Wasm(tb, "swap-"+variant)
}

var swapOnce sync.Once

// changeLog records a registry's changes for assertions.
type changeLog struct {
	mu sync.Mutex
	cs []Change
	ch chan Change
}

func newChangeLog() *changeLog { return &changeLog{ch: make(chan Change, 4096)} }

func (l *changeLog) add(c Change) {
	l.mu.Lock()
	l.cs = append(l.cs, c)
	l.mu.Unlock()
	select {
	case l.ch <- c:
	default:
	}
}

func (l *changeLog) count(k ChangeKind) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, c := range l.cs {
		if c.Kind == k {
			n++
		}
	}
	return n
}

func (l *changeLog) all() []Change {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Change(nil), l.cs...)
}

// wait returns the next change of kind k for name, failing after a while.
func (l *changeLog) wait(tb testing.TB, k ChangeKind, name string) Change {
	tb.Helper()
	deadline := time.After(waitBound)
	for {
		select {
		case c := <-l.ch:
			if c.Kind == k && c.Name == name {
				return c
			}
		case <-deadline:
			tb.Fatalf("no %s change for %s within %v; changes: %v", k, name, waitBound, l.all())
		}
	}
}

func newRegistry(tb testing.TB, opts Options, cfg engine.Config) (*Registry, *changeLog) {
	tb.Helper()
	log := newChangeLog()
	opts.OnChange = log.add
	r := New(newEngine(tb, cfg), opts)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		r.Close(ctx)
	})
	return r, log
}

// signers returns a key pair the registry is configured to trust (pub,
// priv) and the private key of another signer it does not trust.
func signers(tb testing.TB) (pub ed25519.PublicKey, priv, otherPriv ed25519.PrivateKey) {
	tb.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		tb.Fatal(err)
	}
	_, otherPriv, err = ed25519.GenerateKey(nil)
	if err != nil {
		tb.Fatal(err)
	}
	return pub, priv, otherPriv
}

// rejectStep is the step of err's *RejectError, or "" when err is not a
// rejection.
func rejectStep(err error) string {
	var re *RejectError
	if !errors.As(err, &re) {
		return ""
	}
	return re.Step
}

// sseChunks frames a recorded SSE body with the host's framer.
func sseChunks(tb testing.TB, body []byte) []abi.Chunk {
	tb.Helper()
	out, err := framing.Chunks(body, abi.FramingSSE, framing.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	if len(out) == 0 {
		tb.Fatal("no SSE events in the body")
	}
	return out
}

// replay runs chunks through m in batches of the given sizes (cycled),
// then an end call, and returns the events as JSON lines, tool calls
// completed in order as the host completes them.
func replay(ctx context.Context, m engine.Module, chunks []abi.Chunk, batches []int, between func()) ([]byte, error) {
	var out, state []byte
	var order engine.EventOrder
	i, k := 0, 0
	for {
		n := batches[k%len(batches)]
		k++
		end := i+n >= len(chunks)
		in := &abi.TransformInput{State: state, Chunks: chunks[i:min(i+n, len(chunks))]}
		if end {
			in.Flags = abi.FlagEnd
		}
		st, evs, err := m.Transform(ctx, in)
		if err != nil {
			return out, err
		}
		if evs, err = order.Complete(evs); err != nil {
			return out, err
		}
		for j := range evs {
			out = evs[j].AppendJSON(out)
			out = append(out, '\n')
		}
		if end {
			return out, nil
		}
		state = st
		i += n
		if between != nil {
			between()
		}
	}
}

// TestRegistrySwapUnderLoad replays a recorded stream from many goroutines
// through the registry while versions are swapped many times, rolled back,
// and a broken version is pushed: no call fails, every stream's events are
// byte-identical to a run without swaps, and every retired generation is
// drained and closed.
func TestRegistrySwapUnderLoad(t *testing.T) {
	body, err := os.ReadFile("../../testdata/openai/stream-parallel-tools/body")
	if err != nil {
		t.Skip("recorded stream not present:", err)
	}
	chunks := sseChunks(t, body)
	v1, v2, bad := swapWasm(t, "v1"), swapWasm(t, "v2"), swapWasm(t, "bad")
	ctx := context.Background()

	// The reference: the stream through a plain module, no registry.
	e := newEngine(t, engine.Config{PoolSize: 4})
	plain, err := e.Load(ctx, "chat", v1)
	if err != nil {
		t.Fatal(err)
	}
	want, err := replay(ctx, plain, chunks, []int{len(chunks)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(want, []byte(`"type":"tool-call"`)) {
		t.Fatalf("reference run has no tool calls:\n%s", want)
	}

	r, log := newRegistry(t, Options{}, engine.Config{PoolSize: 4})
	// Every generation's Module, seen through Pin, to check it is closed
	// after its drain.
	var gens sync.Map // engine.Module -> struct{}
	h := r.Module("chat")
	if _, err := r.Load(ctx, "chat", v2); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Load(ctx, "chat", v1, WithActivate()); err != nil {
		t.Fatal(err)
	}
	d1, d2 := Digest(v1), Digest(v2)

	// Eight streams across six swaps: every swap retires a generation
	// with streams in flight on it; more only lengthen the run under -race.
	const workers = 8
	var (
		stop     atomic.Bool
		failures atomic.Int64
		streams  atomic.Int64
		wg       sync.WaitGroup
	)
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for !stop.Load() || streams.Load() < 4*workers {
				batches := []int{1 + rng.IntN(4), 1 + rng.IntN(8)}
				var m engine.Module = h
				release := func() {}
				if w%2 == 1 {
					// Half the streams pin the whole request, as a
					// host does; the others rely on the state tag.
					m, release = h.Pin()
					gens.LoadOrStore(m, struct{}{})
				}
				got, err := replay(ctx, m, chunks, batches, func() {
					if rng.IntN(4) == 0 {
						time.Sleep(time.Duration(rng.IntN(300)) * time.Microsecond)
					}
				})
				release()
				streams.Add(1)
				if err != nil {
					failures.Add(1)
					errs <- fmt.Errorf("worker %d: %w", w, err)
					return
				}
				if !bytes.Equal(got, want) {
					failures.Add(1)
					errs <- fmt.Errorf("worker %d (batches %v): events differ from the run without swaps:\n got %s\nwant %s", w, batches, got, want)
					return
				}
			}
		}()
	}

	const swaps = 6 // even: the last activation is v1
	for i := range swaps {
		d := d2
		if i%2 == 1 {
			d = d1
		}
		if err := r.Activate(ctx, "chat", d); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	// The last activation was v1, so the previous is v2.
	if err := r.Rollback(ctx, "chat"); err != nil {
		t.Fatal(err)
	}
	if got := h.Digest(); got != d2 {
		t.Fatalf("after rollback the active digest is %s, want v2's %s", got, d2)
	}
	_, err = r.Load(ctx, "chat", bad, WithActivate())
	if err == nil || !strings.Contains(err.Error(), "self-test") {
		t.Fatalf("broken module: got %v, want a self-test rejection", err)
	}
	if got := h.Digest(); got != d2 {
		t.Fatalf("after the rejection the active digest is %s, want v2's %s", got, d2)
	}
	time.Sleep(20 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	testenv.ReportErrs(t, errs)
	if n := failures.Load(); n != 0 {
		t.Fatalf("%d failed streams out of %d", n, streams.Load())
	}
	t.Logf("%d streams, %d swaps, 1 rollback, 1 rejection", streams.Load(), swaps)

	// Every retired generation drains and closes.
	activations := log.count(ChangeActivated) + log.count(ChangeRolledBack)
	if activations != swaps+2 {
		t.Fatalf("%d activations reported, want %d", activations, swaps+2)
	}
	for deadline := time.Now().Add(waitBound); log.count(ChangeDrained) < activations-1; {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d retired generations drained; list: %+v", log.count(ChangeDrained), activations-1, r.List())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if l := r.List(); len(l) != 1 || l[0].Draining != 0 || l[0].Active.Digest != d2 {
		t.Fatalf("List after the drains: %+v", l)
	}
	if n := log.count(ChangeRejected); n != 1 {
		t.Fatalf("%d rejections, want 1", n)
	}
	active, release := h.Pin()
	defer release()
	closed := 0
	gens.Range(func(k, _ any) bool {
		m := k.(engine.Module)
		if m == active {
			return true
		}
		if st := engine.InstanceStats(m); st.Idle != 0 {
			t.Errorf("a retired generation keeps %d idle instances after its drain", st.Idle)
		}
		if _, err := m.Capabilities(ctx, ""); err == nil {
			t.Errorf("a retired generation still serves calls after its drain")
		}
		closed++
		return true
	})
	if closed == 0 {
		t.Fatal("no retired generation was pinned: the test did not exercise Pin across swaps")
	}
}

// TestRegistryStreamPinned: a stream started before a swap finishes on its
// version; the retired generation closes when the stream ends, not before.
func TestRegistryStreamPinned(t *testing.T) {
	for _, migrate := range []bool{false, true} {
		t.Run(fmt.Sprintf("migrate=%v", migrate), func(t *testing.T) {
			ctx := context.Background()
			r, log := newRegistry(t, Options{MigrateStreams: migrate}, engine.Config{PoolSize: 2})
			h := r.Module("chat")
			if _, err := r.Load(ctx, "chat", swapWasm(t, "v1"), WithActivate()); err != nil {
				t.Fatal(err)
			}
			first := log.wait(t, ChangeActivated, "chat").Generation
			body, err := os.ReadFile("../../testdata/openai/stream-parallel-tools/body")
			if err != nil {
				t.Skip(err)
			}
			chunks := sseChunks(t, body)
			want, err := replay(ctx, h, chunks, []int{len(chunks)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			swapped := false
			got, err := replay(ctx, h, chunks, []int{2}, func() {
				if swapped {
					// The old generation is still open while the
					// stream is pinned to it, unless it migrated.
					if n := log.count(ChangeDrained); !migrate && n != 0 {
						t.Errorf("generation drained while its stream was open")
					}
					return
				}
				swapped = true
				if _, err := r.Load(ctx, "chat", swapWasm(t, "v2"), WithActivate()); err != nil {
					t.Fatal(err)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("events differ across the swap:\n got %s\nwant %s", got, want)
			}
			if c := log.wait(t, ChangeDrained, "chat"); c.Generation != first {
				t.Fatalf("drained generation %d, want %d", c.Generation, first)
			}
		})
	}
}

// TestRegistryPin: a pinned Module keeps its generation open across a swap
// and is closed after release.
func TestRegistryPin(t *testing.T) {
	ctx := context.Background()
	r, log := newRegistry(t, Options{}, engine.Config{PoolSize: 2})
	h := r.Module("chat")
	if m, release := h.Pin(); m != engine.Module(h) {
		t.Fatal("Pin with no active version must return the handle")
	} else {
		release()
	}
	if _, err := h.Capabilities(ctx, ""); abi.CodeOf(err) != abi.CodeAdapterTrap {
		t.Fatalf("call with no active version: %v, want adapter_trap", err)
	}
	if _, err := r.Load(ctx, "chat", swapWasm(t, "v1"), WithActivate()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Get("nope"); !errors.Is(err, ErrUnknownModule) {
		t.Fatalf("Get of an unknown name: %v", err)
	}
	m, release, err := r.Get("chat")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Load(ctx, "chat", swapWasm(t, "v2"), WithActivate()); err != nil {
		t.Fatal(err)
	}
	c, err := m.Capabilities(ctx, "")
	if err != nil || c.Version != "1.0.0" {
		t.Fatalf("pinned module after the swap: %v %v, want version 1.0.0", c, err)
	}
	if c, err := h.Capabilities(ctx, ""); err != nil || c.Version != "2.0.0" {
		t.Fatalf("handle after the swap: %v %v, want version 2.0.0", c, err)
	}
	if n := log.count(ChangeDrained); n != 0 {
		t.Fatalf("generation drained while pinned")
	}
	release()
	release() // idempotent
	log.wait(t, ChangeDrained, "chat")
	if _, err := m.Capabilities(ctx, ""); err == nil {
		t.Fatal("the released generation still serves calls")
	}
}

func TestRegistryIdenticalBytes(t *testing.T) {
	ctx := context.Background()
	r, log := newRegistry(t, Options{}, engine.Config{PoolSize: 1})
	b := swapWasm(t, "v1")
	v, err := r.Load(ctx, "chat", b)
	if err != nil {
		t.Fatal(err)
	}
	if v.Digest != Digest(b) || v.Declared != "1.0.0" || v.SelfTestCases != 2 {
		t.Fatalf("version %+v", v)
	}
	start := time.Now()
	v2, err := r.Load(ctx, "chat", append([]byte(nil), b...))
	if err != nil || v2 != v {
		t.Fatalf("reload: %+v %v, want %+v", v2, err, v)
	}
	t.Logf("first load %v, identical reload %v", v.LoadDuration, time.Since(start))
	if n := log.count(ChangeLoaded); n != 1 {
		t.Fatalf("%d loads, want 1", n)
	}
	if n := log.count(ChangeUnchanged); n != 1 {
		t.Fatalf("%d unchanged, want 1", n)
	}
	if l := r.List(); len(l[0].Versions) != 1 {
		t.Fatalf("versions %+v", l[0].Versions)
	}
}

func TestRegistryPinnedDigest(t *testing.T) {
	ctx := context.Background()
	r, log := newRegistry(t, Options{}, engine.Config{PoolSize: 1})
	b := swapWasm(t, "v1")
	// Not WebAssembly at all: had it reached the compiler, the error
	// would be a compile error.
	junk := []byte("not a module")
	_, err := r.LoadPinned(ctx, "chat", Digest(b), junk)
	if err == nil || !strings.Contains(err.Error(), "rejected at digest pin") || strings.Contains(err.Error(), "rejected at compile") {
		t.Fatalf("mismatched pin: %v", err)
	}
	if c := log.wait(t, ChangeRejected, "chat"); c.Version.Digest != Digest(junk) {
		t.Fatalf("rejection names %s", c.Version.Digest)
	}
	v, err := r.LoadPinned(ctx, "chat", strings.ToUpper(Digest(b)), b)
	if err != nil || v.Digest != Digest(b) {
		t.Fatalf("matching pin: %+v %v", v, err)
	}
}

func TestRegistrySignature(t *testing.T) {
	ctx := context.Background()
	pub, priv, otherPriv := signers(t)
	b := swapWasm(t, "v1")
	tests := []struct {
		name    string
		keys    []ed25519.PublicKey
		sig     []byte
		wantErr string
		signed  bool
	}{
		{"no keys, unsigned", nil, nil, "", false},
		{"keys, unsigned", []ed25519.PublicKey{pub}, nil, "unsigned", false},
		{"keys, valid", []ed25519.PublicKey{pub}, ed25519.Sign(priv, b), "", true},
		{"keys, other signer", []ed25519.PublicKey{pub}, ed25519.Sign(otherPriv, b), "does not verify", false},
		{"keys, signature of other bytes", []ed25519.PublicKey{pub}, ed25519.Sign(priv, b[:len(b)-1]), "does not verify", false},
		{"keys, truncated signature", []ed25519.PublicKey{pub}, ed25519.Sign(priv, b)[:40], "does not verify", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := newRegistry(t, Options{PublicKeys: tc.keys}, engine.Config{PoolSize: 1})
			var opts []LoadOption
			if tc.sig != nil {
				opts = append(opts, WithSignature(tc.sig))
			}
			v, err := r.Load(ctx, "chat", b, opts...)
			if tc.wantErr == "" {
				if err != nil || v.Signed != tc.signed {
					t.Fatalf("got %+v %v", v, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "signature") {
				t.Fatalf("got %v, want an error about %q", err, tc.wantErr)
			}
		})
	}
}

// TestRegistryRejects: each broken module is rejected with the step that
// failed, and the active version keeps serving.
func TestRegistryRejects(t *testing.T) {
	ctx := context.Background()
	r, log := newRegistry(t, Options{}, engine.Config{PoolSize: 1})
	h := r.Module("chat")
	v1 := swapWasm(t, "v1")
	if _, err := r.Load(ctx, "chat", v1, WithActivate()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		wasm []byte
		want string
	}{
		{"self-test fails", swapWasm(t, "bad"), `self-test "text-stream" failed`},
		{"declares another name", swapWasm(t, "other"), `declares name "other"`},
		{"truncated bytes", v1[:len(v1)/2], "rejected at compile"},
		{"contract broken", guests.Wasm(t, "raw-missing"), "rejected at compile"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.Load(ctx, "chat", tc.wasm, WithActivate())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			var re *RejectError
			if !errors.As(err, &re) || re.Name != "chat" || re.Step == "" {
				t.Fatalf("error %v is not a *RejectError naming its step", err)
			}
			c := log.wait(t, ChangeRejected, "chat")
			if c.Version.Digest != Digest(tc.wasm) || !errors.Is(c.Err, err) && c.Err.Error() != err.Error() {
				t.Fatalf("change %+v", c)
			}
			if h.Digest() != Digest(v1) {
				t.Fatal("the active version changed")
			}
			if caps, err := h.Capabilities(ctx, ""); err != nil || caps.Version != "1.0.0" {
				t.Fatalf("active version no longer serves: %v %v", caps, err)
			}
		})
	}
}

func TestRegistryRollback(t *testing.T) {
	ctx := context.Background()
	r, log := newRegistry(t, Options{}, engine.Config{PoolSize: 1})
	if err := r.Rollback(ctx, "chat"); !errors.Is(err, ErrUnknownModule) {
		t.Fatalf("rollback of an unknown name: %v", err)
	}
	v1, v2 := swapWasm(t, "v1"), swapWasm(t, "v2")
	if _, err := r.Load(ctx, "chat", v1, WithActivate()); err != nil {
		t.Fatal(err)
	}
	if err := r.Rollback(ctx, "chat"); !errors.Is(err, ErrNoPrevious) {
		t.Fatalf("rollback with no previous: %v", err)
	}
	if _, err := r.Load(ctx, "chat", v2, WithActivate()); err != nil {
		t.Fatal(err)
	}
	h := r.Module("chat")
	for i, want := range []string{Digest(v1), Digest(v2), Digest(v1)} {
		if err := r.Rollback(ctx, "chat"); err != nil {
			t.Fatal(err)
		}
		if got := h.Digest(); got != want {
			t.Fatalf("rollback %d: active %s, want %s", i, got, want)
		}
		c := log.wait(t, ChangeRolledBack, "chat")
		if c.Version.Digest != want {
			t.Fatalf("rollback %d reported %s", i, c.Version.Digest)
		}
	}
	if err := r.Activate(ctx, "chat", strings.Repeat("0", 64)); !errors.Is(err, ErrUnknownVersion) {
		t.Fatalf("activate unknown digest: %v", err)
	}
	l := r.List()
	if len(l) != 1 || l[0].Active.Digest != Digest(v1) || l[0].Previous.Digest != Digest(v2) || len(l[0].Versions) != 2 {
		t.Fatalf("List: %+v", l)
	}
}

func TestSplitSSE(t *testing.T) {
	tests := []struct {
		body string
		want []string // event|data
	}{
		{"data: a\n\ndata: b\n\n", []string{"|a", "|b"}},
		{"event: x\r\ndata: 1\r\ndata: 2\r\n\r\n: comment\n\ndata:c", []string{"x|1\n2", "|c"}},
		{"event: ping\n\n", nil},
	}
	for _, tc := range tests {
		var got []string
		for c, err := range selfTestChunks(&selfTestCase{}, []byte(tc.body), abi.FramingSSE) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, string(c.Event)+"|"+string(c.Data))
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("selfTestChunks(%q) = %q, want %q", tc.body, got, tc.want)
		}
	}
}

// TestRegistryAbandonedStream: a stream that never sends its end call
// keeps its generation only until DrainTimeout; a later call of it fails
// with adapter_trap instead of running on a closed generation.
func TestRegistryAbandonedStream(t *testing.T) {
	ctx := context.Background()
	r, log := newRegistry(t, Options{DrainTimeout: 200 * time.Millisecond}, engine.Config{PoolSize: 1})
	h := r.Module("chat")
	if _, err := r.Load(ctx, "chat", swapWasm(t, "v1"), WithActivate()); err != nil {
		t.Fatal(err)
	}
	chunk := abi.Chunk{Data: []byte(`{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}`)}
	st, _, err := h.Transform(ctx, &abi.TransformInput{Chunks: []abi.Chunk{chunk}})
	if err != nil {
		t.Fatal(err)
	}
	// The drain timer starts within Load, after start.
	v2 := swapWasm(t, "v2")
	start := time.Now()
	if _, err := r.Load(ctx, "chat", v2, WithActivate()); err != nil {
		t.Fatal(err)
	}
	log.wait(t, ChangeDrained, "chat")
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("drained after %v, before the drain timeout", d)
	}
	_, _, err = h.Transform(ctx, &abi.TransformInput{State: st, Flags: abi.FlagEnd})
	if abi.CodeOf(err) != abi.CodeAdapterTrap || !strings.Contains(err.Error(), "retired") {
		t.Fatalf("call of an abandoned stream: %v", err)
	}
	// A state the handle did not make is refused.
	_, _, err = h.Transform(ctx, &abi.TransformInput{State: []byte("foreign"), Chunks: []abi.Chunk{chunk}})
	if abi.CodeOf(err) != abi.CodeInvalidRequest {
		t.Fatalf("foreign state: %v", err)
	}
}

// TestHandleIntrospection: the functions of package api report, through
// the Handle a host holds, the state of the active version's generation,
// and Closed once the registry is closed. (Before the Handle implemented
// api.Inspector they silently reported the zero state.)
func TestHandleIntrospection(t *testing.T) {
	ctx := context.Background()
	r, _ := newRegistry(t, Options{}, engine.Config{PoolSize: 2})
	h := r.Module("chat")
	if _, ok := api.Suspended(h); api.InstanceStats(h) != (api.Stats{}) || api.InputLimit(h) != 0 || api.Faults(h) != 0 || ok || api.Closed(h) {
		t.Fatal("a handle with no active version reports a state")
	}
	if _, err := r.Load(ctx, "chat", swapWasm(t, "v1"), WithActivate()); err != nil {
		t.Fatal(err)
	}
	m, release := h.Pin()
	defer release()
	if m == engine.Module(h) {
		t.Fatal("Pin returned the handle although a version is active")
	}
	if got, want := api.InstanceStats(h), api.InstanceStats(m); got != want || got.Idle != 2 {
		t.Errorf("InstanceStats(handle) = %+v, the active generation has %+v (want 2 idle: the pool is prewarmed)", got, want)
	}
	if got, want := api.InputLimit(h), api.InputLimit(m); got != want || got == 0 {
		t.Errorf("InputLimit(handle) = %d, the active generation's is %d", got, want)
	}
	if got, want := api.Faults(h), api.Faults(m); got != want {
		t.Errorf("Faults(handle) = %d, the active generation's is %d", got, want)
	}
	hu, hok := api.Suspended(h)
	mu, mok := api.Suspended(m)
	if hok != mok || !hu.Equal(mu) {
		t.Errorf("Suspended(handle) = %v %v, the active generation's is %v %v", hu, hok, mu, mok)
	}
	if api.Closed(h) {
		t.Error("the handle of an open registry reports Closed")
	}
	release()
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if !api.Closed(h) {
		t.Error("the handle of a closed registry does not report Closed")
	}
}
