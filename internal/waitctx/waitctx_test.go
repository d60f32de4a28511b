package waitctx

import (
	"context"
	"errors"
	"sync"
	"testing"
)

func TestWait(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		pending int // Add-ed and never Done
		want    error
	}{
		{"nothing pending", context.Background(), 0, nil},
		{"pending, ctx ended", canceled, 1, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var wg sync.WaitGroup
			wg.Add(tt.pending)
			defer wg.Add(-tt.pending)
			if err := Wait(tt.ctx, &wg); !errors.Is(err, tt.want) {
				t.Fatalf("Wait: %v, want %v", err, tt.want)
			}
		})
	}
}

// TestWaitReturnsWhenDone: Wait returns nil once the last Done comes,
// whenever that is.
func TestWaitReturnsWhenDone(t *testing.T) {
	var wg sync.WaitGroup
	wg.Add(2)
	release := make(chan struct{})
	for range 2 {
		go func() { <-release; wg.Done() }()
	}
	errc := make(chan error, 1)
	go func() { errc <- Wait(context.Background(), &wg) }()
	close(release)
	if err := <-errc; err != nil {
		t.Fatalf("Wait: %v", err)
	}
}
