package sandboxtest

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// countingHandler counts log records by message.
type countingHandler struct {
	mu      sync.Mutex
	records map[string]int
	attrs   []string
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records[r.Message]++
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "dropped" {
			h.attrs = append(h.attrs, a.String())
		}
		return true
	})
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

// TestGuestLogFloodCapped: a guest writing 100000 lines in one call gets
// at most 100 of them logged, plus one record counting the rest; the call
// itself succeeds and the next call may log again.
func TestGuestLogFloodCapped(t *testing.T) {
	ctx := context.Background()
	h := &countingHandler{records: map[string]int{}}
	cfg := corpusConfig()
	cfg.Logger = slog.New(h)
	m := corpusModule(t, cfg, "abuse", "sdk-runtime-abuse")
	for i := range 2 {
		if text, err := callExport(ctx, m, "transform", "lines"); err != nil || text != "flooded" {
			t.Fatalf("call %d: %q %v", i, text, err)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := h.records["flood"]; n != 200 {
		t.Fatalf("%d flood lines logged over two calls, want 100 per call", n)
	}
	if n := h.records["engine: guest log lines dropped"]; n != 2 || strings.Join(h.attrs, ",") != "dropped=99900,dropped=99900" {
		t.Fatalf("%d drop records (%v), want two of dropped=99900", n, h.attrs)
	}
}
