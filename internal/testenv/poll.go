package testenv

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

// PollBound is how long Poll waits before it gives up: long enough that
// only a hang reaches it on a loaded machine, never a slow one (a Go
// module compiled under the race detector on two cores shared with
// twenty other processes took over two minutes).
const PollBound = 5 * time.Minute

// Poll waits until cond holds, checking it every few milliseconds, and
// fails the test, naming what it waited for, after PollBound. Tests wait
// for a condition this way instead of sleeping for a fixed time.
func Poll(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(PollBound)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("gave up waiting for %s after %v", what, PollBound)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ReportErrs closes errs, the channel on which a test's workers (all
// finished) sent what went wrong, and reports each error with tb.Error
// (nil ones are passed over).
func ReportErrs(tb testing.TB, errs chan error) {
	tb.Helper()
	close(errs)
	for err := range errs {
		if err != nil {
			tb.Error(err)
		}
	}
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers and readers,
// e.g. a log sink a test reads while the code under test writes.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
