package api

import (
	"slices"
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

// TestEventOrderComplete: Complete delivers every event in order, replaces
// each tool-call-end with the call it completes (or nothing, for a
// truncated call that is not whole), keeps the arguments of calls across
// Complete calls, and stops at an event out of order.
func TestEventOrderComplete(t *testing.T) {
	start := func(i int) abi.Event { return abi.Event{Type: abi.EventToolCallStart, Index: i, ID: "c", Name: "f"} }
	delta := func(i int, a string) abi.Event {
		return abi.Event{Type: abi.EventToolCallDelta, Index: i, Arguments: a}
	}
	end := func(i int, truncated bool) abi.Event {
		return abi.Event{Type: abi.EventToolCallEnd, Index: i, Message: "bad", Truncated: truncated}
	}
	call := func(i int, a string) abi.Event {
		return abi.Event{Type: abi.EventToolCall, Index: i, ID: "c", Name: "f", Arguments: a}
	}
	invalid := abi.Event{Type: abi.EventError, Code: abi.CodeToolArgumentsInvalid, Message: "bad"}
	tests := []struct {
		name    string
		calls   [][]abi.Event
		want    []abi.Event
		badCall int // index of the call that fails, -1 for none
	}{
		{"across calls", [][]abi.Event{{start(0), delta(0, `{"a"`)}, {delta(0, `:1}`)}, {end(0, false)}},
			[]abi.Event{start(0), delta(0, `{"a"`), delta(0, `:1}`), call(0, `{"a":1}`)}, -1},
		{"invalid", [][]abi.Event{{start(1), delta(1, `{"a"`), end(1, false)}},
			[]abi.Event{start(1), delta(1, `{"a"`), invalid}, -1},
		{"truncated dropped", [][]abi.Event{{start(0), delta(0, `{"a"`), end(0, true), {Type: abi.EventFinish, Reason: abi.FinishStop}}},
			[]abi.Event{start(0), delta(0, `{"a"`), {Type: abi.EventFinish, Reason: abi.FinishStop}}, -1},
		{"two calls interleaved", [][]abi.Event{{start(0), start(1), delta(1, `{"b":2}`), delta(0, `{}`), end(1, false), end(0, false)}},
			[]abi.Event{start(0), start(1), delta(1, `{"b":2}`), delta(0, `{}`), call(1, `{"b":2}`), call(0, `{}`)}, -1},
		{"index reused", [][]abi.Event{{start(0), delta(0, `{"x":1}`), end(0, false), start(0), end(0, false)}},
			[]abi.Event{start(0), delta(0, `{"x":1}`), call(0, `{"x":1}`), start(0), call(0, `{}`)}, -1},
		{"end without start", [][]abi.Event{{{Type: abi.EventTextDelta, Text: "x"}, end(0, false)}},
			[]abi.Event{{Type: abi.EventTextDelta, Text: "x"}}, 0},
		{"end after finish", [][]abi.Event{{start(0), {Type: abi.EventFinish, Reason: abi.FinishStop}, end(0, false)}},
			[]abi.Event{start(0), {Type: abi.EventFinish, Reason: abi.FinishStop}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o EventOrder
			var got []abi.Event
			bad := -1
			for i, evs := range tt.calls {
				out, err := o.Complete(slices.Clone(evs))
				got = append(got, out...)
				if err != nil {
					if abi.CodeOf(err) != abi.CodeAdapterBadOutput {
						t.Fatalf("call %d: %v, want adapter_bad_output", i, err)
					}
					bad = i
					break
				}
			}
			if bad != tt.badCall || !slices.Equal(got, tt.want) {
				t.Fatalf("got %+v (failed call %d), want %+v (failed call %d)", got, bad, tt.want, tt.badCall)
			}
		})
	}
}

// TestCheckRefusesToolCallEnd: Check alone cannot complete a tool-call-end.
func TestCheckRefusesToolCallEnd(t *testing.T) {
	var o EventOrder
	if err := o.Check(&abi.Event{Type: abi.EventToolCallStart, Index: 0, ID: "c", Name: "f"}); err != nil {
		t.Fatal(err)
	}
	if err := o.Check(&abi.Event{Type: abi.EventToolCallEnd}); abi.CodeOf(err) != abi.CodeAdapterBadOutput {
		t.Fatalf("Check(tool-call-end) = %v, want adapter_bad_output", err)
	}
}
