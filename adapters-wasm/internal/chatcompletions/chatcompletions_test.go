package chatcompletions

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

func testDialect() *Dialect {
	return &Dialect{
		Name: "test", Version: "0.0.1", Provider: "testprov",
		Auth:                 abi.Auth{Scheme: abi.AuthBearer},
		MaxTokensField:       "max_completion_tokens",
		ReasoningEffortField: "reasoning_effort",
		StreamUsage:          true,
		Options:              []Option{PassThrough("user", "string"), PassThrough("seed", "integer")},
		Model: func(name string) Model {
			m := Model{Features: DefaultFeatures}
			if strings.HasPrefix(name, "think") {
				m.Features.Reasoning = true
				m.Unsupported = map[string]Action{FeatureTemperature: Refuse, FeatureTopP: Strip}
			}
			if name == "blind" {
				m.Features.Vision = false
			}
			return m
		},
	}
}

// stream runs chunks through Transform with the given batch size (0: all
// in one call) and returns the events. It runs them twice, as plain bytes
// and with the tapes a host sends to a module that opted in (ABI 1.1),
// and fails the test unless both give the same events.
func stream(t *testing.T, d *Dialect, batch int, data ...string) string {
	t.Helper()
	plain := streamWith(t, d, batch, false, data...)
	if taped := streamWith(t, d, batch, true, data...); canon(t, taped) != canon(t, plain) {
		t.Errorf("tapes change the events:\nbytes:\n%s\ntapes:\n%s", plain, taped)
	}
	return plain
}

// canon re-encodes event lines canonically: a string copied as a raw
// literal (tape path) and one decoded and encoded again are the same
// event once the host has parsed them.
func canon(t *testing.T, events string) string {
	t.Helper()
	var sb strings.Builder
	for line := range strings.Lines(events) {
		var e abi.Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("event %q: %v", line, err)
		}
		sb.Write(e.AppendJSON(nil))
		sb.WriteByte('\n')
	}
	return sb.String()
}

// withTape returns a chunk of data, with its tape when taped.
func withTape(data []byte, taped bool) abi.Chunk {
	c := abi.Chunk{Data: data}
	if taped {
		c.Tape, _ = abi.AppendTape(nil, data)
	}
	return c
}

func streamWith(t *testing.T, d *Dialect, batch int, taped bool, data ...string) string {
	t.Helper()
	var state, events []byte
	var calls abi.ToolCalls
	if batch == 0 {
		batch = len(data) + 1
	}
	for i := 0; i <= len(data); i += batch {
		in := abi.TransformInput{State: state}
		for j := i; j < i+batch && j < len(data); j++ {
			in.Chunks = append(in.Chunks, withTape([]byte(data[j]), taped))
		}
		if i+batch > len(data) {
			in.Flags = abi.FlagEnd
		}
		var out guest.Output
		if err := d.Transform(&in, &out); err != nil {
			t.Fatal(err)
		}
		state = append([]byte(nil), out.State()...)
		events = guesttest.CompleteToolCalls(t, &calls, events, out.Events())
	}
	return string(events)
}

func chunk(delta string, finish string) string {
	f := "null"
	if finish != "" {
		f = `"` + finish + `"`
	}
	return `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m-1","choices":[{"index":0,"delta":` + delta + `,"logprobs":null,"finish_reason":` + f + `}]}`
}

const usageChunk = `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m-1","choices":[],"usage":{"prompt_tokens":20,"completion_tokens":9,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":4,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":3}}}`

func TestTransform(t *testing.T) {
	start := `{"type":"response-start","id":"chatcmpl-1","model":"m-1"}`
	usage := `{"type":"usage","input_tokens":20,"output_tokens":9,"cached_input_tokens":4,"reasoning_tokens":3}`
	tests := []struct {
		name   string
		chunks []string
		want   []string
	}{
		{"text", []string{
			chunk(`{"role":"assistant","content":"","refusal":null}`, ""),
			chunk(`{"content":"Hel"}`, ""),
			chunk(`{"content":"lo \u00e9\n\"x\""}`, ""),
			chunk(`{}`, "stop"), usageChunk, "[DONE]",
		}, []string{start, `{"type":"text-delta","text":"Hel"}`, `{"type":"text-delta","text":"lo é\n\"x\""}`, usage, `{"type":"finish","reason":"stop","raw_reason":"stop"}`}},
		{"parallel tools", []string{
			chunk(`{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get","arguments":""}}]}`, ""),
			chunk(`{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"put","arguments":"{\"k\":"}}]}`, ""),
			chunk(`{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}`, ""),
			chunk(`{"tool_calls":[{"index":1,"function":{"arguments":"1}"}}]}`, ""),
			chunk(`{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}`, ""),
			chunk(`{}`, "tool_calls"), "[DONE]",
		}, []string{start,
			`{"type":"tool-call-start","index":0,"id":"call_a","name":"get"}`,
			`{"type":"tool-call-start","index":1,"id":"call_b","name":"put"}`,
			`{"type":"tool-call-delta","index":1,"arguments":"{\"k\":"}`,
			`{"type":"tool-call-delta","index":0,"arguments":"{\"city\":"}`,
			`{"type":"tool-call-delta","index":1,"arguments":"1}"}`,
			`{"type":"tool-call-delta","index":0,"arguments":"\"Paris\"}"}`,
			`{"type":"tool-call","index":0,"id":"call_a","name":"get","arguments":"{\"city\":\"Paris\"}"}`,
			`{"type":"tool-call","index":1,"id":"call_b","name":"put","arguments":"{\"k\":1}"}`,
			`{"type":"finish","reason":"tool-calls","raw_reason":"tool_calls"}`}},
		{"no-arg tool and stop reason", []string{
			chunk(`{"tool_calls":[{"index":0,"id":"call_z","function":{"name":"now","arguments":""}}]}`, ""),
			chunk(`{}`, "stop"), "[DONE]",
		}, []string{start, `{"type":"tool-call-start","index":0,"id":"call_z","name":"now"}`,
			`{"type":"tool-call","index":0,"id":"call_z","name":"now","arguments":"{}"}`,
			`{"type":"finish","reason":"tool-calls","raw_reason":"stop"}`}},
		{"name arrives late, no id", []string{
			chunk(`{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\""}}]}`, ""),
			chunk(`{"tool_calls":[{"index":0,"function":{"name":"f","arguments":":2}"}}]}`, ""),
			chunk(`{}`, "tool_calls"), "[DONE]",
		}, []string{start, `{"type":"tool-call-start","index":0,"id":"call_0","name":"f"}`,
			`{"type":"tool-call-delta","index":0,"arguments":"{\"a\":2}"}`,
			`{"type":"tool-call","index":0,"id":"call_0","name":"f","arguments":"{\"a\":2}"}`,
			`{"type":"finish","reason":"tool-calls","raw_reason":"tool_calls"}`}},
		{"refusal", []string{
			chunk(`{"role":"assistant","content":null,"refusal":""}`, ""),
			chunk(`{"refusal":"I can't"}`, ""),
			chunk(`{"refusal":" help."}`, ""),
			chunk(`{}`, "stop"), usageChunk, "[DONE]",
		}, []string{start, `{"type":"refusal","text":"I can't","source":"provider"}`, `{"type":"refusal","text":" help.","source":"provider"}`, usage,
			`{"type":"finish","reason":"refusal","raw_reason":"stop"}`}},
		{"length mid tool call", []string{
			chunk(`{"tool_calls":[{"index":0,"id":"call_a","function":{"name":"get","arguments":"{\"q\":\"ab"}}]}`, ""),
			chunk(`{}`, "length"), usageChunk, "[DONE]",
		}, []string{start, `{"type":"tool-call-start","index":0,"id":"call_a","name":"get"}`,
			`{"type":"tool-call-delta","index":0,"arguments":"{\"q\":\"ab"}`,
			`{"type":"error","code":"tool_arguments_invalid","message":"testprov: the arguments of tool call 0 (get) are not a complete JSON object: the output token limit cut them off; raise max_output_tokens and retry","retryable":false}`,
			usage, `{"type":"finish","reason":"length","raw_reason":"length"}`}},
		{"content filter", []string{chunk(`{"content":"x"}`, ""), chunk(`{}`, "content_filter"), "[DONE]"},
			[]string{start, `{"type":"text-delta","text":"x"}`, `{"type":"finish","reason":"content-filter","raw_reason":"content_filter"}`}},
		{"truncated", []string{chunk(`{"content":"x"}`, ""), chunk(`{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":"{}"}},{"index":1,"id":"d","function":{"name":"g","arguments":"{"}}]}`, "")},
			[]string{start, `{"type":"text-delta","text":"x"}`,
				`{"type":"tool-call-start","index":0,"id":"c","name":"f"}`, `{"type":"tool-call-delta","index":0,"arguments":"{}"}`,
				`{"type":"tool-call-start","index":1,"id":"d","name":"g"}`, `{"type":"tool-call-delta","index":1,"arguments":"{"}`,
				`{"type":"tool-call","index":0,"id":"c","name":"f","arguments":"{}"}`,
				`{"type":"error","code":"stream_truncated","message":"testprov: the stream ended before a finish_reason and data: [DONE]: the response is incomplete; retry the request","retryable":true}`}},
		{"finish without done", []string{chunk(`{"content":"x"}`, "stop"), usageChunk},
			[]string{start, `{"type":"text-delta","text":"x"}`, usage,
				`{"type":"error","code":"stream_truncated","message":"testprov: the stream ended before its end marker data: [DONE]: the response is incomplete; retry the request","retryable":true}`}},
		{"error in stream", []string{chunk(`{"content":"x"}`, ""), `{"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}}`, chunk(`{"content":"ignored"}`, "")},
			[]string{start, `{"type":"text-delta","text":"x"}`,
				`{"type":"error","code":"server_error","message":"testprov stream error: The server had an error (type server_error): retry after a delay","retryable":true}`}},
		{"done without finish", []string{chunk(`{"content":"x"}`, ""), "[DONE]"},
			[]string{start, `{"type":"text-delta","text":"x"}`,
				`{"type":"error","code":"stream_truncated","message":"testprov: the stream sent data: [DONE] without a finish_reason: the response is incomplete; retry the request","retryable":true}`}},
		{"malformed chunk", []string{`{"id":"x",`},
			[]string{`{"type":"error","code":"server_error","message":"testprov: a response chunk is not a JSON object (jsonx: malformed JSON at byte 10): the provider sent malformed data; retry the request","retryable":true}`}},
		{"empty first chunk (azure style)", []string{`{"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[]}`, chunk(`{"content":"a"}`, "stop"), "[DONE]"},
			[]string{start, `{"type":"text-delta","text":"a"}`, `{"type":"finish","reason":"stop","raw_reason":"stop"}`}},
	}
	d := testDialect()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := strings.Join(tt.want, "\n") + "\n"
			for _, batch := range []int{1, 2, 0} {
				if got := stream(t, d, batch, tt.chunks...); got != want {
					t.Errorf("batch %d:\ngot\n%swant\n%s", batch, got, want)
				}
			}
		})
	}
}

func TestReasoningFields(t *testing.T) {
	d := testDialect()
	d.ReasoningFields = []string{"reasoning_content"}
	got := stream(t, d, 1, chunk(`{"reasoning_content":"hmm","content":null}`, ""), chunk(`{"content":"ok"}`, "stop"), "[DONE]")
	want := `{"type":"response-start","id":"chatcmpl-1","model":"m-1"}
{"type":"reasoning-delta","text":"hmm"}
{"type":"text-delta","text":"ok"}
{"type":"finish","reason":"stop","raw_reason":"stop"}
`
	if got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
}

func TestBadState(t *testing.T) {
	d := testDialect()
	var out guest.Output
	err := d.Transform(&abi.TransformInput{State: []byte{9, 9, 9}}, &out)
	if abi.CodeOf(err) != abi.CodeInvalidRequest {
		t.Errorf("bad state: err = %v", err)
	}
}

func TestTransformNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector (sync.Pool drops items on purpose)")
	}
	d := testDialect()
	var out guest.Output
	in := abi.TransformInput{Chunks: []abi.Chunk{{Data: []byte(chunk(`{"role":"assistant","content":""}`, ""))}}}
	if err := d.Transform(&in, &out); err != nil {
		t.Fatal(err)
	}
	state := append([]byte(nil), out.State()...)
	text := abi.TransformInput{State: state, Chunks: []abi.Chunk{{Data: []byte(chunk(`{"content":" world"}`, ""))}}}
	tool := abi.TransformInput{State: state, Chunks: []abi.Chunk{{Data: []byte(chunk(`{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":"{\"a\":"}}]}`, ""))}}}
	for _, in := range []*abi.TransformInput{&text, &tool} {
		allocs := testing.AllocsPerRun(200, func() {
			out.Reset()
			if err := d.Transform(in, &out); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("allocations per chunk = %v, want 0", allocs)
		}
	}
}

func BenchmarkTransformChunk(b *testing.B) {
	d := testDialect()
	var out guest.Output
	in := abi.TransformInput{Chunks: []abi.Chunk{{Data: []byte(chunk(`{"role":"assistant","content":""}`, ""))}}}
	_ = d.Transform(&in, &out)
	state := append([]byte(nil), out.State()...)
	data := []byte(`{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4.1-2025-04-14","service_tier":"default","system_fingerprint":"fp_f9f4fb6dbf","choices":[{"index":0,"delta":{"content":" world"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"Ab3"}`)
	in = abi.TransformInput{State: state, Chunks: []abi.Chunk{{Data: data}}}
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		_ = d.Transform(&in, &out)
	}
}

func TestParseResponse(t *testing.T) {
	d := testDialect()
	body := `{"id":"chatcmpl-9","object":"chat.completion","created":1,"model":"m-2","choices":[{"index":0,"message":{"role":"assistant","content":"Hi","refusal":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"a","arguments":"{\"x\":1}"}},{"id":"call_2","type":"function","function":{"name":"b","arguments":""}}]},"logprobs":null,"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}`
	var out guest.Output
	if err := d.ParseResponse(&abi.ResponseInput{Status: 200, Body: []byte(body)}, &out); err != nil {
		t.Fatal(err)
	}
	want := `{"type":"response-start","id":"chatcmpl-9","model":"m-2"}
{"type":"text-delta","text":"Hi"}
{"type":"tool-call-start","index":0,"id":"call_1","name":"a"}
{"type":"tool-call-delta","index":0,"arguments":"{\"x\":1}"}
{"type":"tool-call-start","index":1,"id":"call_2","name":"b"}
{"type":"tool-call","index":0,"id":"call_1","name":"a","arguments":"{\"x\":1}"}
{"type":"tool-call","index":1,"id":"call_2","name":"b","arguments":"{}"}
{"type":"usage","input_tokens":5,"output_tokens":7,"cached_input_tokens":0,"reasoning_tokens":0}
{"type":"finish","reason":"tool-calls","raw_reason":"tool_calls"}
`
	if got := string(out.Events()); got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
}

func TestMapError(t *testing.T) {
	d := testDialect()
	tests := []struct {
		status    int
		body      string
		code      abi.Code
		retryable bool
	}{
		{400, `{"error":{"message":"bad","type":"invalid_request_error","param":"x","code":null}}`, abi.CodeInvalidRequest, false},
		{400, `{"error":{"message":"This model's maximum context length is 8192 tokens","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`, abi.CodeContextLengthExceeded, false},
		{400, `{"error":{"message":"flagged","type":"invalid_request_error","code":"content_policy_violation"}}`, abi.CodeContentFilter, false},
		{401, `{"error":{"message":"Incorrect API key","type":"invalid_request_error","code":"invalid_api_key"}}`, abi.CodeAuthentication, false},
		{403, `{"error":{"message":"no","type":"invalid_request_error","code":"unsupported_country_region_territory"}}`, abi.CodePermission, false},
		{404, `{"error":{"message":"The model x does not exist","type":"invalid_request_error","code":"model_not_found"}}`, abi.CodeNotFound, false},
		{429, `{"error":{"message":"Rate limit","type":"requests","code":"rate_limit_exceeded"}}`, abi.CodeRateLimited, true},
		{429, `{"error":{"message":"quota","type":"insufficient_quota","code":"insufficient_quota"}}`, abi.CodeRateLimited, false},
		{500, `{"error":{"message":"oops","type":"server_error"}}`, abi.CodeServerError, true},
		{502, `<html>Bad gateway</html>`, abi.CodeServerError, true},
		{503, `{"error":{"message":"overloaded","type":"server_error"}}`, abi.CodeOverloaded, true},
		{418, ``, abi.CodeInvalidRequest, false},
	}
	for _, tt := range tests {
		var out guest.Output
		if err := d.MapError(&abi.ResponseInput{Status: uint32(tt.status), Body: []byte(tt.body)}, &out); err != nil {
			t.Fatal(err)
		}
		var ev abi.Event
		if err := json.Unmarshal(out.Events(), &ev); err != nil {
			t.Fatalf("%d: %v in %s", tt.status, err, out.Events())
		}
		if ev.Type != abi.EventError || ev.Code != tt.code || ev.Retryable != tt.retryable || ev.Message == "" {
			t.Errorf("%d %s: got %s", tt.status, tt.body, out.Events())
		}
	}
}

func TestStrictSchema(t *testing.T) {
	tests := []struct {
		in, want, ptr string
		code          abi.Code
	}{
		{`{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer","enum":[1,2]},"c":{"$ref":"#/$defs/x"}},"required":["a"],"$defs":{"x":{"type":"object","properties":{"y":{"type":"array","items":{"type":"object","properties":{"z":{"type":"boolean"}},"required":["z"]}}},"required":["y"]}}}`,
			`{"type":"object","properties":{"a":{"type":"string"},"b":{"type":["integer","null"],"enum":[1,2,null]},"c":{"anyOf":[{"$ref":"#/$defs/x"},{"type":"null"}]}},"required":["a","b","c"],"$defs":{"x":{"type":"object","properties":{"y":{"type":"array","items":{"type":"object","properties":{"z":{"type":"boolean"}},"required":["z"],"additionalProperties":false}}},"required":["y"],"additionalProperties":false}},"additionalProperties":false}`, "", ""},
		{``, `{"type":"object","properties":{},"required":[],"additionalProperties":false}`, "", ""},
		{`{"type":"object","properties":{"a":{"type":"object","additionalProperties":{"type":"string"}}}}`, "", "/p/properties/a/additionalProperties", abi.CodeSchemaUnsupported},
		{`{"type":"object","properties":{"a/b":{"oneOf":[{"type":"string"}]}}}`, "", "/p/properties/a~1b/oneOf", abi.CodeSchemaUnsupported},
		{`{"type":"array"}`, "", "/p/type", abi.CodeSchemaUnsupported},
		{`{"type":"object","properties":{"s":{"type":"string","minLength":2}},"required":["s"]}`, "", "/p/properties/s/minLength", abi.CodeSchemaUnsupported},
		{`{"type":`, "", "/p", abi.CodeInvalidRequest},
	}
	for _, tt := range tests {
		got, err := StrictSchema(json.RawMessage(tt.in), "/p")
		if tt.code != "" {
			var e *abi.Error
			if !errors.As(err, &e) || e.Code != tt.code || e.Pointer != tt.ptr {
				t.Errorf("StrictSchema(%s) err = %v, want %s at %s", tt.in, err, tt.code, tt.ptr)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("StrictSchema(%s)\n got %s %v\nwant %s", tt.in, got, err, tt.want)
		}
	}
}

func TestProject(t *testing.T) {
	d := testDialect()
	temp := 0.5
	max := 100
	req := &abi.Request{Model: "m", Stream: true, Temperature: &temp, MaxOutputTokens: &max,
		Messages: []abi.Message{
			{Role: abi.RoleSystem, Content: abi.Text("Be <brief>.")},
			{Role: abi.RoleUser, Content: []abi.Part{{Type: abi.PartText, Text: "see"}, {Type: abi.PartImage, MediaType: "image/png", Data: "AAAA"}}},
			{Role: abi.RoleAssistant, Content: []abi.Part{{Type: abi.PartReasoning, Text: "secret", Provider: "other"}, {Type: abi.PartToolCall, ID: "t1", Name: "f", Arguments: ""}}},
			{Role: abi.RoleTool, Content: []abi.Part{{Type: abi.PartToolResult, ToolCallID: "t1", Name: "f", Content: "boom", IsError: true}}},
		},
		Tools:           []abi.ToolDefinition{{Name: "f", Parameters: json.RawMessage(`{"type":"object"}`)}},
		ToolChoice:      &abi.ToolChoice{Tool: "f"},
		ProviderOptions: map[string]json.RawMessage{"user": json.RawMessage(`"u1"`)},
	}
	pr, err := d.Project(req)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"model":"m","messages":[{"role":"system","content":"Be <brief>."},{"role":"user","content":[{"type":"text","text":"see"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]},{"role":"assistant","tool_calls":[{"id":"t1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","content":"Error: boom","tool_call_id":"t1"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":{"type":"function","function":{"name":"f"}},"temperature":0.5,"max_completion_tokens":100,"user":"u1","stream":true,"stream_options":{"include_usage":true}}`
	if string(pr.Body) != want || pr.Path != DefaultPath || pr.Method != "POST" || pr.StreamFraming != abi.FramingSSE {
		t.Errorf("got  %s %s %s\nwant %s", pr.Method, pr.Path, pr.Body, want)
	}

	refusals := []struct {
		name string
		mod  func(r *abi.Request)
		code abi.Code
		ptr  string
	}{
		{"temperature on reasoning model", func(r *abi.Request) { r.Model = "think-1" }, abi.CodeCapabilityUnsupported, ""},
		{"image to blind model", func(r *abi.Request) { r.Model = "blind" }, abi.CodeCapabilityUnsupported, ""},
		{"effort on plain model", func(r *abi.Request) { r.Reasoning = &abi.Reasoning{Effort: "low"} }, abi.CodeCapabilityUnsupported, ""},
		{"unknown option", func(r *abi.Request) { r.ProviderOptions = map[string]json.RawMessage{"bogus": json.RawMessage(`1`)} }, abi.CodeInvalidRequest, "/provider_options/bogus"},
		{"option type", func(r *abi.Request) { r.ProviderOptions = map[string]json.RawMessage{"seed": json.RawMessage(`"x"`)} }, abi.CodeInvalidRequest, "/provider_options/seed"},
		{"bad tool name", func(r *abi.Request) { r.Tools = []abi.ToolDefinition{{Name: "a b"}}; r.ToolChoice = nil }, abi.CodeInvalidRequest, "/tools/0/name"},
		{"choice names unknown tool", func(r *abi.Request) { r.ToolChoice = &abi.ToolChoice{Tool: "g"} }, abi.CodeInvalidRequest, "/tool_choice"},
		{"image without data", func(r *abi.Request) { r.Messages[1].Content[1] = abi.Part{Type: abi.PartImage} }, abi.CodeInvalidRequest, "/messages/1/content/1"},
	}
	for _, tt := range refusals {
		r := *req
		r.Messages = append([]abi.Message(nil), req.Messages...)
		r.Messages[1].Content = append([]abi.Part(nil), req.Messages[1].Content...)
		tt.mod(&r)
		_, err := d.Project(&r)
		var e *abi.Error
		if !errors.As(err, &e) || e.Code != tt.code || e.Pointer != tt.ptr {
			t.Errorf("%s: err = %v, want %s at %q", tt.name, err, tt.code, tt.ptr)
		}
	}
	// top_p is stripped on the reasoning model, temperature refused.
	topP := 0.9
	pr, err = d.Project(&abi.Request{Model: "think-1", TopP: &topP, Reasoning: &abi.Reasoning{Effort: "high"}, Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("hi")}}})
	if err != nil || string(pr.Body) != `{"model":"think-1","messages":[{"role":"user","content":"hi"}],"reasoning_effort":"high"}` || pr.StreamFraming != abi.FramingNone {
		t.Errorf("reasoning model: %s %v", pr.Body, err)
	}
}

// BenchmarkDispatchChunk is one typical chunk through the Dispatcher the
// wasip1 exports use (envelope decode, state, events, result), reading the
// chunk's bytes (bytes) or the host's tape (tape); tape-host adds the
// host's cost of building the taped envelope.
func BenchmarkDispatchChunk(b *testing.B) {
	data := []byte(`{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4.1-2025-04-14","service_tier":"default","system_fingerprint":"fp_f9f4fb6dbf","choices":[{"index":0,"delta":{"content":" world"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"Ab3"}`)
	d := guest.NewDispatcher(New(testDialect()))
	first := d.Transform(abi.AppendTransformInput(nil, &abi.TransformInput{Chunks: []abi.Chunk{{Data: data}}}))
	st, _, err := abi.DecodeTransformOutput(first[1:])
	if err != nil {
		b.Fatal(err)
	}
	in := abi.TransformInput{State: bytes.Clone(st), Chunks: []abi.Chunk{{Data: data}}}
	plain := abi.AppendTransformInput(nil, &in)
	taped := abi.AppendTransformInputTaped(nil, &in)
	b.Run("bytes", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d.Transform(plain)
		}
	})
	b.Run("tape", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d.Transform(taped)
		}
	})
	b.Run("tape-host", func(b *testing.B) {
		var env []byte
		b.ReportAllocs()
		for b.Loop() {
			env = abi.AppendTransformInputTaped(env[:0], &in)
		}
	})
}

// TestTransformReadsTape proves the transform walks the host's tape, not
// the bytes, when a chunk carries one: a tape that (falsely) marks the
// content as a number silences the text-delta the bytes would give.
func TestTransformReadsTape(t *testing.T) {
	data := []byte(chunk(`{"content":"hi"}`, ""))
	tape, ok := abi.AppendTape(nil, data)
	if !ok {
		t.Fatal("no tape")
	}
	run := func(tape []byte) string {
		var out guest.Output
		if err := testDialect().Transform(&abi.TransformInput{Chunks: []abi.Chunk{{Data: data, Tape: tape}}}, &out); err != nil {
			t.Fatal(err)
		}
		return string(out.Events())
	}
	if got := run(tape); !strings.Contains(got, `"text-delta","text":"hi"`) {
		t.Fatalf("taped chunk: %s", got)
	}
	at := bytes.Index(data, []byte(`"hi"`))
	forged := bytes.Clone(tape)
	for i := 0; i < len(forged); i += abi.TapeEntrySize {
		w0 := binary.LittleEndian.Uint32(forged[i:])
		if w0&abi.TapeOffsetMask == uint32(at) {
			binary.LittleEndian.PutUint32(forged[i:], uint32(abi.TapeNumber)<<28|uint32(at))
		}
	}
	if got := run(forged); strings.Contains(got, "text-delta") {
		t.Errorf("the transform read the bytes, not the tape: %s", got)
	}
}

// TestPass: a bare key takes its types from OptionKinds, "key:kind|kind"
// states its own; either way the value is checked and passed on as is.
func TestPass(t *testing.T) {
	tests := []struct {
		entry, value string
		ok           bool
	}{
		{"seed", `7`, true},
		{"seed", `1.5`, false},
		{"logprobs", `true`, true},
		{"logprobs", `3`, false},
		{"logprobs:integer", `3`, true},
		{"logprobs:integer", `true`, false},
		{"logprobs:boolean|integer", `true`, true},
		{"logprobs:boolean|integer", `3`, true},
		{"top_k", `40`, true},
		{"min_p", `0.05`, true},
		{"logit_bias", `{"1":2}`, true},
		{"logit_bias", `[1]`, false},
		{"thinking:object", `{"type":"enabled"}`, true},
		{"thinking:object", `"on"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.entry+"="+tt.value, func(t *testing.T) {
			opts := Pass(tt.entry)
			key, _, _ := strings.Cut(tt.entry, ":")
			if len(opts) != 1 || opts[0].Key != key {
				t.Fatalf("Pass(%q) = %d options, key %q; want one, key %q", tt.entry, len(opts), opts[0].Key, key)
			}
			var body Body
			err := opts[0].Apply(json.RawMessage(tt.value), &body)
			if (err == nil) != tt.ok {
				t.Fatalf("Apply(%s) error = %v, want ok %v", tt.value, err, tt.ok)
			}
			if got, set := body.Get(key); tt.ok && (!set || string(got) != tt.value) {
				t.Errorf("body %s = %s (set %v), want %s", key, got, set, tt.value)
			}
		})
	}
}

// TestPassUnknownBareKey: a bare key without an OptionKinds entry is a
// programming error, caught when the dialect is built.
func TestPassUnknownBareKey(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "random_seed") {
			t.Fatalf("recovered %v, want a panic naming random_seed", r)
		}
	}()
	Pass("seed", "random_seed")
}

// TestUnknownOptionListsKnownSorted: the unknown-option error lists the
// dialect's options sorted, as Capabilities does, whatever their order in
// Dialect.Options.
func TestUnknownOptionListsKnownSorted(t *testing.T) {
	d := testDialect()
	d.Options = append(Pass("user", "seed"), PassThrough("app", "string"))
	_, err := guesttest.Project(t, New(d), `{"model":"m","messages":[{"role":"user","content":"hi"}],"provider_options":{"bogus":1}}`)
	var e *abi.Error
	if !errors.As(err, &e) || e.Code != abi.CodeInvalidRequest || !strings.HasSuffix(e.Message, "known options are app, seed, user") {
		t.Fatalf("error = %v, want invalid_request listing app, seed, user", err)
	}
}

// TestInlinePDF: OpenAI's APIs take an inline file as a PDF data URL with
// a file name (document.pdf when the part has none); another media type is
// refused at its pointer, naming the API.
func TestInlinePDF(t *testing.T) {
	for _, tt := range []struct {
		part           abi.Part
		filename, data string
		refused        bool
	}{
		{abi.Part{MediaType: abi.MediaTypePDF, Data: "JVBE", Filename: "a.pdf"}, "a.pdf", "data:application/pdf;base64,JVBE", false},
		{abi.Part{MediaType: abi.MediaTypePDF, Data: "JVBE"}, "document.pdf", "data:application/pdf;base64,JVBE", false},
		{abi.Part{MediaType: "text/plain", Data: "aGk="}, "", "", true},
	} {
		name, data, err := InlinePDF(&tt.part, "/messages/0/content/1", "The API")
		var e *abi.Error
		if tt.refused {
			if !errors.As(err, &e) || e.Code != abi.CodeCapabilityUnsupported || e.Pointer != "/messages/0/content/1/media_type" || !strings.HasPrefix(e.Message, "The API takes inline files as PDF") {
				t.Errorf("%s: error %v, want capability_unsupported at media_type naming the API", tt.part.MediaType, err)
			}
			continue
		}
		if err != nil || name != tt.filename || data != tt.data {
			t.Errorf("InlinePDF(%+v) = %q, %q, %v; want %q, %q", tt.part, name, data, err, tt.filename, tt.data)
		}
	}
}
