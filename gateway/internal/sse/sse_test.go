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

// TestWriterReuse: a Writer's events are each whole and independent of
// the ones before (its buffer is reset), HTML characters escaped as
// json.Marshal escapes them, and an event that does not encode writes
// nothing and leaves the next one whole.
func TestWriterReuse(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	steps := []struct {
		event string
		v     any
	}{{"a", map[string]string{"t": "<b>&"}}, {"", math.Inf(1)}, {"", []int{1}}, {"long-name", "x"}}
	for _, s := range steps {
		w.Write(s.event, s.v)
	}
	want := "event: a\ndata: {\"t\":\"\\u003cb\\u003e\\u0026\"}\n\ndata: [1]\n\nevent: long-name\ndata: \"x\"\n\n"
	if buf.String() != want {
		t.Fatalf("wrote %q, want %q", buf.String(), want)
	}
}

// TestStream: Send flushes each event it wrote and not one it failed to
// write; SendRaw and WriteString flush either way.
func TestStream(t *testing.T) {
	var buf bytes.Buffer
	flushes := 0
	s := NewStream(&buf, func() { flushes++ })
	if err := s.Send("a", 1); err != nil || flushes != 1 {
		t.Fatalf("Send: %v, %d flushes; want nil, 1", err, flushes)
	}
	if err := s.Send("b", math.Inf(1)); err == nil || flushes != 1 {
		t.Fatalf("Send of an unencodable value: %v, %d flushes; want an error, 1", err, flushes)
	}
	if err := s.SendRaw("", []byte(`{"error":1}`)); err != nil || flushes != 2 {
		t.Fatalf("SendRaw: %v, %d flushes; want nil, 2", err, flushes)
	}
	if err := s.WriteString("data: [DONE]\n\n"); err != nil || flushes != 3 {
		t.Fatalf("WriteString: %v, %d flushes; want nil, 3", err, flushes)
	}
	want := "event: a\ndata: 1\n\ndata: {\"error\":1}\n\ndata: [DONE]\n\n"
	if buf.String() != want {
		t.Fatalf("wrote %q, want %q", buf.String(), want)
	}
	gone := errors.New("connection gone")
	f := NewStream(failWriter{gone}, func() { flushes++ })
	if err := f.SendRaw("error", []byte(`{}`)); !errors.Is(err, gone) || flushes != 4 {
		t.Fatalf("SendRaw to a failing writer: %v, %d flushes; want %v, 4", err, flushes, gone)
	}
	if err := f.WriteString("x"); !errors.Is(err, gone) || flushes != 5 {
		t.Fatalf("WriteString to a failing writer: %v, %d flushes; want %v, 5", err, flushes, gone)
	}
}
