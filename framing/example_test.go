package framing_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/framing"
)

// Frame an SSE body: comments are dropped, multi-line data is joined, and
// the last event is kept although the body lacks its final blank line.
func ExampleSSE() {
	body := ": keep-alive\r\nevent: delta\r\ndata: {\"text\":\"Hel\"}\r\n\r\ndata: line one\r\ndata: line two"
	for c, err := range framing.SSE(strings.NewReader(body), framing.Options{}) {
		if err != nil {
			fmt.Println("error:", abi.CodeOf(err), err)
			return
		}
		fmt.Printf("event=%q data=%q\n", c.Event, c.Data)
	}
	// Output:
	// event="delta" data="{\"text\":\"Hel\"}"
	// event="" data="line one\nline two"
}

// Decode a gzip body with a limit, then split it by the framing the adapter
// declared.
func ExampleDecompress() {
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte("{\"done\":false}\n{\"done\":true}\n"))
	w.Close()

	r, err := framing.Decompress(&gz, "gzip", 1<<20)
	if err != nil {
		fmt.Println(err)
		return
	}
	for c, err := range framing.Split(r, abi.FramingNDJSON, framing.Options{}) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(string(c.Data))
	}
	// Output:
	// {"done":false}
	// {"done":true}
}

// A message with a bad CRC is a stream_truncated error.
func ExampleEventStream() {
	msg := framing.AppendEventStreamMessage(nil, []framing.Header{
		framing.StringHeader(":message-type", "event"),
		framing.StringHeader(":event-type", "messageStop"),
	}, []byte(`{"stopReason":"end_turn"}`))
	bad := bytes.Clone(msg)
	bad[len(bad)-1] ^= 1
	for c, err := range framing.EventStream(bytes.NewReader(append(msg, bad...)), framing.Options{}) {
		if err != nil {
			fmt.Println(abi.CodeOf(err))
			return
		}
		fmt.Printf("%s %s\n", c.Event, c.Data)
	}
	// Output:
	// messageStop {"stopReason":"end_turn"}
	// stream_truncated
}
