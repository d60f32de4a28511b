// Package waitctx waits for a sync.WaitGroup no longer than a context
// allows: the one way the registry's Close, the gateway's Wait and their
// tests bound a drain.
package waitctx

import (
	"context"
	"sync"
)

// Wait blocks until wg's counter is zero or ctx ends, and returns nil or
// ctx's error. When ctx ends first, wg is still waited for in the
// background: the goroutine ends with the last Done.
func Wait(ctx context.Context, wg *sync.WaitGroup) error {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
