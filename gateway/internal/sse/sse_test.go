package sse

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }

func TestWrite(t *testing.T) {
	for _, tc := range []struct {
		name, event string
		v           any
		want        string
	}{
		{"named", "message_stop", map[string]any{"type": "message_stop"}, "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"},
		{"unnamed", "", map[string]int{"a": 1}, "data: {\"a\":1}\n\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, tc.event, tc.v); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tc.want {
				t.Fatalf("wrote %q, want %q", buf.String(), tc.want)
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, "x", math.Inf(1)); err == nil || buf.Len() != 0 {
		t.Fatalf("an unencodable value: %v, wrote %q; want an error and nothing written", err, buf.String())
	}
	gone := errors.New("connection gone")
	if err := Write(failWriter{gone}, "x", 1); !errors.Is(err, gone) {
		t.Fatalf("a failing writer: %v, want %v", err, gone)
	}
}

func TestWriterFlushesEachEvent(t *testing.T) {
	gone := errors.New("connection gone")
	tests := []struct {
		name    string
		send    func(Writer) error
		fail    bool // W fails every write
		want    string
		wantErr error
	}{
		{"event", func(w Writer) error { return w.Send("ping", map[string]int{"a": 1}) }, false, "event: ping\ndata: {\"a\":1}\n\n", nil},
		{"text", func(w Writer) error { return w.SendText("data: [DONE]\n\n") }, false, "data: [DONE]\n\n", nil},
		{"event, failing writer", func(w Writer) error { return w.Send("", 1) }, true, "", gone},
		{"text, failing writer", func(w Writer) error { return w.SendText("x") }, true, "", gone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			flushes := 0
			w := Writer{W: &buf, Flush: func() { flushes++ }}
			if tt.fail {
				w.W = failWriter{gone}
			}
			if err := tt.send(w); !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if buf.String() != tt.want || flushes != 1 {
				t.Fatalf("wrote %q with %d flushes, want %q with 1", buf.String(), flushes, tt.want)
			}
		})
	}
}
