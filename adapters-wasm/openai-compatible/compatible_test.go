package openaicompatible

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

func TestParseModel(t *testing.T) {
	tests := []struct {
		in, base         string
		emulated, noAuth bool
	}{
		{"llama3", "llama3", false, false},
		{"llama3+emulated-tools", "llama3", true, false},
		{"llama3:8b+emulated-tools+no-auth", "llama3:8b", true, true},
		{"m+no-auth+emulated-tools", "m", true, true},
		{"+emulated-tools", "+emulated-tools", false, false},
		{"a+b", "a+b", false, false},
	}
	for _, tt := range tests {
		base, e, n := ParseModel(tt.in)
		if base != tt.base || e != tt.emulated || n != tt.noAuth {
			t.Errorf("ParseModel(%q) = %q %v %v, want %q %v %v", tt.in, base, e, n, tt.base, tt.emulated, tt.noAuth)
		}
	}
}

func TestCapabilities(t *testing.T) {
	a := New()
	// The module knows no model: plain text, source unknown.
	c := a.Capabilities("qwen3")
	if c.Features != abi.PlainTextFeatures() || c.Auth.Scheme != abi.AuthBearer || c.DefaultBaseURL != "" || c.StateFormat != StateFormat {
		t.Errorf("plain: %+v", c)
	}
	c = a.Capabilities("qwen3+emulated-tools+no-auth")
	if c.Features.ToolCalling != abi.SupportEmulated || c.Auth.Scheme != abi.AuthNone {
		t.Errorf("suffixed: %+v", c)
	}
}

func TestParseReply(t *testing.T) {
	tools := [][]byte{[]byte("a"), []byte("b")}
	tests := []struct {
		name, reply string
		v           verdict
		calls       int
		reason      string
	}{
		{"one call", `{"tool_calls":[{"name":"a","arguments":{"x":1}}]}`, verdictToolCalls, 1, ""},
		{"two calls, whitespace", " \n{\"tool_calls\": [ {\"name\":\"a\",\"arguments\":{}}, {\"arguments\":{\"y\":[1]},\"name\":\"b\"} ]}\n", verdictToolCalls, 2, ""},
		{"fenced", "```json\n{\"tool_calls\":[{\"name\":\"b\",\"arguments\":{}}]}\n```", verdictToolCalls, 1, ""},
		{"plain JSON answer", `{"answer":42}`, verdictText, 0, ""},
		{"not JSON, no envelope", `{ this is prose`, verdictText, 0, ""},
		{"fence without envelope", "```go\nfmt.Println()\n```", verdictText, 0, ""},
		{"invalid JSON envelope", `{"tool_calls":[{"name":"a","arguments":{}}`, verdictMalformed, 0, "not one valid JSON object"},
		{"trailing prose", `{"tool_calls":[{"name":"a","arguments":{}}]} done`, verdictMalformed, 0, "not one valid JSON object"},
		{"unknown tool", `{"tool_calls":[{"name":"c","arguments":{}}]}`, verdictMalformed, 0, "unknown tool"},
		{"string arguments", `{"tool_calls":[{"name":"a","arguments":"{}"}]}`, verdictMalformed, 0, "not a JSON object"},
		{"missing arguments", `{"tool_calls":[{"name":"a"}]}`, verdictMalformed, 0, "needs name and arguments"},
		{"extra call key", `{"tool_calls":[{"name":"a","arguments":{},"id":"1"}]}`, verdictMalformed, 0, "unexpected key"},
		{"extra top key", `{"tool_calls":[{"name":"a","arguments":{}}],"text":"hi"}`, verdictMalformed, 0, "beside tool_calls"},
		{"empty list", `{"tool_calls":[]}`, verdictMalformed, 0, "empty"},
		{"not a list", `{"tool_calls":{"name":"a"}}`, verdictMalformed, 0, "not an array"},
		{"name not a string", `{"tool_calls":[{"name":1,"arguments":{}}]}`, verdictMalformed, 0, "not a string"},
		{"unclosed fence", "```json\n{\"tool_calls\":[]}", verdictMalformed, 0, "fence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls, v, reason := parseReply([]byte(tt.reply), tools)
			if v != tt.v || len(calls) != tt.calls || !strings.Contains(reason, tt.reason) {
				t.Errorf("got %v %d calls %q, want %v %d %q", v, len(calls), reason, tt.v, tt.calls, tt.reason)
			}
		})
	}
}

// stream replays SSE data payloads through Transform one chunk per call,
// the context on the first call, then FlagEnd.
func stream(t *testing.T, ctx string, data ...string) string {
	t.Helper()
	a := New()
	var state []byte
	var events strings.Builder
	for i := 0; i <= len(data); i++ {
		var out guest.Output
		in := &abi.TransformInput{State: state}
		if len(state) == 0 {
			in.Context = []byte(ctx)
		}
		if i < len(data) {
			in.Chunks = []abi.Chunk{{Data: []byte(data[i])}}
		} else {
			in.Flags = abi.FlagEnd
		}
		if err := a.Transform(in, &out); err != nil {
			t.Fatal(err)
		}
		state = append([]byte(nil), out.State()...)
		events.WriteString(string(out.Events()))
	}
	return events.String()
}

func content(s string) string {
	b, _ := json.Marshal(s)
	return `{"id":"r","model":"m","choices":[{"index":0,"delta":{"content":` + string(b) + `}}]}`
}

const stop = `{"id":"r","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`

func TestTransform(t *testing.T) {
	start := `{"type":"response-start","id":"r","model":"m"}` + "\n"
	emu := `{"model":"m","tools":[{"name":"f"}],"provider_options":{"tool_mode":"emulated"}}`
	tests := []struct {
		name, ctx string
		data      []string
		want      string
	}{
		{"start in reasoning", `{"model":"m","provider_options":{"think_start_in_reasoning":true}}`,
			[]string{content("plan</th"), content("ink>ok"), stop, "[DONE]"},
			start + `{"type":"reasoning-delta","text":"plan"}` + "\n" + `{"type":"text-delta","text":"ok"}` + "\n" + `{"type":"finish","reason":"stop","raw_reason":"stop"}` + "\n"},
		{"not a tag", "", []string{content("<thin"), content("g> x"), stop, "[DONE]"},
			start + `{"type":"text-delta","text":"<thin"}` + "\n" + `{"type":"text-delta","text":"g> x"}` + "\n" + `{"type":"finish","reason":"stop","raw_reason":"stop"}` + "\n"},
		{"unclosed think at truncation", "", []string{content("<think>hmm")},
			start + `{"type":"reasoning-delta","text":"hmm"}` + "\n" +
				`{"type":"error","code":"stream_truncated","message":"openai-compatible: the stream ended before a finish_reason and data: [DONE]: the response is incomplete; retry the request","retryable":true}` + "\n"},
		{"emulated truncated envelope is dropped", emu, []string{content(`{"tool_calls":[{"name":"f",`)},
			start + `{"type":"error","code":"stream_truncated","message":"openai-compatible: the stream ended before a finish_reason and data: [DONE]: the response is incomplete; retry the request","retryable":true}` + "\n"},
		{"emulated truncated prose is kept", emu, []string{content(`{ not an envelope`)},
			start + `{"type":"text-delta","text":"{ not an envelope"}` + "\n" +
				`{"type":"error","code":"stream_truncated","message":"openai-compatible: the stream ended before a finish_reason and data: [DONE]: the response is incomplete; retry the request","retryable":true}` + "\n"},
		{"emulated JSON answer is text", emu, []string{content(`{"a":`), content(`1}`), stop, "[DONE]"},
			start + `{"type":"text-delta","text":"{\"a\":1}"}` + "\n" + `{"type":"finish","reason":"stop","raw_reason":"stop"}` + "\n"},
		{"emulated cut by length", emu, []string{content(`{"tool_calls":[{"name":"f","argu`), `{"id":"r","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"length"}]}`, "[DONE]"},
			start + `{"type":"error","code":"emulation_parse_failed","message":"openai-compatible: the model's emulated tool call could not be parsed: the reply is not one valid JSON object (the output token limit cut the reply off: raise max_output_tokens); the reply was 32 bytes; retry, or use a model with native tool calling","retryable":false}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stream(t, tt.ctx, tt.data...); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestParseResponseEmulated: a whole response in emulated mode gives the
// same tool calls a stream would.
func TestParseResponseEmulated(t *testing.T) {
	body := `{"id":"r","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"{\"tool_calls\":[{\"name\":\"f\",\"arguments\":{\"q\":\"x\"}}]}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":4}}`
	var out guest.Output
	err := New().ParseResponse(&abi.ResponseInput{Status: 200, Context: []byte(`{"model":"m+emulated-tools","tools":[{"name":"f"}]}`), Body: []byte(body)}, &out)
	if err != nil {
		t.Fatal(err)
	}
	got := string(out.Events())
	want := []string{`"type":"response-start"`, `"type":"tool-call","index":0,"id":"call_`, `"name":"f","arguments":"{\"q\":\"x\"}"`, `"type":"usage","input_tokens":3`, `"type":"finish","reason":"tool-calls","raw_reason":"stop"`}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("events lack %s:\n%s", w, got)
		}
	}
	if strings.Contains(got, "text-delta") {
		t.Errorf("the envelope leaked as text:\n%s", got)
	}
}

func TestProjectEmulatedChoiceNone(t *testing.T) {
	var r abi.Request
	js := `{"model":"m+emulated-tools","messages":[{"role":"user","content":"x"}],"tools":[{"name":"f"}],"tool_choice":"none"}`
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatal(err)
	}
	pr, err := New().Project(&r)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(pr.Body), "tool_calls") || strings.Contains(string(pr.Body), `"tools"`) {
		t.Errorf("tool_choice none still offers tools: %s", pr.Body)
	}
}
