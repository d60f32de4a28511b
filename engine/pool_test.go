package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

// stubSlot is a slot that does nothing, for pool tests.
type stubSlot struct{}

func (stubSlot) invoke(context.Context, exportID, []byte) ([]byte, *abi.Error) { return nil, nil }
func (stubSlot) memorySize() uint64                                            { return 0 }
func (stubSlot) close(context.Context)                                         {}

// TestPoolRefillRetry: a refill that fails is retried with backoff and the
// call gets an instance; Load's first instantiation (no onRetry) and a
// refill that keeps failing give up, the latter after refillAttempts; a
// caller whose context ends stops waiting.
func TestPoolRefillRetry(t *testing.T) {
	errStart := errors.New("start failed")
	tests := []struct {
		name     string
		failures int  // instantiations that fail before one succeeds
		retry    bool // onRetry set: a refill, not Load
		cancel   bool // the caller's context is already cancelled after the first failure
		wantErr  bool
		attempts int
	}{
		{"refill recovers", 2, true, false, false, 3},
		{"refill recovers at the last attempt", refillAttempts - 1, true, false, false, refillAttempts},
		{"refill gives up", refillAttempts, true, false, true, refillAttempts},
		{"first instance is not retried", 1, false, false, true, 1},
		{"caller's context ends", 1, true, true, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			attempts, retries := 0, 0
			p := newPool(1, func(context.Context) (slot, error) {
				attempts++
				if attempts <= tt.failures {
					if tt.cancel {
						cancel()
					}
					return nil, errStart
				}
				return stubSlot{}, nil
			})
			if tt.retry {
				p.onRetry = func(attempt int, err error) {
					retries++
					if attempt != retries || !errors.Is(err, errStart) {
						t.Errorf("onRetry(%d, %v) at retry %d", attempt, err, retries)
					}
				}
			}
			w, err := p.acquire(ctx)
			if (err != nil) != tt.wantErr {
				t.Fatalf("acquire: %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, errStart) {
				t.Fatalf("acquire returned %v, want the instantiation's error", err)
			}
			if attempts != tt.attempts {
				t.Fatalf("%d instantiations, want %d", attempts, tt.attempts)
			}
			if w != nil {
				p.release(w, false)
			}
			if n := len(p.tokens); n != 0 {
				t.Fatalf("%d tokens held after acquire returned", n)
			}
			p.close(context.Background())
		})
	}
}

// TestPoolRetryTakesReturnedInstance: when a refill backs off, an
// instance another call returned meanwhile is taken instead of starting a
// new one.
func TestPoolRetryTakesReturnedInstance(t *testing.T) {
	attempts := 0
	p := newPool(2, func(context.Context) (slot, error) {
		attempts++
		if attempts == 1 {
			return stubSlot{}, nil
		}
		return nil, errors.New("start failed")
	})
	first, err := p.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	returned := first
	// The other call returns its instance while the refill backs off
	// (onRetry runs just before the retry).
	p.onRetry = func(int, error) {
		if returned != nil {
			p.release(returned, false)
			returned = nil
		}
	}
	w, err := p.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if w != first || attempts != 2 {
		t.Fatalf("the retry got %p after %d instantiations, want the returned instance %p after 2", w, attempts, first)
	}
}
