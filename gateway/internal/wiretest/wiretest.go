// Package wiretest holds what the tests of the gateway's wire packages
// (openaiwire, anthropicwire, responseswire) share.
package wiretest

import (
	"bytes"
	"encoding/json"
	"strings"
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

// Rejected checks a dialect decoder's refusal of body: err must be
// invalid_request and its message must contain says.
func Rejected(t testing.TB, body string, err error, says string) {
	t.Helper()
	if abi.CodeOf(err) != abi.CodeInvalidRequest || !strings.Contains(err.Error(), says) {
		t.Errorf("%s: %v, want invalid_request saying %q", body, err, says)
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

// Recorder is the writer and the flush of a dialect stream under test:
// what the stream wrote and how many times it flushed.
type Recorder struct {
	bytes.Buffer
	Flushes int
}

// Flush counts a flush.
func (r *Recorder) Flush() { r.Flushes++ }

// FailWrote checks what a dialect stream's Fail did, given its error: it
// must have written exactly want (the dialect's error event) and flushed
// once.
func (r *Recorder) FailWrote(t testing.TB, err error, want string) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if r.String() != want || r.Flushes != 1 {
		t.Fatalf("wrote %q (%d flushes), want %q and one flush", r.String(), r.Flushes, want)
	}
}
