package framing

import (
	"bytes"
	"encoding/json"
	"io"
	"iter"
	"strconv"

	"github.com/wasmadapt/wasmadapt/abi"
)

// finder caches the position of the next occurrence of one byte in the
// buffer, so that a line arriving in many small reads is scanned once.
type finder struct {
	c       byte
	at      int // absolute index of the next c, valid while at >= r0
	scanned int // no c in buf[r0:scanned) when at is not valid
}

// find returns the index of the first c in buf[r0:lim), or -1.
func (f *finder) find(buf []byte, r0, lim int) int {
	if f.at >= r0 {
		if f.at < lim {
			return f.at
		}
		return -1
	}
	start := max(f.scanned, r0)
	if start < lim {
		if j := bytes.IndexByte(buf[start:lim], f.c); j >= 0 {
			f.at = start + j
			return f.at
		}
	}
	f.at = -1
	f.scanned = max(start, lim)
	return -1
}

func (f *finder) shift(n int) {
	f.at -= n
	f.scanned -= n
}

// lineReader splits the body into lines of at most max bytes.
type lineReader struct {
	buffer
	name      string
	max       int
	cr        bool // a CR alone ends a line (SSE); otherwise only LF does
	skipLF    bool // the last line ended in a CR at the end of the buffer
	lf, crf   finder
	lineStart int64 // stream offset of the last line returned
}

func newLineReader(r io.Reader, max int, cr bool, name string) lineReader {
	return lineReader{
		buffer: newBuffer(r, max+3), // room for a line, its line end, and a BOM
		name:   name,
		max:    max,
		cr:     cr,
		lf:     finder{c: '\n', at: -1},
		crf:    finder{c: '\r', at: -1},
	}
}

func (l *lineReader) fill() {
	s := l.buffer.fill()
	l.lf.shift(s)
	l.crf.shift(s)
}

// stripBOM drops a leading UTF-8 byte order mark.
func (l *lineReader) stripBOM() {
	for l.w-l.r0 < 3 && l.err == nil && len(l.buf) >= 3 {
		l.fill()
	}
	if bytes.HasPrefix(l.buf[l.r0:l.w], []byte("\xEF\xBB\xBF")) {
		l.r0 += 3
	}
}

// next returns the next line without its line end. ok is false at the end
// of the body. The line aliases the buffer until the next call.
func (l *lineReader) next() (line []byte, ok bool, err error) {
	for {
		if l.skipLF && l.r0 < l.w {
			if l.buf[l.r0] == '\n' {
				l.r0++
			}
			l.skipLF = false
		}
		l.lineStart = l.pos()
		lfi := l.lf.find(l.buf, l.r0, l.w)
		if l.cr {
			lim := l.w
			if lfi >= 0 {
				lim = lfi
			}
			if cri := l.crf.find(l.buf, l.r0, lim); cri >= 0 {
				line = l.buf[l.r0:cri]
				if len(line) > l.max {
					return nil, false, l.tooLong()
				}
				l.r0 = cri + 1
				if l.r0 < l.w {
					if l.buf[l.r0] == '\n' {
						l.r0++
					}
				} else {
					l.skipLF = true
				}
				return line, true, nil
			}
		}
		if lfi >= 0 {
			line = l.buf[l.r0:lfi]
			if len(line) > l.max {
				return nil, false, l.tooLong()
			}
			l.r0 = lfi + 1
			return line, true, nil
		}
		if l.w-l.r0 > l.max {
			return nil, false, l.tooLong()
		}
		if l.err != nil {
			if l.err != io.EOF {
				return nil, false, readError(l.name, l.pos()+int64(l.w-l.r0), l.err)
			}
			if l.r0 < l.w {
				line = l.buf[l.r0:l.w]
				l.r0 = l.w
				return line, true, nil
			}
			return nil, false, nil
		}
		l.fill()
	}
}

func (l *lineReader) tooLong() error {
	return tooLarge("%s: a line starting at byte %d is longer than the limit of %d bytes: raise Options.MaxEventBytes if such events are expected",
		l.name, l.lineStart, l.max)
}

// SSE yields the events of a Server-Sent Events body, one chunk per
// dispatched event: Event is the event's "event:" field (empty without one)
// and Data its "data:" lines joined with "\n". The rules, including the
// dispatch of a last event that lacks its blank line, are in the package
// documentation. A line, or an event's joined data, longer than
// opts.MaxEventBytes is a stream_truncated error caused by ErrLimit. The
// chunks alias internal buffers valid until the next iteration.
func SSE(body io.Reader, opts Options) iter.Seq2[abi.Chunk, error] {
	return func(yield func(abi.Chunk, error) bool) {
		max := opts.maxEvent()
		l := newLineReader(body, max, true, "sse")
		data := l.scratch() // each data line followed by "\n"
		var event []byte
		defer func() { l.release(data) }()
		l.stripBOM()
		dispatch := func() bool {
			if len(data) == 0 {
				event = event[:0]
				return true
			}
			ok := yield(abi.Chunk{Event: event, Data: data[:len(data)-1]}, nil)
			data, event = data[:0], event[:0]
			return ok
		}
		for {
			line, ok, err := l.next()
			if err != nil {
				yield(abi.Chunk{}, err)
				return
			}
			if !ok {
				break
			}
			if len(line) == 0 {
				if !dispatch() {
					return
				}
				continue
			}
			if line[0] == ':' {
				continue // a comment: keep-alives
			}
			field, value := line, []byte(nil)
			if i := bytes.IndexByte(line, ':'); i >= 0 {
				field, value = line[:i], line[i+1:]
				if len(value) > 0 && value[0] == ' ' {
					value = value[1:]
				}
			}
			switch string(field) {
			case "data":
				if len(data)+len(value) > max {
					yield(abi.Chunk{}, tooLarge("sse: the data of an event (line at byte %d) is longer than the limit of %d bytes: raise Options.MaxEventBytes if such events are expected",
						l.lineStart, max))
					return
				}
				data = append(data, value...)
				data = append(data, '\n')
			case "event":
				event = append(event[:0], value...)
			}
		}
		dispatch()
	}
}

// NDJSON yields the lines of a newline-delimited JSON body, one chunk per
// non-blank line with surrounding whitespace trimmed (Event empty). A line
// that is not one valid JSON value is a stream_truncated error caused by
// ErrMalformed, naming the line: a provider stream that is not a valid
// stream is corrupt or was cut, which is what that code means (it is not
// invalid_request: the caller's request is not at fault). A line longer
// than opts.MaxEventBytes is a stream_truncated error caused by ErrLimit.
// The chunks alias internal buffers valid until the next iteration.
func NDJSON(body io.Reader, opts Options) iter.Seq2[abi.Chunk, error] {
	return func(yield func(abi.Chunk, error) bool) {
		l := newLineReader(body, opts.maxEvent(), false, "ndjson")
		defer l.release(nil)
		for n := 1; ; n++ {
			line, ok, err := l.next()
			if err != nil {
				yield(abi.Chunk{}, err)
				return
			}
			if !ok {
				return
			}
			line = bytes.Trim(line, " \t\r")
			if len(line) == 0 {
				continue
			}
			if !json.Valid(line) {
				yield(abi.Chunk{}, malformed("ndjson: line %d (at byte %d) is not a valid JSON value: %s; the stream is corrupt or was cut mid-line",
					n, l.lineStart, preview(line)))
				return
			}
			if !yield(abi.Chunk{Data: line}, nil) {
				return
			}
		}
	}
}

// preview quotes at most the first 64 bytes of b for an error message.
func preview(b []byte) string {
	const n = 64
	if len(b) > n {
		return strconv.Quote(string(b[:n])) + "..."
	}
	return strconv.Quote(string(b))
}
