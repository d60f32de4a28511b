package abi

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestEventJSONIsCanonical(t *testing.T) {
	evs := []Event{
		{Type: EventToolCall, Index: 0, ID: "call_0", Name: "get", Arguments: "{}"},
		{Type: EventUsage, Usage: Usage{InputTokens: 10, OutputTokens: 3, CachedInputTokens: 2, ReasoningTokens: 1}},
		{Type: EventUsage, Usage: Usage{InputTokens: 110, OutputTokens: 3, CachedInputTokens: 2, CacheWriteInputTokens: 100}},
		{Type: EventError, Code: CodeRateLimited, Message: "slow down", Retryable: true},
		{Type: EventFinish, Reason: FinishStop, RawReason: "end_turn"},
		{Type: EventServerToolCall, ID: "srvtoolu_1", Name: "web_search", Input: `{"query":"q"}`},
		{Type: EventServerToolResult, ID: "srvtoolu_1", Name: "web_search", Content: `[]`, IsError: true},
		{Type: EventSource, ID: "https://a.example/", Kind: SourceKindURL, URL: "https://a.example/", Title: "A", CitedText: "x"},
		{Type: EventSource, ID: "https://a.example/", Kind: SourceKindURL, URL: "https://a.example/"},
		{Type: EventToolCallEnd, Index: 0, Message: "cut off"},
		{Type: EventToolCallEnd, Index: 2, Truncated: true},
	}
	for _, e := range evs {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if want := e.String(); string(b) != want {
			t.Errorf("json.Marshal = %s, want the canonical %s", b, want)
		}
		if p, _ := json.Marshal(&e); string(p) != string(b) {
			t.Errorf("json.Marshal(&e) = %s, want %s", p, b)
		}
		var back Event
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back != e {
			t.Errorf("round trip of %s = %+v, want %+v", b, back, e)
		}
	}
	// A slice of events encodes element by element.
	b, _ := json.Marshal(evs[:2])
	want := `[` + evs[0].String() + `,` + evs[1].String() + `]`
	if string(b) != want {
		t.Errorf("json.Marshal([]Event) = %s, want %s", b, want)
	}
}

func TestWASIImportsIsACopy(t *testing.T) {
	names := WASIImports()
	if !slices.IsSorted(names) || !slices.Contains(names, "fd_write") || !WASIImportAllowed("fd_write") {
		t.Fatalf("WASIImports() = %v", names)
	}
	names[0] = "sock_open"
	if WASIImportAllowed("sock_open") || slices.Contains(WASIImports(), "sock_open") {
		t.Fatal("changing the returned slice widened the allowed imports")
	}
	if WASIImportAllowed("path_open") {
		t.Fatal("path_open is allowed")
	}
}
