package anthropic

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

const (
	msgStart = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":10,\"cache_creation_input_tokens\":3,\"cache_read_input_tokens\":5,\"output_tokens\":1}}   }\n\n"
	msgStop  = "event: message_stop\ndata: {\"type\":\"message_stop\"         }\n\n"
	evStart  = `{"type":"response-start","id":"msg_1","model":"claude-sonnet-4-5"}`
)

func msgDelta(stop string, out int) string {
	return "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + stop + "\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + itoa(out) + "}}\n\n"
}

func usageLine(out int) string {
	return `{"type":"usage","input_tokens":18,"output_tokens":` + itoa(out) + `,"cached_input_tokens":5,"reasoning_tokens":0,"cache_write_input_tokens":3}`
}

func TestTransform(t *testing.T) {
	tests := []struct {
		name, ctx, body string
		want            string
	}{
		{"text with ping and padding; cache tokens folded into input", "",
			msgStart +
				"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n" +
				"event: ping\ndata: {\"type\": \"ping\"}\n\n" +
				"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hel\"}}     \n\n" +
				"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"lo \\u00e9\\n\"}}\n\n" +
				"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n" +
				msgDelta("end_turn", 7) + msgStop,
			lines(evStart, `{"type":"text-delta","text":"Hel"}`, `{"type":"text-delta","text":"lo é\n"}`, usageLine(7), `{"type":"finish","reason":"stop","raw_reason":"end_turn"}`)},
		{"thinking, signature, redacted thinking, then parallel tool calls", "",
			msgStart +
				"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}\n\n" +
				"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"hmm\"}}\n\n" +
				"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"SIG==\"}}\n\n" +
				"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n" +
				"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"redacted_thinking\",\"data\":\"ENC\"}}\n\n" +
				"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n" +
				"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_a\",\"name\":\"get\",\"input\":{}}}\n\n" +
				"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}\n\n" +
				"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \"}}\n\n" +
				"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"Paris\\\"}\"}}\n\n" +
				"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":2}\n\n" +
				"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":3,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_b\",\"name\":\"now\",\"input\":{}}}\n\n" +
				"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":3}\n\n" +
				msgDelta("tool_use", 40) + msgStop,
			lines(evStart,
				`{"type":"reasoning-delta","text":"hmm"}`, `{"type":"reasoning-signature","signature":"SIG=="}`,
				`{"type":"reasoning-redacted","data":"ENC"}`,
				`{"type":"tool-call-start","index":0,"id":"toolu_a","name":"get"}`,
				`{"type":"tool-call-delta","index":0,"arguments":"{\"city\": "}`,
				`{"type":"tool-call-delta","index":0,"arguments":"\"Paris\"}"}`,
				`{"type":"tool-call","index":0,"id":"toolu_a","name":"get","arguments":"{\"city\": \"Paris\"}"}`,
				`{"type":"tool-call-start","index":1,"id":"toolu_b","name":"now"}`,
				`{"type":"tool-call","index":1,"id":"toolu_b","name":"now","arguments":"{}"}`,
				usageLine(40), `{"type":"finish","reason":"tool-calls","raw_reason":"tool_use"}`)},
		{"max_tokens cuts a tool call: arguments reported invalid, finish length", "",
			msgStart +
				"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_a\",\"name\":\"get\",\"input\":{}}}\n\n" +
				"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"ci\"}}\n\n" +
				"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n" +
				msgDelta("max_tokens", 5) + msgStop,
			lines(evStart, `{"type":"tool-call-start","index":0,"id":"toolu_a","name":"get"}`, `{"type":"tool-call-delta","index":0,"arguments":"{\"ci"}`,
				`{"type":"error","code":"tool_arguments_invalid","message":"anthropic: the arguments of tool call \"toolu_a\" (get) are not a complete JSON object; the call was probably cut off by max_tokens","retryable":false}`,
				usageLine(5), `{"type":"finish","reason":"length","raw_reason":"max_tokens"}`)},
		{"refusal stop reason without details", "",
			msgStart + msgDelta("refusal", 2) + msgStop,
			lines(evStart, usageLine(2), `{"type":"refusal","text":"","source":"provider"}`, `{"type":"finish","reason":"refusal","raw_reason":"refusal"}`)},
		{"refusal with stop_details explanation", "",
			msgStart + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"refusal\",\"stop_sequence\":null,\"stop_details\":{\"type\":\"refusal\",\"category\":\"cyber\",\"explanation\":\"Declined: cyber harm.\"}},\"usage\":{\"output_tokens\":2}}\n\n" + msgStop,
			lines(evStart, usageLine(2), `{"type":"refusal","text":"Declined: cyber harm.","source":"provider"}`, `{"type":"finish","reason":"refusal","raw_reason":"refusal"}`)},
		{"pause_turn and context window", "",
			msgStart + msgDelta("pause_turn", 2) + msgStop,
			lines(evStart, usageLine(2), `{"type":"finish","reason":"pause","raw_reason":"pause_turn"}`)},
		{"overloaded error mid-stream ends the stream", "",
			msgStart + "event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}\n\n",
			lines(evStart, `{"type":"error","code":"overloaded","message":"anthropic: overloaded_error: Overloaded","retryable":true}`)},
		{"truncated before message_stop", "",
			msgStart + msgDelta("end_turn", 3),
			lines(evStart, `{"type":"error","code":"stream_truncated","message":"anthropic: the stream ended before message_stop; the response is incomplete: retry the request","retryable":true}`)},
		{"emulated structured output: the forced tool's input is text", `{"model":"claude-3-5-haiku-latest","response_format":{"type":"json_schema","name":"person","schema":{"type":"object"}}}`,
			msgStart +
				"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_j\",\"name\":\"person\",\"input\":{}}}\n\n" +
				"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"name\\\":\"}}\n\n" +
				"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"Ada\\\"}\"}}\n\n" +
				"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n" +
				msgDelta("tool_use", 9) + msgStop,
			lines(evStart, `{"type":"text-delta","text":"{\"name\":"}`, `{"type":"text-delta","text":"\"Ada\"}"}`, usageLine(9), `{"type":"finish","reason":"stop","raw_reason":"tool_use"}`)},
		{"a server tool call is a server-tool-call event, not a client tool call; unknown events are skipped", "",
			msgStart +
				"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"server_tool_use\",\"id\":\"srvtoolu_1\",\"name\":\"web_search\",\"input\":{}}}\n\n" +
				"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"query\\\":\\\"x\\\"}\"}}\n\n" +
				"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n" +
				"event: future_event\ndata: {\"type\":\"future_event\",\"x\":1}\n\n" +
				msgDelta("end_turn", 4) + msgStop,
			lines(evStart, `{"type":"server-tool-call","id":"srvtoolu_1","name":"web_search","input":"{\"query\":\"x\"}"}`, usageLine(4), `{"type":"finish","reason":"stop","raw_reason":"end_turn"}`)},
		{"message_start carrying a whole tool_use block and a stop_reason", "",
			"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-sonnet-4-5\",\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_p\",\"name\":\"get\",\"input\":{\"q\":1}}],\"stop_reason\":\"tool_use\",\"usage\":{\"input_tokens\":10,\"cache_creation_input_tokens\":3,\"cache_read_input_tokens\":5,\"output_tokens\":6}}}\n\n" +
				msgStop,
			lines(evStart, `{"type":"tool-call-start","index":0,"id":"toolu_p","name":"get"}`, `{"type":"tool-call-delta","index":0,"arguments":"{\"q\":1}"}`,
				`{"type":"tool-call","index":0,"id":"toolu_p","name":"get","arguments":"{\"q\":1}"}`,
				usageLine(6), `{"type":"finish","reason":"tool-calls","raw_reason":"tool_use"}`)},
		{"a second message_start is a malformed stream", "",
			msgStart + msgStart + msgDelta("end_turn", 2) + msgStop,
			lines(evStart, `{"type":"error","code":"server_error","message":"anthropic: malformed stream event: a second message_start in one stream","retryable":false}`)},
		{"text blocks around thinking are separated; adjacent text blocks are not", "",
			msgStart +
				"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"a\"}}\n\n" +
				"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"b\"}}\n\n" +
				"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"t\"}}\n\n" +
				"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":3,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n" +
				"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":3,\"delta\":{\"type\":\"text_delta\",\"text\":\"c\"}}\n\n" +
				msgDelta("end_turn", 4) + msgStop,
			lines(evStart, `{"type":"text-delta","text":"a"}`, `{"type":"text-delta","text":"b"}`, `{"type":"reasoning-delta","text":"t"}`,
				`{"type":"text-delta","text":"\n\n"}`, `{"type":"text-delta","text":"c"}`,
				usageLine(4), `{"type":"finish","reason":"stop","raw_reason":"end_turn"}`)},
		{"malformed data", "",
			msgStart + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\n\n",
			lines(evStart, `{"type":"error","code":"server_error","message":"anthropic: malformed stream event: data is not a JSON object: \"{\\\"type\\\":\\\"content_block_delta\\\",\"","retryable":false}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runBoth(t, tt.ctx, sse(t, tt.body))
			if got != tt.want {
				t.Errorf("events\n got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestTransformBadState(t *testing.T) {
	var out guest.Output
	err := New().Transform(&abi.TransformInput{State: []byte{9, 9}}, &out)
	if err == nil {
		t.Fatal("a corrupt state was accepted")
	}
}

func TestParseResponse(t *testing.T) {
	tests := []struct{ name, ctx, body, want string }{
		{"text, thinking, tool use (pretty input compacted)", "",
			`{"id":"msg_2","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[
			  {"type":"thinking","thinking":"plan","signature":"S"},
			  {"type":"redacted_thinking","data":"R"},
			  {"type":"text","text":"Let me check."},
			  {"type":"tool_use","id":"toolu_1","name":"get","input":{ "city": "Paris, FR" }},
			  {"type":"tool_use","id":"toolu_2","name":"now","input":{}}],
			  "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":4,"cache_read_input_tokens":6,"cache_creation_input_tokens":0,"output_tokens":12}}`,
			lines(`{"type":"response-start","id":"msg_2","model":"claude-sonnet-4-5"}`,
				`{"type":"reasoning-delta","text":"plan"}`, `{"type":"reasoning-signature","signature":"S"}`, `{"type":"reasoning-redacted","data":"R"}`,
				`{"type":"text-delta","text":"Let me check."}`,
				`{"type":"tool-call-start","index":0,"id":"toolu_1","name":"get"}`,
				`{"type":"tool-call-delta","index":0,"arguments":"{\"city\":\"Paris, FR\"}"}`,
				`{"type":"tool-call","index":0,"id":"toolu_1","name":"get","arguments":"{\"city\":\"Paris, FR\"}"}`,
				`{"type":"tool-call-start","index":1,"id":"toolu_2","name":"now"}`,
				`{"type":"tool-call","index":1,"id":"toolu_2","name":"now","arguments":"{}"}`,
				`{"type":"usage","input_tokens":10,"output_tokens":12,"cached_input_tokens":6,"reasoning_tokens":0}`,
				`{"type":"finish","reason":"tool-calls","raw_reason":"tool_use"}`)},
		{"emulated structured output", `{"model":"claude-3-haiku-20240307","response_format":{"type":"json_schema","schema":{"type":"object"}}}`,
			`{"id":"msg_3","model":"claude-3-haiku-20240307","content":[{"type":"tool_use","id":"toolu_9","name":"json_response","input":{"a":[1, 2]}}],"stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":2}}`,
			lines(`{"type":"response-start","id":"msg_3","model":"claude-3-haiku-20240307"}`, `{"type":"text-delta","text":"{\"a\":[1,2]}"}`,
				`{"type":"usage","input_tokens":1,"output_tokens":2,"cached_input_tokens":0,"reasoning_tokens":0}`, `{"type":"finish","reason":"stop","raw_reason":"tool_use"}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out guest.Output
			if err := New().ParseResponse(&abi.ResponseInput{Status: 200, Context: []byte(tt.ctx), Body: []byte(tt.body)}, &out); err != nil {
				t.Fatal(err)
			}
			if got := string(out.Events()); got != tt.want {
				t.Errorf("events\n got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestMapError(t *testing.T) {
	guesttest.MapErrors(t, New(), []guesttest.ErrorCase{
		{Status: 400, Body: `{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"},"request_id":"req_1"}`, Code: abi.CodeInvalidRequest},
		{Status: 400, Body: `{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 210000 tokens > 200000 maximum"}}`, Code: abi.CodeContextLengthExceeded},
		{Status: 401, Body: `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`, Code: abi.CodeAuthentication},
		{Status: 403, Body: `{"type":"error","error":{"type":"permission_error","message":"no"}}`, Code: abi.CodePermission},
		{Status: 404, Body: `{"type":"error","error":{"type":"not_found_error","message":"model: x"}}`, Code: abi.CodeNotFound},
		{Status: 413, Body: `{"type":"error","error":{"type":"request_too_large","message":"too big"}}`, Code: abi.CodeInvalidRequest},
		{Status: 429, Body: `{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}`, Code: abi.CodeRateLimited, Retryable: true},
		{Status: 500, Body: `{"type":"error","error":{"type":"api_error","message":"oops"}}`, Code: abi.CodeServerError, Retryable: true},
		{Status: 529, Body: `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, Code: abi.CodeOverloaded, Retryable: true},
		{Status: 502, Body: `<html>bad gateway</html>`, Code: abi.CodeServerError, Retryable: true},
		{Status: 529, Body: ``, Code: abi.CodeOverloaded, Retryable: true},
	})
}
