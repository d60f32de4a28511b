package openairesponses

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

// request decodes a normalized request, failing the test when it is not one.
var request = guesttest.Request

func body(t *testing.T, pr *abi.ProviderRequest) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(pr.Body, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestProject(t *testing.T) {
	tests := []struct {
		name  string
		req   string
		code  abi.Code
		check func(t *testing.T, b map[string]any)
	}{
		{name: "unknown provider option", code: abi.CodeInvalidRequest,
			req: `{"model":"gpt-4.1","messages":[{"role":"user","content":"x"}],"provider_options":{"seed":1}}`},
		{name: "bad reasoning_summary", code: abi.CodeInvalidRequest,
			req: `{"model":"o3","messages":[{"role":"user","content":"x"}],"provider_options":{"reasoning_summary":"long"}}`},
		{name: "budget tokens refused", code: abi.CodeCapabilityUnsupported,
			req: `{"model":"o3","messages":[{"role":"user","content":"x"}],"reasoning":{"budget_tokens":1024}}`},
		{name: "no messages", code: abi.CodeInvalidRequest, req: `{"model":"gpt-4.1","messages":[{"role":"system","content":"only"}]}`},
		{name: "tool_choice unknown tool", code: abi.CodeInvalidRequest,
			req: `{"model":"gpt-4.1","messages":[{"role":"user","content":"x"}],"tools":[{"name":"a"}],"tool_choice":{"tool":"b"}}`},
		{name: "summary none sends effort only",
			req: `{"model":"o3","messages":[{"role":"user","content":"x"}],"reasoning":{"effort":"low"},"provider_options":{"reasoning_summary":"none"}}`,
			check: func(t *testing.T, b map[string]any) {
				r := b["reasoning"].(map[string]any)
				if r["effort"] != "low" || r["summary"] != nil {
					t.Errorf("reasoning %v", r)
				}
			}},
		{name: "summary option alone",
			req: `{"model":"gpt-5","messages":[{"role":"user","content":"x"}],"provider_options":{"reasoning_summary":"detailed"}}`,
			check: func(t *testing.T, b map[string]any) {
				if r := b["reasoning"].(map[string]any); r["summary"] != "detailed" || r["effort"] != nil {
					t.Errorf("reasoning %v", r)
				}
			}},
		{name: "store true keeps state server-side, no include",
			req: `{"model":"o3","messages":[{"role":"user","content":"x"}],"provider_options":{"store":true}}`,
			check: func(t *testing.T, b map[string]any) {
				if b["store"] != true || b["include"] != nil {
					t.Errorf("store %v include %v", b["store"], b["include"])
				}
			}},
		{name: "non-reasoning model: no store, reasoning parts dropped",
			req: `{"model":"gpt-4.1","messages":[{"role":"user","content":"x"},{"role":"assistant","content":[{"type":"reasoning","redacted":"enc","provider":"openai-responses"},{"type":"text","text":"y"}]},{"role":"user","content":"z"}]}`,
			check: func(t *testing.T, b map[string]any) {
				if b["store"] != nil || b["include"] != nil {
					t.Errorf("store %v include %v", b["store"], b["include"])
				}
				if s, _ := json.Marshal(b["input"]); strings.Contains(string(s), "reasoning") {
					t.Errorf("input %s", s)
				}
			}},
		{name: "tool without parameters gets an empty object schema",
			req: `{"model":"gpt-4.1","messages":[{"role":"user","content":"x"}],"tools":[{"name":"ping"}],"tool_choice":"required"}`,
			check: func(t *testing.T, b map[string]any) {
				tool := b["tools"].([]any)[0].(map[string]any)
				if tool["strict"] != false || tool["parameters"] == nil || b["tool_choice"] != "required" {
					t.Errorf("tool %v choice %v", tool, b["tool_choice"])
				}
			}},
		{name: "tool_choice none without tools is omitted",
			req: `{"model":"gpt-4.1","messages":[{"role":"user","content":"x"}],"tool_choice":"none"}`,
			check: func(t *testing.T, b map[string]any) {
				if _, ok := b["tool_choice"]; ok {
					t.Error("tool_choice sent without tools")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr, err := New().Project(request(t, tt.req))
			if tt.code != "" {
				if abi.CodeOf(err) != tt.code {
					t.Fatalf("err = %v, want %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if pr.Path != Path || pr.Method != "POST" {
				t.Errorf("request %s %s", pr.Method, pr.Path)
			}
			tt.check(t, body(t, pr))
		})
	}
}

// transform runs chunks one per call with host-owned state, then FlagEnd,
// and returns the events, after checking that the chunks sent with their
// tapes give the same events.
func transform(t *testing.T, chunks ...abi.Chunk) string {
	t.Helper()
	events := transformOnce(t, chunks...)
	if taped := transformOnce(t, guesttest.Taped(chunks)...); taped != events {
		t.Fatalf("tapes change the events:\nbytes:\n%s\ntapes:\n%s", events, taped)
	}
	return events
}

func transformOnce(t *testing.T, chunks ...abi.Chunk) string {
	t.Helper()
	var state []byte
	var events strings.Builder
	for i := 0; i <= len(chunks); i++ {
		var out guest.Output
		in := &abi.TransformInput{State: state}
		if i < len(chunks) {
			in.Chunks = chunks[i : i+1]
		} else {
			in.Flags = abi.FlagEnd
		}
		if err := New().Transform(in, &out); err != nil {
			t.Fatal(err)
		}
		state = append([]byte(nil), out.State()...)
		events.Write(out.Events())
	}
	return events.String()
}

func TestTransform(t *testing.T) {
	created := abi.Chunk{Data: []byte(`{"type":"response.created","response":{"id":"r1","model":"m"}}`)}
	completed := abi.Chunk{Data: []byte(`{"type":"response.completed","response":{"status":"completed","usage":null}}`)}
	start := `{"type":"response-start","id":"r1","model":"m"}` + "\n"
	tests := []struct {
		name   string
		chunks []abi.Chunk
		want   string
	}{
		{"type from the SSE event name", []abi.Chunk{created,
			{Event: []byte("response.output_text.delta"), Data: []byte(`{"delta":"hi"}`)}, completed},
			start + `{"type":"text-delta","text":"hi"}` + "\n" + `{"type":"finish","reason":"stop","raw_reason":"completed"}` + "\n"},
		{"malformed arguments", []abi.Chunk{created,
			{Data: []byte(`{"type":"response.output_item.added","output_index":0,"item":{"type":"function_call","call_id":"c","name":"f","arguments":""}}`)},
			{Data: []byte(`{"type":"response.output_item.done","output_index":0,"item":{"type":"function_call","call_id":"c","name":"f","arguments":"[1,2]"}}`)},
			completed},
			start + `{"type":"tool-call-start","index":0,"id":"c","name":"f"}` + "\n" +
				`{"type":"error","code":"tool_arguments_invalid","message":"openai-responses: the arguments of tool call 0 (f) are not a complete JSON object: the model produced malformed arguments; retry or report them to the model","retryable":false}` + "\n" +
				`{"type":"finish","reason":"tool-calls","raw_reason":"completed"}` + "\n"},
		{"client-executed built-in call finishes other", []abi.Chunk{created,
			{Data: []byte(`{"type":"response.output_item.done","output_index":0,"item":{"type":"local_shell_call","call_id":"c","action":{"type":"exec","command":["ls"]}}}`)},
			completed},
			start + `{"type":"finish","reason":"other","raw_reason":"completed"}` + "\n"},
		{"arguments delta of an unknown item ignored", []abi.Chunk{created,
			{Data: []byte(`{"type":"response.function_call_arguments.delta","output_index":7,"delta":"{"}`)}, completed},
			start + `{"type":"finish","reason":"stop","raw_reason":"completed"}` + "\n"},
		{"malformed chunk", []abi.Chunk{created, {Data: []byte(`{"type":`)}},
			start + `{"type":"error","code":"server_error","message":"openai-responses: a stream event is not a JSON object (jsonx: malformed JSON at byte 8): the provider sent malformed data; retry the request","retryable":true}` + "\n"},
		{"chunks after the end marker ignored", []abi.Chunk{created, completed, {Data: []byte(`{"type":"response.output_text.delta","delta":"late"}`)}},
			start + `{"type":"finish","reason":"stop","raw_reason":"completed"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := transform(t, tt.chunks...); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestTransformBadState(t *testing.T) {
	var out guest.Output
	err := New().Transform(&abi.TransformInput{State: []byte{9, 0}}, &out)
	if abi.CodeOf(err) != abi.CodeInvalidRequest {
		t.Fatalf("err = %v", err)
	}
}

func TestParseResponseFailed(t *testing.T) {
	var out guest.Output
	b := `{"id":"r","model":"m","status":"failed","error":{"code":"server_error","message":"boom"},"output":[],"usage":null}`
	if err := New().ParseResponse(&abi.ResponseInput{Status: 200, Body: []byte(b)}, &out); err != nil {
		t.Fatal(err)
	}
	want := `{"type":"response-start","id":"r","model":"m"}` + "\n" +
		`{"type":"error","code":"server_error","message":"openai-responses: the response failed: boom (code server_error): retry after a delay","retryable":true}` + "\n" +
		`{"type":"finish","reason":"error","raw_reason":"failed"}` + "\n"
	if string(out.Events()) != want {
		t.Errorf("got\n%s\nwant\n%s", out.Events(), want)
	}
}

func TestCapabilities(t *testing.T) {
	c := New().Capabilities("o4-mini")
	if c.Provider != Provider || c.StateFormat != StateFormat || !c.Features.Reasoning || c.Auth.Scheme != abi.AuthBearer {
		t.Errorf("capabilities %+v", c)
	}
	if New().Capabilities("gpt-4.1").Features.Reasoning {
		t.Error("gpt-4.1 is not a reasoning model")
	}
}
