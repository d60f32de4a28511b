// Package sse writes Server-Sent Events, the framing the gateway's
// streaming dialects (Chat Completions, Messages, Responses) share.
package sse

import (
	"bytes"
	"encoding/json"
	"io"
)

// Writer writes events to one stream through a buffer it reuses, so that
// an event costs no allocation of its own beyond encoding/json's: make one
// per stream with NewWriter.
type Writer struct {
	w   io.Writer
	buf bytes.Buffer
	enc *json.Encoder
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer {
	s := &Writer{w: w}
	s.enc = json.NewEncoder(&s.buf)
	return s
}

// Write writes one event in a single Write to the stream: an "event:"
// line naming event (none when event is ""), a "data:" line holding v as
// JSON (as json.Marshal encodes it), and the blank line that ends the
// event. An error is v's encoding error (nothing is written) or the
// stream's.
func (s *Writer) Write(event string, v any) error {
	s.buf.Reset()
	if event != "" {
		s.buf.WriteString("event: ")
		s.buf.WriteString(event)
		s.buf.WriteByte('\n')
	}
	s.buf.WriteString("data: ")
	if err := s.enc.Encode(v); err != nil { // Encode ends the line
		return err
	}
	s.buf.WriteByte('\n')
	_, err := s.w.Write(s.buf.Bytes())
	return err
}

// Write writes one event to w (see Writer.Write), for a stream that
// writes only one.
func Write(w io.Writer, event string, v any) error {
	return NewWriter(w).Write(event, v)
}
