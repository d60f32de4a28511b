//go:build testcachefill

package main

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/internal/testcache"
)

// TestFill compiles, as a main package's test binary, what the
// race-mode tests of the commands load (testcache.Commands).
func TestFill(t *testing.T) { testcache.Fill(t, testcache.Commands) }
