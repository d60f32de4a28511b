// Package wiretest holds what the tests of the gateway's wire packages
// (openaiwire, anthropicwire, responseswire) share.
package wiretest

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
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

// FuzzDecode fuzzes a dialect's request decoder from the seeds: any body
// decodes to a request with a model and messages, or to an
// invalid_request error, never a panic.
func FuzzDecode(f *testing.F, decode func([]byte) (*abi.Request, error), seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decode(body)
		if err != nil {
			if abi.CodeOf(err) != abi.CodeInvalidRequest {
				t.Fatalf("error %v is not invalid_request", err)
			}
			return
		}
		if req.Model == "" || len(req.Messages) == 0 {
			t.Fatalf("accepted a request without model or messages: %+v", req)
		}
	})
}
