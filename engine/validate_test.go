package engine

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api"
)

func TestValidateEventsRejects(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"type":"text-delta","text":"a"}`, "not newline-terminated"},
		{"\n", "event 0: not valid JSON"},
		{"[1]\n", "event 0: not a JSON object"},
		{`{"text":"a"}` + "\n", `lacks "type"`},
		{`{"type":1}` + "\n", `"type" is not a string`},
		{`{"type":"nope"}` + "\n", `unknown event type "nope"`},
		{`{"type":"text-delta"}` + "\n", `event 0 (text-delta): missing field "text"`},
		{`{"type":"text-delta","text":1}` + "\n", `field "text" is not a string`},
		{`{"type":"text-delta","text":"a","extra":1}` + "\n", `unexpected field "extra"`},
		{`{"type":"text-delta","text":"a","id":"x"}` + "\n", `unexpected field "id"`},
		{`{"type":"text-delta","text":"a","text":"b"}` + "\n", `duplicate field "text"`},
		{`{"type":"text-delta","text":"a"}` + "\n" + `{"type":"usage","input_tokens":-1}` + "\n", `event 1 (usage): field "input_tokens" is not a non-negative integer`},
		{`{"type":"usage","output_tokens":1.5}` + "\n", `field "output_tokens" is not a non-negative integer`},
		{`{"type":"usage","output_tokens":"1"}` + "\n", `field "output_tokens" is not a non-negative integer`},
		{`{"type":"finish","reason":"done"}` + "\n", `field "reason" is "done"`},
		{`{"type":"finish"}` + "\n", `missing field "reason"`},
		{`{"type":"error","code":"oops","message":"m"}` + "\n", `field "code" is "oops"`},
		{`{"type":"error","code":"server_error","message":"m","retryable":"yes"}` + "\n", `"retryable" is not a boolean`},
		{`{"type":"tool-call","index":0,"id":"c","name":"f","arguments":"[1]"}` + "\n", `JSON array, want an object`},
		{`{"type":"tool-call","index":0,"id":"c","name":"f","arguments":"{"}` + "\n", `"arguments" is not valid JSON`},
		{`{"type":"tool-call","index":0,"id":"","name":"f","arguments":"{}"}` + "\n", `field "id" is empty`},
		{`{"type":"tool-call-start","index":0,"id":"c","name":""}` + "\n", `field "name" is empty`},
		{`{"type":"tool-call-delta","index":0}` + "\n", `missing field "arguments"`},
		{`{"type":"refusal","text":"no","source":"magic"}` + "\n", `field "source" is "magic"`},
		{`{"type":"server-tool-call","id":"s","name":"web_search","input":"[1]"}` + "\n", `"input" is not the text of a JSON object`},
		{`{"type":"server-tool-result","id":"s","name":"web_search","content":"{"}` + "\n", `"content" is not valid JSON`},
		{`{"type":"approval-request","id":"a","name":"mcp","input":"[1]"}` + "\n", `"input" is not the text of a JSON object`},
		{`{"type":"approval-request","id":"","name":"mcp","input":"{}"}` + "\n", `"id" and "name" must not be empty`},
		{`{"type":"source","id":"","kind":"url"}` + "\n", `"id" and "kind" must not be empty`},
		{"{\"type\":\"text-delta\",\"text\":\"\xff\"}\n", `not valid UTF-8`},
		{`{"type":"tool-call-end","message":"m"}` + "\n", `missing field "index"`},
		{`{"type":"tool-call-end","index":0,"truncated":1}` + "\n", `"truncated" is not a boolean`},
		{`{"type":"tool-call-end","index":0,"arguments":"{}"}` + "\n", `unexpected field "arguments"`},
	}
	var p, a fastjson.Parser
	for _, tt := range tests {
		_, err := validateEvents(&p, &a, []byte(tt.in), nil, true)
		if err == nil {
			t.Errorf("%q: accepted", tt.in)
			continue
		}
		if abi.CodeOf(err) != abi.CodeAdapterBadOutput || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want adapter_bad_output mentioning %q", tt.in, err, tt.want)
		}
	}
}

// Every event type, encoded canonically, validates back to the same event.
func TestValidateEventsRoundTrip(t *testing.T) {
	evs := []abi.Event{
		{Type: abi.EventResponseStart, ID: "r", Model: "m"},
		{Type: abi.EventResponseStart},
		{Type: abi.EventTextDelta, Text: "a\n\"b\" \u2028 é \x01"},
		{Type: abi.EventReasoningDelta, Text: "think"},
		{Type: abi.EventReasoningSignature, Signature: "sig"},
		{Type: abi.EventReasoningRedacted, Data: "opaque"},
		{Type: abi.EventToolCallStart, Index: 2, ID: "c", Name: "f"},
		{Type: abi.EventToolCallDelta, Index: 2, Arguments: `{"a":`},
		{Type: abi.EventToolCall, Index: 2, ID: "c", Name: "f", Arguments: `{"a":[1,{"b":null}]}`},
		{Type: abi.EventRefusal, Text: "no"},
		{Type: abi.EventRefusal, Text: "no", Source: "phrase"},
		{Type: abi.EventUsage, Usage: abi.Usage{InputTokens: 10, OutputTokens: 20, CachedInputTokens: 3, ReasoningTokens: 4}},
		{Type: abi.EventUsage, Usage: abi.Usage{InputTokens: 110, OutputTokens: 2, CacheWriteInputTokens: 100}},
		{Type: abi.EventServerToolCall, ID: "srvtoolu_1", Name: "web_search", Input: `{"query":"q"}`},
		{Type: abi.EventServerToolResult, ID: "srvtoolu_1", Name: "web_search", Content: `[{"url":"u"}]`},
		{Type: abi.EventServerToolResult, ID: "srvtoolu_2", Name: "web_search", Content: `{"error_code":"max_uses_exceeded"}`, IsError: true},
		{Type: abi.EventSource, ID: "https://a.example/", Kind: abi.SourceKindURL, URL: "https://a.example/", Title: "A", CitedText: "c"},
		{Type: abi.EventApprovalRequest, ID: "mcpr_1", Name: "mcp", Input: `{"server":"s","tool":"t","arguments":{}}`},
		{Type: abi.EventFinish, Reason: abi.FinishPause, RawReason: "pause_turn"},
		{Type: abi.EventFinish, Reason: abi.FinishToolCalls, RawReason: "tool_calls"},
		{Type: abi.EventError, Code: abi.CodeRateLimited, Message: "slow", Retryable: true},
		{Type: abi.EventError, Code: abi.CodeServerError, Message: ""},
		{Type: abi.EventToolCallEnd, Index: 2, Message: "cut off", Truncated: true},
	}
	var b []byte
	for i := range evs {
		b = evs[i].AppendJSON(b)
		b = append(b, '\n')
	}
	var p, a fastjson.Parser
	got, err := validateEvents(&p, &a, b, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(evs) {
		t.Fatalf("%d events, want %d", len(got), len(evs))
	}
	for i := range evs {
		if got[i] != evs[i] {
			t.Errorf("event %d: got %+v, want %+v", i, got[i], evs[i])
		}
		if got[i].String() != evs[i].String() {
			t.Errorf("event %d: re-encoded %s, want %s", i, got[i].String(), evs[i].String())
		}
	}
}

// TestValidateEventsToolCallEnd: tool-call-end (ABI 1.4) validates only
// where it is allowed (the transform results of a 1.4 module).
func TestValidateEventsToolCallEnd(t *testing.T) {
	line := []byte(`{"type":"tool-call-end","index":1,"message":"m","truncated":false}` + "\n")
	var p, a fastjson.Parser
	got, err := validateEvents(&p, &a, line, nil, true)
	if err != nil || len(got) != 1 || got[0] != (abi.Event{Type: abi.EventToolCallEnd, Index: 1, Message: "m"}) {
		t.Fatalf("allowed: %+v, %v", got, err)
	}
	if _, err := validateEvents(&p, &a, line, nil, false); abi.CodeOf(err) != abi.CodeAdapterBadOutput || !strings.Contains(err.Error(), "ABI 1.4") {
		t.Fatalf("not allowed: %v, want adapter_bad_output naming ABI 1.4", err)
	}
}

func TestDecodeGuestError(t *testing.T) {
	var p fastjson.Parser
	err := decodeGuestError(&p, []byte(`{"code":"schema_unsupported","message":"m","pointer":"/tools/0","retryable":false,"status":400}`))
	e, ok := err.(*abi.Error)
	if !ok || e.Code != abi.CodeSchemaUnsupported || e.Pointer != "/tools/0" || e.Status != 400 || e.Message != "m" {
		t.Fatalf("%#v", err)
	}
	for _, in := range []string{`{"code":"nope","message":"m"}`, `not json`, `{"code":1}`, `{"code":"server_error","status":-1}`} {
		if abi.CodeOf(decodeGuestError(&p, []byte(in))) != abi.CodeAdapterBadOutput {
			t.Errorf("%s accepted", in)
		}
	}
}

func FuzzValidateEvents(f *testing.F) {
	f.Add([]byte(`{"type":"text-delta","text":"a"}` + "\n"))
	f.Add([]byte(`{"type":"tool-call","index":0,"id":"c","name":"f","arguments":"{}"}` + "\n"))
	f.Add([]byte(`{"type":"usage","input_tokens":1}` + "\n" + `{"type":"finish","reason":"stop"}` + "\n"))
	f.Add([]byte(`{"type":"tool-call-end","index":0,"message":"m","truncated":true}` + "\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p, a fastjson.Parser
		evs, err := validateEvents(&p, &a, b, nil, true)
		if err != nil {
			return
		}
		// Whatever validates re-encodes to events that validate to the same.
		var enc []byte
		for i := range evs {
			enc = evs[i].AppendJSON(enc)
			enc = append(enc, '\n')
		}
		again, err := validateEvents(&p, &a, enc, nil, true)
		if err != nil {
			t.Fatalf("canonical encoding %q rejected: %v", enc, err)
		}
		for i := range evs {
			if again[i] != evs[i] {
				t.Fatalf("round trip changed event %d: %+v -> %+v", i, evs[i], again[i])
			}
		}
	})
}

// TestToolCallEndByVersion: modules of ABI 1.0 to 1.3 keep loading and
// their tool calls come out as before; tool-call-end (ABI 1.4) is
// adapter_bad_output from them, and from a 1.4 module it is validated and
// completed by the host's event order into the same tool call.
func TestToolCallEndByVersion(t *testing.T) {
	const whole = `{"type":"tool-call-start","index":0,"id":"c","name":"f"}` + "\n" +
		`{"type":"tool-call-delta","index":0,"arguments":"{\"a\""}` + "\n" +
		`{"type":"tool-call-delta","index":0,"arguments":":1}"}` + "\n" +
		`{"type":"tool-call","index":0,"id":"c","name":"f","arguments":"{\"a\":1}"}` + "\n"
	const ended = `{"type":"tool-call-start","index":0,"id":"c","name":"f"}` + "\n" +
		`{"type":"tool-call-delta","index":0,"arguments":"{\"a\""}` + "\n" +
		`{"type":"tool-call-delta","index":0,"arguments":":1}"}` + "\n" +
		`{"type":"tool-call-end","index":0,"message":"m","truncated":false}` + "\n"
	ctx := context.Background()
	for _, backend := range Backends() {
		e, err := New(ctx, Config{Backend: backend, PoolSize: 1, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close(ctx) })
		for _, minor := range []uint8{0, 1, 2, 3, 4} {
			for _, events := range []string{whole, ended} {
				v := abi.PackVersion(1, minor, 0)
				name := fmt.Sprintf("%s/1.%d/%s", backend, minor, map[bool]string{true: "ended", false: "whole"}[events == ended])
				t.Run(name, func(t *testing.T) {
					m, err := e.Load(ctx, "tcmod", watModule(t, stubWAT(v, false, []byte(events), "")))
					if err != nil {
						t.Fatalf("load: %v", err)
					}
					defer m.Close(ctx)
					_, evs, err := m.Transform(ctx, &abi.TransformInput{Flags: abi.FlagEnd})
					if events == ended && minor < 4 {
						if abi.CodeOf(err) != abi.CodeAdapterBadOutput || !strings.Contains(err.Error(), "ABI 1.4") {
							t.Fatalf("Transform: %v, want adapter_bad_output naming ABI 1.4", err)
						}
						return
					}
					if err != nil {
						t.Fatalf("Transform: %v", err)
					}
					var order api.EventOrder
					evs, err = order.Complete(evs)
					if err != nil {
						t.Fatal(err)
					}
					want := abi.Event{Type: abi.EventToolCall, Index: 0, ID: "c", Name: "f", Arguments: `{"a":1}`}
					if len(evs) != 4 || evs[3] != want {
						t.Fatalf("events %+v, want the tool call last", evs)
					}
				})
			}
		}
	}
}
