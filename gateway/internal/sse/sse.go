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

// Stream writes the events of one response stream and flushes the stream
// after each: the part of a streaming encoder every dialect shares.
type Stream struct {
	w     io.Writer
	sse   *Writer
	flush func()
}

// NewStream returns a Stream on w that calls flush after each event.
func NewStream(w io.Writer, flush func()) Stream {
	return Stream{w: w, sse: NewWriter(w), flush: flush}
}

// Send writes one event (see Writer.Write) and flushes; nothing is flushed
// when the write fails.
func (s *Stream) Send(event string, v any) error {
	if err := s.sse.Write(event, v); err != nil {
		return err
	}
	s.flush()
	return nil
}

// SendRaw writes one event whose data is the JSON body as it is, and
// flushes whether the write failed or not: how a stream reports an error.
func (s *Stream) SendRaw(event string, body []byte) error {
	err := s.sse.Write(event, json.RawMessage(body))
	s.flush()
	return err
}

// WriteString writes text to the stream as it is (no event framing) and
// flushes.
func (s *Stream) WriteString(text string) error {
	_, err := io.WriteString(s.w, text)
	s.flush()
	return err
}
