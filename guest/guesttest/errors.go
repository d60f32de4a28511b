package guesttest

import (
	"maps"
	"slices"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// NamedErrors is MapErrors with a name for each case: each runs as a
// subtest of that name, in sorted order.
func NamedErrors(t *testing.T, a guest.Adapter, cases map[string]ErrorCase) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(cases)) {
		t.Run(name, func(t *testing.T) { MapErrors(t, a, []ErrorCase{cases[name]}) })
	}
}

// Refusal is one case of ProjectErrors: a normalized request (JSON), and
// the code and the JSON pointer ("" for none) of the error its projection
// must fail with.
type Refusal struct {
	Req     string
	Code    abi.Code
	Pointer string
}

// ProjectErrors runs ProjectError for each named case as a subtest of that
// name, in sorted order.
func ProjectErrors(t *testing.T, a guest.Adapter, cases map[string]Refusal) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(cases)) {
		t.Run(name, func(t *testing.T) {
			c := cases[name]
			ProjectError(t, a, c.Req, c.Code, c.Pointer)
		})
	}
}
