package framing

import (
	"errors"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

func TestChunks(t *testing.T) {
	chunks, err := Chunks([]byte("event: a\ndata: 1\n\ndata: 2\n\n"), abi.FramingSSE, Options{})
	if err != nil || len(chunks) != 2 || string(chunks[0].Event) != "a" || string(chunks[0].Data) != "1" || string(chunks[1].Data) != "2" {
		t.Fatalf("Chunks = %q, %v", chunks, err)
	}
	chunks, err = Chunks([]byte("{\"a\":1}\nnot json\n"), abi.FramingNDJSON, Options{})
	if len(chunks) != 1 || !errors.Is(err, ErrMalformed) {
		t.Fatalf("malformed NDJSON: %q, %v", chunks, err)
	}
	ev := ErrorEvent(err)
	if ev.Type != abi.EventError || ev.Code != abi.CodeStreamTruncated || ev.Message == "" {
		t.Fatalf("ErrorEvent = %+v", ev)
	}
	if ev := ErrorEvent(errors.New("plain")); ev.Code != abi.CodeStreamTruncated || ev.Message != "plain" {
		t.Fatalf("ErrorEvent of a plain error = %+v", ev)
	}
}
