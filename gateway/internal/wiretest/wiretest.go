// Package wiretest holds what the tests of the gateway's wire packages
// (openaiwire, anthropicwire, responseswire) share.
package wiretest

import (
	"bytes"
	"encoding/json"
	"testing"
)

// SameJSON fails t unless got and want encode to the same JSON; what
// names them in the failure.
func SameJSON(t testing.TB, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Fatalf("%s\n%s\nwant\n%s", what, g, w)
	}
}
