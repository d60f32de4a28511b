//go:build testcachefill

package testcache

import "testing"

// TestFill compiles, as a library package's test binary, what the
// race-mode tests of library packages load (Library).
func TestFill(t *testing.T) { Fill(t, Library) }
