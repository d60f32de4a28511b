// Package sse writes Server-Sent Events, the framing the gateway's
// streaming dialects (Chat Completions, Messages, Responses) share.
package sse

import (
	"encoding/json"
	"io"
)

// Write writes one event to w in a single Write: an "event:" line naming
// event (none when event is ""), a "data:" line holding v as JSON, and the
// blank line that ends the event. An error is v's encoding error or w's.
func Write(w io.Writer, event string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	out := make([]byte, 0, len(b)+len(event)+16)
	if event != "" {
		out = append(out, "event: "...)
		out = append(out, event...)
		out = append(out, '\n')
	}
	out = append(out, "data: "...)
	out = append(out, b...)
	out = append(out, '\n', '\n')
	_, err = w.Write(out)
	return err
}

// Writer writes the events of one streamed response to W, calling Flush
// after each so that it reaches the client at once.
type Writer struct {
	W     io.Writer
	Flush func()
}

// Send writes one event (see Write) and flushes. Flush is called even when
// the write fails, so that whatever reached W goes out; the error is the
// write's.
func (s Writer) Send(event string, v any) error {
	err := Write(s.W, event, v)
	s.Flush()
	return err
}

// SendText writes text as it is (a literal such as "data: [DONE]\n\n")
// and flushes, as Send does.
func (s Writer) SendText(text string) error {
	_, err := io.WriteString(s.W, text)
	s.Flush()
	return err
}
