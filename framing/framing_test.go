package framing

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

func TestSplit(t *testing.T) {
	es := eventMsg("messageStop", "{}")
	tests := []struct {
		framing string
		body    []byte
		want    []rec
	}{
		{abi.FramingSSE, []byte("event: e\ndata: 1\n\n"), []rec{{"e", "1"}}},
		{abi.FramingNDJSON, []byte("{\"a\":1}\n"), []rec{{"", `{"a":1}`}}},
		{abi.FramingAWSEventStream, es, []rec{{"messageStop", "{}"}}},
		{abi.FramingNone, []byte("data: 1\n\n{\"a\":1}"), []rec{{"", "data: 1\n\n{\"a\":1}"}}},
		{abi.FramingNone, nil, []rec{{"", ""}}},
	}
	for _, tt := range tests {
		got, err := collect(t, Split(bytes.NewReader(tt.body), tt.framing, Options{}))
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %q, %v; want %q", tt.framing, got, err, tt.want)
		}
	}
	for _, name := range []string{"", "SSE", "json", "eventstream"} {
		got, err := collect(t, Split(strings.NewReader("data: x\n\n"), name, Options{}))
		if len(got) != 0 {
			t.Errorf("%q: got chunks %q", name, got)
		}
		wantCode(t, err, abi.CodeAdapterBadOutput, nil)
	}
}

func TestWhole(t *testing.T) {
	body := strings.Repeat("x", 100)
	got, err := collect(t, Whole(strings.NewReader(body), Options{MaxBodyBytes: 100}))
	if err != nil || len(got) != 1 || got[0].Data != body {
		t.Fatalf("body at the limit: got %d chunks, %v", len(got), err)
	}
	got, err = collect(t, Whole(strings.NewReader(body+"y"), Options{MaxBodyBytes: 100}))
	if len(got) != 0 {
		t.Errorf("body over the limit gave %d chunks", len(got))
	}
	wantCode(t, err, abi.CodeStreamTruncated, ErrLimit)
	_, err = collect(t, Whole(&errReader{b: []byte("abc"), err: context.Canceled}, Options{}))
	wantCode(t, err, abi.CodeStreamTruncated, context.Canceled)
}

func TestOptionsDefaults(t *testing.T) {
	tests := []struct {
		in          Options
		event, body int
	}{
		{Options{}, DefaultMaxEventBytes, DefaultMaxBodyBytes},
		{Options{MaxEventBytes: -1, MaxBodyBytes: -5}, DefaultMaxEventBytes, DefaultMaxBodyBytes},
		{Options{MaxEventBytes: 10, MaxBodyBytes: 20}, 10, 20},
		{Options{MaxEventBytes: 1 << 40, MaxBodyBytes: 1 << 40}, maxLimit, maxLimit},
	}
	for _, tt := range tests {
		if e, b := tt.in.maxEvent(), tt.in.maxBody(); e != tt.event || b != tt.body {
			t.Errorf("%+v: got %d, %d; want %d, %d", tt.in, e, b, tt.event, tt.body)
		}
	}
}

// A reader that never makes progress ends in an error, not a spin.
type stuckReader struct{}

func (stuckReader) Read([]byte) (int, error) { return 0, nil }

func TestNoProgress(t *testing.T) {
	for _, framing := range []string{abi.FramingSSE, abi.FramingNDJSON, abi.FramingAWSEventStream} {
		_, err := collect(t, Split(stuckReader{}, framing, Options{}))
		wantCode(t, err, abi.CodeStreamTruncated, nil)
	}
}

// TestTenMegabyteEvent: a 10 MB single event passes whole under the
// default limit, in every framing, and is refused under a 1 MiB limit.
func TestTenMegabyteEvent(t *testing.T) {
	big := strings.Repeat("x", 10<<20)
	bodies := map[string][]byte{
		abi.FramingSSE:            []byte("data: {\"t\":\"" + big + "\"}\n\n"),
		abi.FramingNDJSON:         []byte("{\"t\":\"" + big + "\"}\n"),
		abi.FramingAWSEventStream: eventMsg("contentBlockDelta", "{\"t\":\""+big+"\"}"),
	}
	for framing, body := range bodies {
		got, err := collect(t, Split(newRandReader(body, 1, 1<<16), framing, Options{}))
		if err != nil || len(got) != 1 || len(got[0].Data) != len(big)+8 {
			t.Errorf("%s: %d chunks, %v", framing, len(got), err)
		}
		_, err = collect(t, Split(bytes.NewReader(body), framing, Options{MaxEventBytes: 1 << 20}))
		wantCode(t, err, abi.CodeStreamTruncated, ErrLimit)
	}
}
