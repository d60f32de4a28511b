package api

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

// TestEventOrderCapsResponseEvents: a response may have MaxResponseEvents
// events; the next one is adapter_bad_output, however well ordered.
func TestEventOrderCapsResponseEvents(t *testing.T) {
	var o EventOrder
	ev := abi.Event{Type: abi.EventTextDelta, Text: "x"}
	for i := range MaxResponseEvents {
		if err := o.Check(&ev); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	if err := o.Check(&ev); abi.CodeOf(err) != abi.CodeAdapterBadOutput {
		t.Fatalf("event %d: %v, want adapter_bad_output", MaxResponseEvents, err)
	}
}
