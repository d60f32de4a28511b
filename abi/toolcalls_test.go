package abi

import "testing"

// TestToolCallsEnd: a tool-call-end is completed from its call's start and
// deltas by the completion rule, truncated or not.
func TestToolCallsEnd(t *testing.T) {
	tests := []struct {
		name      string
		deltas    []string
		truncated bool
		want      Event
		ok        bool
	}{
		{"object", []string{`{"city"`, `:"Paris"}`}, false, Event{Type: EventToolCall, Index: 3, ID: "call_1", Name: "get", Arguments: `{"city":"Paris"}`}, true},
		{"spaces trimmed", []string{" \n{}", "\t"}, false, Event{Type: EventToolCall, Index: 3, ID: "call_1", Name: "get", Arguments: `{}`}, true},
		{"no deltas", nil, false, Event{Type: EventToolCall, Index: 3, ID: "call_1", Name: "get", Arguments: `{}`}, true},
		{"blank", []string{"  "}, false, Event{Type: EventToolCall, Index: 3, ID: "call_1", Name: "get", Arguments: `{}`}, true},
		{"cut off", []string{`{"city":"Par`}, false, Event{Type: EventError, Code: CodeToolArgumentsInvalid, Message: "m"}, true},
		{"array", []string{`[1]`}, false, Event{Type: EventError, Code: CodeToolArgumentsInvalid, Message: "m"}, true},
		{"object then garbage", []string{`{}x`}, false, Event{Type: EventError, Code: CodeToolArgumentsInvalid, Message: "m"}, true},
		{"truncated whole", []string{`{"a":1}`}, true, Event{Type: EventToolCall, Index: 3, ID: "call_1", Name: "get", Arguments: `{"a":1}`}, true},
		{"truncated cut off", []string{`{"a":`}, true, Event{}, false},
		{"truncated blank", nil, true, Event{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tc ToolCalls
			tc.Observe(&Event{Type: EventToolCallStart, Index: 3, ID: "call_1", Name: "get"})
			tc.Observe(&Event{Type: EventToolCallStart, Index: 4, ID: "call_2", Name: "other"})
			for _, d := range tt.deltas {
				tc.Observe(&Event{Type: EventToolCallDelta, Index: 3, Arguments: d})
				tc.Observe(&Event{Type: EventToolCallDelta, Index: 4, Arguments: "noise"})
			}
			got, ok := tc.End(&Event{Type: EventToolCallEnd, Index: 3, Message: "m", Truncated: tt.truncated})
			if ok != tt.ok || got != tt.want {
				t.Fatalf("End = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
			if tc.Open(3) || !tc.Open(4) {
				t.Fatal("End did not close exactly its own call")
			}
			if _, ok := tc.End(&Event{Type: EventToolCallEnd, Index: 3}); ok {
				t.Fatal("a second end of the same call completed")
			}
		})
	}
}

// TestToolCallsEndDefaultMessage: a module that gives no message still
// gets an error event with one.
func TestToolCallsEndDefaultMessage(t *testing.T) {
	var tc ToolCalls
	tc.Observe(&Event{Type: EventToolCallStart, Index: 0, ID: "c", Name: "get"})
	tc.Observe(&Event{Type: EventToolCallDelta, Index: 0, Arguments: "nope"})
	got, ok := tc.End(&Event{Type: EventToolCallEnd})
	if !ok || got.Type != EventError || got.Message == "" || got.Code != CodeToolArgumentsInvalid {
		t.Fatalf("End = %+v, %v", got, ok)
	}
}

// TestToolCallsComplete: Complete replaces the ends of open calls and keeps
// everything else, an end of a call that is not open included.
func TestToolCallsComplete(t *testing.T) {
	var tc ToolCalls
	text := Event{Type: EventTextDelta, Text: "x"}
	start := Event{Type: EventToolCallStart, Index: 0, ID: "c", Name: "f"}
	delta := Event{Type: EventToolCallDelta, Index: 0, Arguments: `{"a":1}`}
	stray := Event{Type: EventToolCallEnd, Index: 7}
	got := tc.Complete(nil, []Event{text, start, delta})
	got = tc.Complete(got, []Event{{Type: EventToolCallEnd, Index: 0}, stray})
	want := []Event{text, start, delta, {Type: EventToolCall, Index: 0, ID: "c", Name: "f", Arguments: `{"a":1}`}, stray}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("event %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}
