package host_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
)

// countingModule records the number of chunks of each transform call and
// makes the first call slow, so that the rest of the body is framed while
// it runs.
type countingModule struct {
	engine.Module
	mu    sync.Mutex
	calls []int
	ends  []int // the calls that carried abi.FlagEnd
}

func (m *countingModule) Transform(ctx context.Context, in *abi.TransformInput) ([]byte, []abi.Event, error) {
	m.mu.Lock()
	if in.Flags&abi.FlagEnd != 0 {
		m.ends = append(m.ends, len(m.calls))
	}
	m.calls = append(m.calls, len(in.Chunks))
	first := len(m.calls) == 1
	m.mu.Unlock()
	if first {
		time.Sleep(100 * time.Millisecond)
	}
	return m.Module.Transform(ctx, in)
}

func longStream(n int) []byte {
	pairs := []string{"start", `{"id":"r","model":"toy-1"}`}
	for i := range n {
		pairs = append(pairs, "text", fmt.Sprintf("token %d ", i))
	}
	pairs = append(pairs, "usage", `{"in":1,"out":2}`, "done", "stop")
	return providertest.SSE(pairs...)
}

func TestBatchingPassesQueuedChunksTogether(t *testing.T) {
	body := longStream(200)
	srv := providertest.NewServer([]providertest.Case{sseCase("long", body)})
	defer srv.Close()
	base := toyModule(t)
	var want []string
	for _, batch := range []int{1, 64} {
		m := &countingModule{Module: base}
		p := host.Provider{Module: m, BaseURL: srv.URL, Credentials: host.StaticKey(testKey)}
		got, err := collect(host.NewClient(host.WithMaxBatch(batch)).Stream(context.Background(), p, streamReq("toy-1")))
		if err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = got
		} else if !slices.Equal(got, want) {
			t.Fatalf("batch %d: events differ from one chunk per call", batch)
		}
		chunks := 0
		for _, n := range m.calls {
			chunks += n
			if n > batch {
				t.Errorf("batch %d: a call got %d chunks", batch, n)
			}
		}
		if chunks != 203 {
			t.Errorf("batch %d: %d chunks transformed, want 203", batch, chunks)
		}
		// One call ends the stream, the last: an empty one, or (batched)
		// the one with the body's last chunks.
		if len(m.ends) != 1 || m.ends[0] != len(m.calls)-1 || (batch == 1 && m.calls[len(m.calls)-1] != 0) {
			t.Errorf("batch %d: calls %v, the ones with FlagEnd %v: want only the last", batch, m.calls, m.ends)
		}
		if batch == 1 && len(m.calls) != 204 {
			t.Errorf("batch 1: %d calls, want one per chunk plus the end call", len(m.calls))
		}
		if batch == 64 && len(m.calls) > 10 {
			t.Errorf("batch 64: %d calls for 203 chunks framed during a slow call: not batched (%v)", len(m.calls), m.calls)
		}
	}
}

func TestBothModesTruncateAndCancel(t *testing.T) {
	for _, batch := range []int{1, 64} {
		t.Run(fmt.Sprint(batch), func(t *testing.T) {
			srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)},
				providertest.WithDropAfter(len(toyStream)/2), providertest.WithCuts(5, 8))
			defer srv.Close()
			evs, err := collect(host.NewClient(host.WithMaxBatch(batch)).Stream(context.Background(), provider(toyModule(t), srv), streamReq("toy-1")))
			requireCode(t, err, abi.CodeStreamTruncated)
			if hasFinish(evs) {
				t.Error("finish after a drop")
			}
			stall := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)}, providertest.WithStall(80))
			defer stall.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			_, err = collect(host.NewClient(host.WithMaxBatch(batch)).Stream(ctx, provider(toyModule(t), stall), streamReq("toy-1")))
			if err != context.DeadlineExceeded {
				t.Errorf("err = %v, want the context's deadline", err)
			}
			waitFor(t, func() bool { return stall.Disconnects() == 1 }, "the stalled connection to close")
		})
	}
}

func BenchmarkStreamThroughHost(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			body := longStream(500)
			srv := providertest.NewServer([]providertest.Case{sseCase("long", body)})
			defer srv.Close()
			p := provider(toyModule(b), srv)
			c := host.NewClient(host.WithMaxBatch(batch))
			b.SetBytes(int64(len(body)))
			b.ResetTimer()
			for b.Loop() {
				n := 0
				for _, err := range c.Stream(context.Background(), p, streamReq("toy-1")) {
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				if n != 503 {
					b.Fatalf("%d events", n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*503), "ns/event")
		})
	}
}

// BenchmarkBuiltModuleStream streams the largest recorded stream case of
// the first built Wasm module through the host, one chunk per transform
// call and batched. Skipped when no module is built.
func BenchmarkBuiltModuleStream(b *testing.B) {
	mod, c := largestBuiltStreamCase(b)
	req := &abi.Request{Model: "test-model", Stream: true, Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("hi")}}}
	if len(c.Request) > 0 {
		if err := json.Unmarshal(c.Request, req); err != nil {
			b.Fatal(err)
		}
	}
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("%s/%s/batch=%d", mod.Name(), c.Name, batch), func(b *testing.B) {
			srv := providertest.NewServer([]providertest.Case{c})
			defer srv.Close()
			p := host.Provider{Module: mod, BaseURL: srv.URL, Credentials: host.StaticKey(testKey), Region: "us-east-1"}
			cl := host.NewClient(host.WithMaxBatch(batch), host.WithRetry(host.RetryPolicy{MaxRetries: -1}))
			b.SetBytes(int64(len(c.Body)))
			for b.Loop() {
				for _, err := range cl.Stream(context.Background(), p, req) {
					if err != nil && abi.CodeOf(err) != abi.CodeStreamTruncated {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

func largestBuiltStreamCase(b *testing.B) (engine.Module, providertest.Case) {
	dirs, _ := os.ReadDir(filepath.Join("..", "testdata"))
	for _, d := range dirs {
		wasm, err := os.ReadFile(filepath.Join("..", "bin", "adapters", d.Name()+".wasm"))
		if err != nil {
			continue
		}
		cs, err := providertest.LoadCases(filepath.Join("..", "testdata", d.Name()))
		if err != nil {
			b.Fatal(err)
		}
		best := -1
		for i, c := range cs {
			if c.Framing == "sse" && c.Status < 300 && c.Body != nil && (best < 0 || len(c.Body) > len(cs[best].Body)) {
				best = i
			}
		}
		if best < 0 {
			continue
		}
		return loadModule(b, d.Name(), wasm), cs[best]
	}
	b.Skip("no built module with a recorded stream case (run make)")
	return nil, providertest.Case{}
}
