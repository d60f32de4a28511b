package testenv

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

// errorRecorder is a testing.TB whose Error calls are recorded instead of
// failing the test.
type errorRecorder struct {
	testing.TB
	got []string
}

func (r *errorRecorder) Helper() {}

func (r *errorRecorder) Error(args ...any) { r.got = append(r.got, fmt.Sprint(args...)) }

// TestReportErrs: every error sent on the channel is reported, in order,
// nil ones are passed over, and the channel ends up closed.
func TestReportErrs(t *testing.T) {
	for _, tc := range []struct {
		name string
		sent []error
		want []string
	}{
		{"none", nil, nil},
		{"only nil", []error{nil, nil}, nil},
		{"errors", []error{errors.New("a"), nil, errors.New("b")}, []string{"a", "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := make(chan error, len(tc.sent))
			for _, err := range tc.sent {
				errs <- err
			}
			rec := &errorRecorder{TB: t}
			ReportErrs(rec, errs)
			if !slices.Equal(rec.got, tc.want) {
				t.Fatalf("reported %q, want %q", rec.got, tc.want)
			}
			if _, open := <-errs; open {
				t.Fatal("the channel is still open")
			}
		})
	}
}
