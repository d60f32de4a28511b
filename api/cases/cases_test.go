package cases

import (
	"context"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api"
	"github.com/wasmadapt/wasmadapt/framing"
)

// echo is a Module whose transform gives one text delta per chunk, and
// counts its calls and end calls.
type echo struct {
	api.Module
	calls, ends int
	ctxs        []string
}

func (e *echo) Transform(_ context.Context, in *abi.TransformInput) ([]byte, []abi.Event, error) {
	e.calls++
	if in.Flags&abi.FlagEnd != 0 {
		e.ends++
	}
	e.ctxs = append(e.ctxs, string(in.Context))
	var evs []abi.Event
	for _, c := range in.Chunks {
		evs = append(evs, abi.Event{Type: abi.EventTextDelta, Text: string(c.Data)})
	}
	return []byte("s"), evs, nil
}

// TestReplayChunks: the events of every chunk in order, the context on the
// first call only, an end call unless the stream is corrupt, and then the
// framing error's event last.
func TestReplayChunks(t *testing.T) {
	chunks := []abi.Chunk{{Data: []byte("a")}, {Data: []byte("b")}}
	corrupt := abi.Errorf(abi.CodeStreamTruncated, "cut")
	tests := []struct {
		name      string
		err       error
		batch     int
		want      string
		calls     int
		ends      int
		errorLast bool
	}{
		{name: "all in one call", batch: 0, want: "ab", calls: 1, ends: 1},
		{name: "a chunk per call", batch: 1, want: "ab", calls: 3, ends: 1},
		{name: "corrupt", err: corrupt, batch: 1, want: "ab", calls: 2, ends: 0, errorLast: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &echo{}
			evs, err := ReplayChunks(context.Background(), m, framing.Each(chunks, tc.err), []byte("ctx"), tc.batch)
			if err != nil {
				t.Fatal(err)
			}
			var text strings.Builder
			for _, e := range evs {
				text.WriteString(e.Text)
			}
			if text.String() != tc.want || m.calls != tc.calls || m.ends != tc.ends {
				t.Errorf("text %q, %d calls, %d end calls; want %q, %d, %d", text.String(), m.calls, m.ends, tc.want, tc.calls, tc.ends)
			}
			if m.ctxs[0] != "ctx" || strings.Join(m.ctxs[1:], "") != "" {
				t.Errorf("contexts per call %q: want the stream context on the first call only", m.ctxs)
			}
			last := evs[len(evs)-1]
			if got := last.Type == abi.EventError && last.Code == abi.CodeStreamTruncated; got != tc.errorLast {
				t.Errorf("last event %+v: an error event last = %v, want %v", last, got, tc.errorLast)
			}
		})
	}
}

// TestStreamContext: a case without a request has no stream context; one
// with a request has the request's context as JSON.
func TestStreamContext(t *testing.T) {
	if ctx, err := (&Case{Name: "none"}).StreamContext(); ctx != nil || err != nil {
		t.Fatalf("no request: %q %v, want nil", ctx, err)
	}
	ctx, err := (&Case{Name: "req", Request: []byte(`{"model":"m-1","messages":[{"role":"user","content":"hi"}]}`)}).StreamContext()
	if err != nil || !strings.Contains(string(ctx), `"m-1"`) {
		t.Fatalf("request: %s %v, want a context naming the model", ctx, err)
	}
	if _, err := (&Case{Name: "bad", Request: []byte(`{`)}).StreamContext(); abi.CodeOf(err) != abi.CodeInvalidRequest {
		t.Fatalf("malformed request: %v, want invalid_request", err)
	}
}
