package framing

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

// TestFeederReplay: the calls Replay makes for each batch size, with the
// state threaded from call to call, the context on the first call only
// (every call with EveryCall), and no end call after a corrupt stream.
func TestFeederReplay(t *testing.T) {
	chunks := []abi.Chunk{{Data: []byte("a")}, {Event: []byte("e"), Data: []byte("b")}, {Data: []byte("c")}}
	bad := errors.New("corrupt")
	tests := []struct {
		name      string
		batch     int
		everyCall bool
		err       error // of the sequence, after the chunks
		want      []string
		corrupt   bool
	}{
		{name: "all in one call", batch: 0, want: []string{"ctx [a e:b c] end"}},
		{name: "a chunk per call", batch: 1, want: []string{"ctx [a] -", "[e:b] -", "[c] -", "[] end"}},
		{name: "two per call", batch: 2, want: []string{"ctx [a e:b] -", "[c] end"}},
		{name: "context on every call", batch: 2, everyCall: true, want: []string{"ctx [a e:b] -", "ctx [c] end"}},
		{name: "corrupt, all in one call", batch: 0, err: bad, want: []string{"ctx [a e:b c] -"}, corrupt: true},
		{name: "corrupt, a chunk per call", batch: 1, err: bad, want: []string{"ctx [a] -", "[e:b] -", "[c] -"}, corrupt: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls []string
			f := Feeder{Context: []byte("ctx"), EveryCall: tc.everyCall, Call: func(in *abi.TransformInput) ([]byte, error) {
				var parts []string
				for _, c := range in.Chunks {
					if len(c.Event) > 0 {
						parts = append(parts, string(c.Event)+":"+string(c.Data))
					} else {
						parts = append(parts, string(c.Data))
					}
				}
				end := "-"
				if in.Flags&abi.FlagEnd != 0 {
					end = "end"
				}
				call := fmt.Sprintf("[%s] %s", strings.Join(parts, " "), end)
				if len(in.Context) > 0 {
					call = string(in.Context) + " " + call
				}
				if want := fmt.Sprintf("s%d", len(calls)); len(calls) > 0 && string(in.State) != want {
					t.Errorf("call %d got state %q, want the previous call's %q", len(calls), in.State, want)
				}
				calls = append(calls, call)
				return fmt.Appendf(nil, "s%d", len(calls)), nil
			}}
			corrupt, err := f.Replay(Each(chunks, tc.err), tc.batch)
			if err != nil {
				t.Fatal(err)
			}
			if (corrupt != nil) != tc.corrupt || (tc.corrupt && !errors.Is(corrupt, bad)) {
				t.Errorf("corrupt = %v, want %v", corrupt, tc.err)
			}
			if !slices.Equal(calls, tc.want) {
				t.Errorf("calls\n%q\nwant\n%q", calls, tc.want)
			}
		})
	}
}

// TestFeederReplayCopiesChunks: a framer may reuse its buffers between
// iterations; the chunks of a batch keep the bytes they had when framed.
func TestFeederReplayCopiesChunks(t *testing.T) {
	buf := []byte("x")
	reuse := func(yield func(abi.Chunk, error) bool) {
		for _, b := range []byte("abc") {
			buf[0] = b
			if !yield(abi.Chunk{Data: buf}, nil) {
				return
			}
		}
	}
	var got string
	f := Feeder{Call: func(in *abi.TransformInput) ([]byte, error) {
		for _, c := range in.Chunks {
			got += string(c.Data)
		}
		return nil, nil
	}}
	if _, err := f.Replay(reuse, 0); err != nil {
		t.Fatal(err)
	}
	if got != "abc" {
		t.Fatalf("the batch carried %q, want \"abc\"", got)
	}
}

// TestFeederStopsAtTransformError: the first failing call ends the replay
// with its error.
func TestFeederStopsAtTransformError(t *testing.T) {
	boom := errors.New("boom")
	n := 0
	f := Feeder{Call: func(in *abi.TransformInput) ([]byte, error) {
		n++
		return nil, boom
	}}
	if _, err := f.Replay(Each([]abi.Chunk{{Data: []byte("a")}, {Data: []byte("b")}}, nil), 1); !errors.Is(err, boom) || n != 1 {
		t.Fatalf("err %v after %d calls, want boom after 1", err, n)
	}
}
