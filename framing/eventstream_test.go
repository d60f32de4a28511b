package framing

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

func eventMsg(eventType, payload string) []byte {
	return AppendEventStreamMessage(nil, []Header{
		StringHeader(":event-type", eventType),
		StringHeader(":content-type", "application/json"),
		StringHeader(":message-type", "event"),
	}, []byte(payload))
}

// allTypes has one header of every value type, to check the decoder walks
// each of them.
var allTypes = []Header{
	{Name: "t", Type: HeaderTrue},
	{Name: "f", Type: HeaderFalse},
	{Name: "b", Type: HeaderByte, Value: []byte{7}},
	{Name: "s", Type: HeaderShort, Value: []byte{0, 7}},
	{Name: "i", Type: HeaderInt, Value: []byte{0, 0, 0, 7}},
	{Name: "l", Type: HeaderLong, Value: make([]byte, 8)},
	{Name: "bytes", Type: HeaderBytes, Value: []byte{1, 2, 3}},
	{Name: "ts", Type: HeaderTimestamp, Value: make([]byte, 8)},
	{Name: "uuid", Type: HeaderUUID, Value: make([]byte, 16)},
	StringHeader(":event-type", "contentBlockDelta"),
}

// TestAppendEventStreamMessage checks the encoder against a message laid
// out by hand from the format's description.
func TestAppendEventStreamMessage(t *testing.T) {
	got := AppendEventStreamMessage([]byte("prefix"), []Header{StringHeader(":event-type", "x")}, []byte("{}"))
	var want []byte
	headers := append([]byte{11}, ":event-type"...)
	headers = append(headers, 7, 0, 1, 'x')
	total := 12 + len(headers) + 2 + 4
	want = binary.BigEndian.AppendUint32(want, uint32(total))
	want = binary.BigEndian.AppendUint32(want, uint32(len(headers)))
	want = binary.BigEndian.AppendUint32(want, crc32.ChecksumIEEE(want))
	want = append(want, headers...)
	want = append(want, "{}"...)
	want = binary.BigEndian.AppendUint32(want, crc32.ChecksumIEEE(want))
	want = append([]byte("prefix"), want...)
	if !bytes.Equal(got, want) {
		t.Errorf("got  %x\nwant %x", got, want)
	}
}

func TestEventStream(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want []rec
	}{
		{"empty body", nil, nil},
		{"events", append(eventMsg("messageStart", `{"role":"assistant"}`), eventMsg("messageStop", `{"stopReason":"end_turn"}`)...),
			[]rec{{"messageStart", `{"role":"assistant"}`}, {"messageStop", `{"stopReason":"end_turn"}`}}},
		{"no message-type is an event", AppendEventStreamMessage(nil, []Header{StringHeader(":event-type", "metadata")}, []byte("{}")),
			[]rec{{"metadata", "{}"}}},
		{"no headers, empty payload", AppendEventStreamMessage(nil, nil, nil), []rec{{"", ""}}},
		{"every header type", AppendEventStreamMessage(nil, allTypes, []byte("p")), []rec{{"contentBlockDelta", "p"}}},
		{"exception", AppendEventStreamMessage(nil, []Header{
			StringHeader(":exception-type", "throttlingException"),
			StringHeader(":content-type", "application/json"),
			StringHeader(":message-type", "exception"),
		}, []byte(`{"message":"Too many requests"}`)), []rec{{"exception:throttlingException", `{"message":"Too many requests"}`}}},
		{"error with empty payload", AppendEventStreamMessage(nil, []Header{
			StringHeader(":message-type", "error"),
			StringHeader(":error-code", "InternalFailure"),
			StringHeader(":error-message", `bad "thing"`),
		}, nil), []rec{{"error:InternalFailure", `{"message":"bad \"thing\""}`}}},
		{"error with payload", AppendEventStreamMessage(nil, []Header{
			StringHeader(":message-type", "error"),
			StringHeader(":error-code", "X"),
			StringHeader(":error-message", "m"),
		}, []byte(`{"detail":1}`)), []rec{{"error:X", `{"detail":1}`}}},
		{"non-string event-type is ignored", AppendEventStreamMessage(nil, []Header{{Name: ":event-type", Type: HeaderBytes, Value: []byte("raw")}, {Name: ":event-type", Type: HeaderInt, Value: []byte{0, 0, 0, 1}}}, nil),
			[]rec{{"raw", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for seed, r := range seededReaders(tt.in, 10, 7) {
				got, err := collect(t, EventStream(r, Options{}))
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("seed %d: got %q, want %q", seed, got, tt.want)
				}
			}
		})
	}
}

// prelude returns a prelude with a valid CRC for the lengths.
func prelude(total, hlen uint32) []byte {
	p := binary.BigEndian.AppendUint32(nil, total)
	p = binary.BigEndian.AppendUint32(p, hlen)
	return binary.BigEndian.AppendUint32(p, crc32.ChecksumIEEE(p))
}

// withMessageCRC appends the message CRC to b.
func withMessageCRC(b []byte) []byte {
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

func TestEventStreamErrors(t *testing.T) {
	good := eventMsg("messageStart", `{}`)
	flip := func(b []byte, i int) []byte {
		b = bytes.Clone(b)
		b[i] ^= 0x40
		return b
	}
	badHeader := func(h []byte) []byte {
		b := prelude(uint32(16+len(h)), uint32(len(h)))
		return withMessageCRC(append(b, h...))
	}
	tests := []struct {
		name     string
		in       []byte
		max      int
		cause    error
		contains string
	}{
		{"prelude CRC", flip(good, 9), 0, ErrMalformed, "prelude CRC mismatch"},
		{"length byte changed", flip(good, 3), 0, ErrMalformed, "prelude CRC mismatch"},
		{"message CRC", flip(good, len(good)-1), 0, ErrMalformed, "message CRC mismatch"},
		{"payload byte changed", flip(good, len(good)-6), 0, ErrMalformed, "message CRC mismatch"},
		{"header byte changed", flip(good, 14), 0, ErrMalformed, "message CRC mismatch"},
		{"total length 0", prelude(0, 0), 0, ErrMalformed, "absurd total length 0"},
		{"total length 15", prelude(15, 0), 0, ErrMalformed, "absurd total length 15"},
		{"total length over the limit", prelude(1<<31, 0), 0, ErrLimit, "MaxEventBytes"},
		{"total length over a small limit", good, len(good) - 1, ErrLimit, "over the limit"},
		{"headers longer than the message", withMessageCRC(append(prelude(20, 5), 0, 0, 0, 0)), 0, ErrMalformed, "headers length 5"},
		{"unknown header type", badHeader([]byte{1, 'a', 10}), 0, ErrMalformed, "unknown value type 10"},
		{"header name cut", badHeader([]byte{5, 'a'}), 0, ErrMalformed, "cut short (name)"},
		{"header value length cut", badHeader([]byte{1, 'a', 7, 0}), 0, ErrMalformed, "cut short (value length)"},
		{"header string value cut", badHeader([]byte{1, 'a', 7, 0, 5, 'x'}), 0, ErrMalformed, "cut short (value of 5 bytes)"},
		{"header fixed value cut", badHeader([]byte{1, 'a', 4, 0, 0}), 0, ErrMalformed, "cut short (value of 4 bytes)"},
		{"body ends in the prelude", good[:7], 0, io.ErrUnexpectedEOF, "got 7 of its 12 bytes"},
		{"body ends in the message", good[:len(good)-1], 0, io.ErrUnexpectedEOF, "ended inside message 1"},
		{"second message cut", append(bytes.Clone(good), good[:20]...), 0, io.ErrUnexpectedEOF, "inside message 2 (at byte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range seededReaders(tt.in, 5, 5) {
				_, err := collect(t, EventStream(r, Options{MaxEventBytes: tt.max}))
				wantCode(t, err, abi.CodeStreamTruncated, tt.cause)
				if !strings.Contains(err.Error(), tt.contains) {
					t.Fatalf("error %q does not contain %q", err, tt.contains)
				}
			}
		})
	}
}

// TestEventStreamLimitNotBuffered: a prelude announcing a huge message
// fails before the message is read.
func TestEventStreamLimitNotBuffered(t *testing.T) {
	counted := &countingReader{r: io.MultiReader(bytes.NewReader(prelude(100<<20, 0)), zeroReader{})}
	_, err := collect(t, EventStream(counted, Options{MaxEventBytes: 1 << 20}))
	wantCode(t, err, abi.CodeStreamTruncated, ErrLimit)
	if counted.n > 64<<10 {
		t.Errorf("read %d bytes before refusing a 100 MiB message", counted.n)
	}
}

func TestEventStreamReadError(t *testing.T) {
	good := eventMsg("messageStart", `{}`)
	r := &errReader{b: append(bytes.Clone(good), good[:5]...), err: context.Canceled}
	got, err := collect(t, EventStream(r, Options{}))
	if want := []rec{{"messageStart", "{}"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	wantCode(t, err, abi.CodeStreamTruncated, context.Canceled)
}

// TestEventStreamEveryPrefix: a prefix of a valid stream gives the
// complete messages it holds and then, unless it ends between messages,
// a truncation error.
func TestEventStreamEveryPrefix(t *testing.T) {
	var in []byte
	var ends []int
	for i, ev := range []string{"messageStart", "contentBlockDelta", "messageStop"} {
		in = append(in, eventMsg(ev, strings.Repeat("x", i*10))...)
		ends = append(ends, len(in))
	}
	for n := 0; n <= len(in); n++ {
		got, err := collect(t, EventStream(bytes.NewReader(in[:n]), Options{}))
		complete := 0
		atBoundary := n == 0
		for _, e := range ends {
			if e <= n {
				complete++
			}
			atBoundary = atBoundary || e == n
		}
		if len(got) != complete {
			t.Fatalf("prefix %d: %d messages, want %d", n, len(got), complete)
		}
		if atBoundary {
			if err != nil {
				t.Fatalf("prefix %d ends between messages: %v", n, err)
			}
		} else {
			wantCode(t, err, abi.CodeStreamTruncated, io.ErrUnexpectedEOF)
		}
	}
}

func TestEventStreamSplitProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 500 {
		var in []byte
		var want []rec
		for range rng.IntN(8) {
			ev := strings.Repeat("e", rng.IntN(20))
			payload := strings.Repeat("p", rng.IntN(300))
			in = append(in, eventMsg(ev, payload)...)
			want = append(want, rec{ev, payload})
		}
		for seed := range uint64(4) {
			got, err := collect(t, EventStream(newRandReader(in, uint64(i)*4+seed, 1+int(seed)*9), Options{MaxEventBytes: 512}))
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("case %d seed %d: %v", i, seed, err)
			}
		}
	}
}

// TestEventStreamRecordings decodes the real Bedrock ConverseStream bodies
// of the shared recordings: every frame decodes with valid CRCs, the event
// types are the ConverseStream ones in a valid order, and every payload is
// JSON. Then every single-byte corruption of one recording is reported as
// stream_truncated.
func TestEventStreamRecordings(t *testing.T) {
	fixtures := readFixtures(t, filepath.Join(recordingsDir(t, "bedrock"), "*.eventstream"))
	known := map[string]bool{"messageStart": true, "contentBlockStart": true, "contentBlockDelta": true,
		"contentBlockStop": true, "messageStop": true, "metadata": true}
	for _, fx := range fixtures {
		f, b := fx.name, fx.data
		got, err := collect(t, EventStream(bytes.NewReader(b), Options{}))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(got) < 3 || got[0].Event != "messageStart" || got[len(got)-2].Event != "messageStop" || got[len(got)-1].Event != "metadata" {
			t.Errorf("%s: unexpected event order: first %q, last two %q", f, got[0].Event, got[len(got)-2:])
		}
		for _, c := range got {
			if !known[c.Event] {
				t.Errorf("%s: unknown event type %q", f, c.Event)
			}
			var v map[string]any
			if err := json.Unmarshal([]byte(c.Data), &v); err != nil {
				t.Errorf("%s: %q payload is not a JSON object: %v", f, c.Event, err)
			}
		}
		// The frames reproduce byte for byte from what was decoded,
		// which shows nothing was skipped.
		var again []byte
		for _, c := range got {
			again = append(again, eventMsg(c.Event, c.Data)...)
		}
		if !bytes.Equal(again, b) {
			t.Errorf("%s: re-encoding the %d decoded messages does not give the recording back", f, len(got))
		}
		split, err := collect(t, EventStream(newRandReader(b, 1, 100), Options{}))
		if err != nil || !reflect.DeepEqual(split, got) {
			t.Errorf("%s: split reads changed the messages (%v)", f, err)
		}
		t.Logf("%s: %d messages", filepath.Base(f), len(got))
	}
	b := fixtures[0].data
	for i := range b {
		c := bytes.Clone(b)
		c[i] ^= 0x01
		_, err := collect(t, EventStream(bytes.NewReader(c), Options{}))
		if abi.CodeOf(err) != abi.CodeStreamTruncated {
			t.Fatalf("%s: byte %d corrupted: got %v, want stream_truncated", fixtures[0].name, i, err)
		}
	}
}

// TestEventStreamNoAllocsPerEvent: a longer stream costs no more
// allocations.
func TestEventStreamNoAllocsPerEvent(t *testing.T) {
	msg := eventMsg("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"Hello"},"p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW"}`)
	short := bytes.Repeat(msg, 100)
	long := bytes.Repeat(msg, 2000)
	exc := AppendEventStreamMessage(nil, []Header{StringHeader(":message-type", "error"), StringHeader(":error-code", "E"), StringHeader(":error-message", "m")}, nil)
	noAllocsPerItem(t, EventStream, append(short, exc...), append(long, exc...), "message")
}
