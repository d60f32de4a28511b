package bedrock

import (
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
	"github.com/wasmadapt/wasmadapt/guest/toolid"
)

func TestProject(t *testing.T) {
	tests := []struct {
		name, req, path, framing, want string
	}{
		{"stream: model ID path-escaped, inference profile",
			`{"model":"us.anthropic.claude-sonnet-4-5-20250929-v1:0","stream":true,"max_output_tokens":300,"temperature":0.3,"stop":["X"],"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]}`,
			"/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse-stream", abi.FramingAWSEventStream,
			`{"messages":[{"role":"user","content":[{"text":"Hi"}]}],"system":[{"text":"Be brief."}],"inferenceConfig":{"maxTokens":300,"temperature":0.3,"stopSequences":["X"]}}`},
		{"whole response: ARN escaped",
			`{"model":"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0","messages":[{"role":"user","content":"Hi"}]}`,
			"/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.amazon.nova-pro-v1%3A0/converse", abi.FramingNone,
			`{"messages":[{"role":"user","content":[{"text":"Hi"}]}]}`},
		{"tools, forced tool, images, tool round trip with sanitized IDs",
			`{"model":"anthropic.claude-3-5-sonnet-20240620-v1:0","tools":[{"name":"get","description":"d","parameters":{"type":"object","properties":{"c":{"type":"string"}}}}],"tool_choice":{"tool":"get"},"messages":[
			  {"role":"user","content":[{"type":"text","text":"look"},{"type":"image","media_type":"image/jpeg","data":"/9j/"}]},
			  {"role":"assistant","content":[{"type":"reasoning","text":"other","signature":"x","provider":"anthropic"},{"type":"tool-call","id":"call:1","name":"get","arguments":"{\"c\": \"a\"}"}]},
			  {"role":"tool","content":[{"type":"tool-result","tool_call_id":"call:1","content":"ok"}]},
			  {"role":"tool","content":[]},
			  {"role":"user","content":"thanks"}]}`,
			"/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse", abi.FramingNone,
			`{"messages":[
			  {"role":"user","content":[{"text":"look"},{"image":{"format":"jpeg","source":{"bytes":"/9j/"}}}]},
			  {"role":"assistant","content":[{"toolUse":{"toolUseId":"` + idRule.Rewrite("call:1", 0) + `","name":"get","input":{"c":"a"}}}]},
			  {"role":"user","content":[{"toolResult":{"toolUseId":"` + idRule.Rewrite("call:1", 0) + `","content":[{"text":"ok"}]}},{"text":"thanks"}]}],
			 "toolConfig":{"tools":[{"toolSpec":{"name":"get","description":"d","inputSchema":{"json":{"type":"object","properties":{"c":{"type":"string"}}}}}}],"toolChoice":{"tool":{"name":"get"}}}}`},
		{"reasoning echoed from bedrock only; thinking budget in additionalModelRequestFields",
			`{"model":"us.anthropic.claude-sonnet-4-20250514-v1:0","reasoning":{"budget_tokens":2048},"messages":[
			  {"role":"user","content":"q"},
			  {"role":"assistant","content":[{"type":"reasoning","text":"t","signature":"S","provider":"bedrock"},{"type":"reasoning","redacted":"UkVE","provider":"bedrock"},{"type":"reasoning","text":"t2","signature":"S2","provider":"anthropic"},{"type":"text","text":"a"}]},
			  {"role":"user","content":"more"}]}`,
			"/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/converse", abi.FramingNone,
			`{"messages":[{"role":"user","content":[{"text":"q"}]},{"role":"assistant","content":[{"reasoningContent":{"reasoningText":{"text":"t","signature":"S"}}},{"reasoningContent":{"redactedContent":"UkVE"}},{"text":"a"}]},{"role":"user","content":[{"text":"more"}]}],
			  "inferenceConfig":{"maxTokens":64000},"additionalModelRequestFields":{"thinking":{"type":"enabled","budget_tokens":2048}}}`},
		{"native structured output on Claude 4.5",
			`{"model":"global.anthropic.claude-haiku-4-5-20251001-v1:0","response_format":{"type":"json_schema","name":"p","schema":{"type":"object","properties":{"a":{"type":"string"}}}},"messages":[{"role":"user","content":"q"}]}`,
			"/model/global.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse", abi.FramingNone,
			`{"messages":[{"role":"user","content":[{"text":"q"}]}],"outputConfig":{"textFormat":{"type":"json_schema","structure":{"jsonSchema":{"schema":"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},\"additionalProperties\":false}","name":"p"}}}}}`},
		{"emulated structured output on Nova: one forced tool",
			`{"model":"us.amazon.nova-micro-v1:0","response_format":{"type":"json_schema","schema":{"type":"object"}},"provider_options":{"guardrail_config":{"guardrailIdentifier":"g","guardrailVersion":"1"},"additional_model_request_fields":{"inferenceConfig":{"topK":20}}},"messages":[{"role":"user","content":"q"}]}`,
			"/model/us.amazon.nova-micro-v1%3A0/converse", abi.FramingNone,
			`{"messages":[{"role":"user","content":[{"text":"q"}]}],"toolConfig":{"tools":[{"toolSpec":{"name":"json_response","description":"Respond with a JSON object that matches this schema.","inputSchema":{"json":{"type":"object"}}}}],"toolChoice":{"tool":{"name":"json_response"}}},
			  "additionalModelRequestFields":{"inferenceConfig":{"topK":20}},"guardrailConfig":{"guardrailIdentifier":"g","guardrailVersion":"1"}}`},
		{"adaptive thinking on Claude Opus 4.6: thinking and output_config.effort in additionalModelRequestFields",
			`{"model":"global.anthropic.claude-opus-4-6-v1","stream":true,"max_output_tokens":16000,"reasoning":{"effort":"minimal"},"messages":[{"role":"user","content":"q"}]}`,
			"/model/global.anthropic.claude-opus-4-6-v1/converse-stream", abi.FramingAWSEventStream,
			`{"messages":[{"role":"user","content":[{"text":"q"}]}],"inferenceConfig":{"maxTokens":16000},"additionalModelRequestFields":{"output_config":{"effort":"low"},"thinking":{"type":"adaptive"}}}`},
		{"tool_choice none without tool history: no tools offered",
			`{"model":"us.amazon.nova-lite-v1:0","tools":[{"name":"t"}],"tool_choice":"none","messages":[{"role":"user","content":"q"}]}`,
			"/model/us.amazon.nova-lite-v1%3A0/converse", abi.FramingNone,
			`{"messages":[{"role":"user","content":[{"text":"q"}]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr, err := guesttest.Project(t, New(), tt.req)
			if err != nil {
				t.Fatalf("Project: %v", err)
			}
			if pr.Method != "POST" || pr.Path != tt.path || pr.StreamFraming != tt.framing {
				t.Errorf("got %s %s %s, want POST %s %s", pr.Method, pr.Path, pr.StreamFraming, tt.path, tt.framing)
			}
			guesttest.SameJSON(t, "body", pr.Body, tt.want)
		})
	}
}

func TestIDRule(t *testing.T) {
	long := strings.Repeat("a", 80)
	for _, id := range []string{"tooluse_abc", "call:1", "functions.Bash:0", long} {
		got := idRule.Rewrite(id, 0)
		if !idRule.Valid(got) {
			t.Errorf("%q -> %q is not a valid Bedrock toolUseId", id, got)
		}
		if idRule.Valid(id) != (got == id) {
			t.Errorf("%q -> %q: valid IDs must be kept, invalid ones rewritten", id, got)
		}
	}
	if toolid.AlnumDashUnderscore.Rewrite("a.b", 0) == toolid.AlnumDashUnderscore.Rewrite("a:b", 0) {
		t.Error("IDs differing only in invalid characters collide")
	}
}

func TestProjectRefusals(t *testing.T) {
	const user = `"messages":[{"role":"user","content":"q"}]`
	guesttest.ProjectErrors(t, New(), map[string]guesttest.Refusal{
		"tools on a model without them":               {Req: `{"model":"deepseek.r1-v1:0","tools":[{"name":"t"}],` + user + `}`, Code: abi.CodeCapabilityUnsupported, Pointer: "/tools"},
		"forced tool on Llama":                        {Req: `{"model":"us.meta.llama3-3-70b-instruct-v1:0","tools":[{"name":"t"}],"tool_choice":"required",` + user + `}`, Code: abi.CodeCapabilityUnsupported, Pointer: "/tool_choice"},
		"forced tool with thinking":                   {Req: `{"model":"us.anthropic.claude-sonnet-4-20250514-v1:0","reasoning":{"effort":"low"},"tools":[{"name":"t"}],"tool_choice":{"tool":"t"},` + user + `}`, Code: abi.CodeCapabilityUnsupported, Pointer: "/tool_choice"},
		"reasoning on Nova":                           {Req: `{"model":"us.amazon.nova-pro-v1:0","reasoning":{"effort":"low"},` + user + `}`, Code: abi.CodeCapabilityUnsupported, Pointer: "/reasoning"},
		"image by URL":                                {Req: `{"model":"us.amazon.nova-pro-v1:0","messages":[{"role":"user","content":[{"type":"image","url":"https://x/y.png"}]}]}`, Code: abi.CodeCapabilityUnsupported, Pointer: "/messages/0/content/0/url"},
		"image on a text model":                       {Req: `{"model":"us.amazon.nova-micro-v1:0","messages":[{"role":"user","content":[{"type":"image","media_type":"image/png","data":"AA"}]}]}`, Code: abi.CodeCapabilityUnsupported, Pointer: "/messages/0/content/0"},
		"tool_choice none with tool history":          {Req: `{"model":"us.amazon.nova-pro-v1:0","tools":[{"name":"t"}],"tool_choice":"none","messages":[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"tool-call","id":"c1","name":"t","arguments":"{}"}]},{"role":"tool","content":[{"type":"tool-result","tool_call_id":"c1","content":"r"}]}]}`, Code: abi.CodeCapabilityUnsupported, Pointer: "/tool_choice"},
		"structured output on a model with neither":   {Req: `{"model":"us.meta.llama3-3-70b-instruct-v1:0","response_format":{"type":"json_schema","schema":{"type":"object"}},` + user + `}`, Code: abi.CodeCapabilityUnsupported, Pointer: "/response_format"},
		"unknown model fails closed on tools":         {Req: `{"model":"acme.future-v1:0","tools":[{"name":"t"}],` + user + `}`, Code: abi.CodeCapabilityUnsupported, Pointer: "/tools"},
		"additional field conflicting with reasoning": {Req: `{"model":"us.anthropic.claude-sonnet-4-20250514-v1:0","reasoning":{"budget_tokens":2048},"provider_options":{"additional_model_request_fields":{"thinking":{}}},` + user + `}`, Code: abi.CodeInvalidRequest, Pointer: "/provider_options/additional_model_request_fields/thinking"},
		"unknown provider option":                     {Req: `{"model":"us.amazon.nova-pro-v1:0","provider_options":{"x":1},` + user + `}`, Code: abi.CodeInvalidRequest, Pointer: "/provider_options/x"},
		"starts with assistant":                       {Req: `{"model":"us.amazon.nova-pro-v1:0","messages":[{"role":"assistant","content":"a"}]}`, Code: abi.CodeInvalidRequest, Pointer: "/messages/0/content/0"},
		"temperature above 1":                         {Req: `{"model":"us.amazon.nova-pro-v1:0","temperature":2,` + user + `}`, Code: abi.CodeInvalidRequest, Pointer: "/temperature"},
	})
}

// ev is one event-stream message as the host's framer yields it.
func ev(event, payload string) abi.Chunk {
	return abi.Chunk{Event: []byte(event), Data: []byte(payload)}
}

const (
	ctxNova  = `{"model":"us.amazon.nova-pro-v1:0"}`
	evStartN = `{"type":"response-start","id":"","model":"us.amazon.nova-pro-v1:0"}`
)

func TestTransform(t *testing.T) {
	start := ev("messageStart", `{"p":"abcdefgh","role":"assistant"}`)
	meta := ev("metadata", `{"metrics":{"latencyMs":120},"p":"abc","usage":{"inputTokens":10,"outputTokens":20,"totalTokens":38,"cacheReadInputTokens":5,"cacheWriteInputTokens":3}}`)
	usage := `{"type":"usage","input_tokens":18,"output_tokens":20,"cached_input_tokens":5,"reasoning_tokens":0,"cache_write_input_tokens":3}`
	tests := []struct {
		name, ctx string
		chunks    []abi.Chunk
		want      string
	}{
		{"text; padding ignored; cache tokens folded", ctxNova, []abi.Chunk{start,
			ev("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"Hel"},"p":"abcdef"}`),
			ev("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"lo"},"p":"ab"}`),
			ev("contentBlockStop", `{"contentBlockIndex":0,"p":"abcdefghijk"}`),
			ev("messageStop", `{"p":"abcd","stopReason":"end_turn"}`), meta},
			lines(evStartN, `{"type":"text-delta","text":"Hel"}`, `{"type":"text-delta","text":"lo"}`, usage, `{"type":"finish","reason":"stop","raw_reason":"end_turn"}`)},
		{"reasoning with signature and redacted content, then a tool call", ctxNova, []abi.Chunk{start,
			ev("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"reasoningContent":{"text":"hmm"}},"p":"a"}`),
			ev("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"reasoningContent":{"signature":"SIG"}},"p":"a"}`),
			ev("contentBlockStop", `{"contentBlockIndex":0,"p":"a"}`),
			ev("contentBlockDelta", `{"contentBlockIndex":1,"delta":{"reasoningContent":{"redactedContent":"UkVE"}},"p":"a"}`),
			ev("contentBlockStop", `{"contentBlockIndex":1,"p":"a"}`),
			ev("contentBlockStart", `{"contentBlockIndex":2,"p":"a","start":{"toolUse":{"name":"get","toolUseId":"tooluse_1"}}}`),
			ev("contentBlockDelta", `{"contentBlockIndex":2,"delta":{"toolUse":{"input":"{\"c\":"}},"p":"a"}`),
			ev("contentBlockDelta", `{"contentBlockIndex":2,"delta":{"toolUse":{"input":"\"x\"}"}},"p":"a"}`),
			ev("contentBlockStop", `{"contentBlockIndex":2,"p":"a"}`),
			ev("contentBlockStart", `{"contentBlockIndex":3,"p":"a","start":{"toolUse":{"name":"now","toolUseId":"tooluse_2"}}}`),
			ev("contentBlockStop", `{"contentBlockIndex":3,"p":"a"}`),
			ev("messageStop", `{"p":"a","stopReason":"tool_use"}`), meta},
			lines(evStartN, `{"type":"reasoning-delta","text":"hmm"}`, `{"type":"reasoning-signature","signature":"SIG"}`, `{"type":"reasoning-redacted","data":"UkVE"}`,
				`{"type":"tool-call-start","index":0,"id":"tooluse_1","name":"get"}`,
				`{"type":"tool-call-delta","index":0,"arguments":"{\"c\":"}`, `{"type":"tool-call-delta","index":0,"arguments":"\"x\"}"}`,
				`{"type":"tool-call","index":0,"id":"tooluse_1","name":"get","arguments":"{\"c\":\"x\"}"}`,
				`{"type":"tool-call-start","index":1,"id":"tooluse_2","name":"now"}`,
				`{"type":"tool-call","index":1,"id":"tooluse_2","name":"now","arguments":"{}"}`,
				usage, `{"type":"finish","reason":"tool-calls","raw_reason":"tool_use"}`)},
		{"guardrail intervened", ctxNova, []abi.Chunk{start, ev("messageStop", `{"p":"a","stopReason":"guardrail_intervened"}`), meta},
			lines(evStartN, usage, `{"type":"finish","reason":"content-filter","raw_reason":"guardrail_intervened"}`)},
		{"max tokens", ctxNova, []abi.Chunk{start, ev("messageStop", `{"stopReason":"max_tokens"}`), meta},
			lines(evStartN, usage, `{"type":"finish","reason":"length","raw_reason":"max_tokens"}`)},
		{"throttling exception mid-stream", ctxNova, []abi.Chunk{start, ev("exception:throttlingException", `{"message":"Too many tokens, please wait before trying again."}`)},
			lines(evStartN, `{"type":"error","code":"rate_limited","message":"bedrock: throttlingException: Too many tokens, please wait before trying again.","retryable":true}`)},
		{"validation exception", ctxNova, []abi.Chunk{ev("exception:validationException", `{"message":"Input is too long for requested model."}`)},
			lines(`{"type":"error","code":"context_length_exceeded","message":"bedrock: validationException: Input is too long for requested model.","retryable":false}`)},
		{"model stream error", ctxNova, []abi.Chunk{start, ev("exception:modelStreamErrorException", `{"message":"boom","originalStatusCode":500}`)},
			lines(evStartN, `{"type":"error","code":"server_error","message":"bedrock: modelStreamErrorException: boom","retryable":true}`)},
		{"service unavailable", ctxNova, []abi.Chunk{ev("exception:serviceUnavailableException", `{"message":"busy"}`)},
			lines(`{"type":"error","code":"overloaded","message":"bedrock: serviceUnavailableException: busy","retryable":true}`)},
		{"event-stream error message", ctxNova, []abi.Chunk{start, ev("error:InternalFailure", `{"message":"internal"}`)},
			lines(evStartN, `{"type":"error","code":"server_error","message":"bedrock: InternalFailure: internal","retryable":false}`)},
		{"truncated after messageStop", ctxNova, []abi.Chunk{start, ev("messageStop", `{"stopReason":"end_turn"}`)},
			lines(evStartN, `{"type":"error","code":"stream_truncated","message":"bedrock: the stream ended after messageStop but before its metadata event (usage); retry the request if usage matters","retryable":true}`)},
		{"server tool use is not a client tool call", ctxNova, []abi.Chunk{start,
			ev("contentBlockStart", `{"contentBlockIndex":0,"start":{"toolUse":{"name":"nova_code_interpreter","toolUseId":"tooluse_s","type":"server_tool_use"}}}`),
			ev("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"toolUse":{"input":"{}"}}}`),
			ev("contentBlockStop", `{"contentBlockIndex":0}`),
			ev("contentBlockStart", `{"contentBlockIndex":1,"start":{"toolResult":{"status":"success","toolUseId":"tooluse_s"}}}`),
			ev("contentBlockDelta", `{"contentBlockIndex":1,"delta":{"toolResult":[{"json":{"x":1}}]}}`),
			ev("contentBlockStop", `{"contentBlockIndex":1}`),
			ev("contentBlockDelta", `{"contentBlockIndex":2,"delta":{"text":"done"}}`),
			ev("messageStop", `{"stopReason":"end_turn"}`), meta},
			lines(evStartN, `{"type":"text-delta","text":"done"}`, usage, `{"type":"finish","reason":"stop","raw_reason":"end_turn"}`)},
		{"emulated structured output", `{"model":"us.amazon.nova-micro-v1:0","response_format":{"type":"json_schema","schema":{"type":"object"}}}`, []abi.Chunk{start,
			ev("contentBlockStart", `{"contentBlockIndex":0,"start":{"toolUse":{"name":"json_response","toolUseId":"tooluse_j"}}}`),
			ev("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"toolUse":{"input":"{\"a\":1}"}}}`),
			ev("contentBlockStop", `{"contentBlockIndex":0}`),
			ev("messageStop", `{"stopReason":"tool_use"}`), meta},
			lines(`{"type":"response-start","id":"","model":"us.amazon.nova-micro-v1:0"}`, `{"type":"text-delta","text":"{\"a\":1}"}`, usage, `{"type":"finish","reason":"stop","raw_reason":"tool_use"}`)},
		{"Nova: a leading <thinking> block cut across chunks is reasoning", ctxNova, []abi.Chunk{start,
			ev("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"\n<thin"}}`),
			ev("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"king> Need the tool.</th"}}`),
			ev("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"inking>\n"}}`),
			ev("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"Calling it. <thinking> stays text"}}`),
			ev("contentBlockStop", `{"contentBlockIndex":0}`),
			ev("messageStop", `{"stopReason":"end_turn"}`), meta},
			lines(evStartN, `{"type":"text-delta","text":"\n"}`, `{"type":"reasoning-delta","text":" Need the tool."}`,
				`{"type":"text-delta","text":"Calling it. <thinking> stays text"}`, usage, `{"type":"finish","reason":"stop","raw_reason":"end_turn"}`)},
		{"Nova: a held partial tag is released at the block's end", ctxNova, []abi.Chunk{start,
			ev("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"<thi"}}`),
			ev("contentBlockStop", `{"contentBlockIndex":0}`),
			ev("messageStop", `{"stopReason":"end_turn"}`), meta},
			lines(evStartN, `{"type":"text-delta","text":"<thi"}`, usage, `{"type":"finish","reason":"stop","raw_reason":"end_turn"}`)},
		{"Claude: <thinking> in text is left alone", `{"model":"us.anthropic.claude-sonnet-4-20250514-v1:0"}`, []abi.Chunk{start,
			ev("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"<thinking>x</thinking>y"}}`),
			ev("messageStop", `{"stopReason":"end_turn"}`), meta},
			lines(`{"type":"response-start","id":"","model":"us.anthropic.claude-sonnet-4-20250514-v1:0"}`, `{"type":"text-delta","text":"<thinking>x</thinking>y"}`, usage, `{"type":"finish","reason":"stop","raw_reason":"end_turn"}`)},
		{"decoded form without event names", ctxNova, []abi.Chunk{
			ev("", `{"messageStart":{"role":"assistant"}}`),
			ev("", `{"contentBlockDelta":{"contentBlockIndex":0,"delta":{"text":"x"}}}`),
			ev("", `{"messageStop":{"stopReason":"end_turn"}}`),
			ev("", `{"metadata":{"usage":{"inputTokens":1,"outputTokens":2,"totalTokens":3}}}`)},
			lines(evStartN, `{"type":"text-delta","text":"x"}`, `{"type":"usage","input_tokens":1,"output_tokens":2,"cached_input_tokens":0,"reasoning_tokens":0}`, `{"type":"finish","reason":"stop","raw_reason":"end_turn"}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The stream all at once and one chunk per call must agree.
			if got := string(guesttest.Stable(t, New(), []byte(tt.ctx), tt.chunks)); got != tt.want {
				t.Errorf("events\n got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestParseResponse(t *testing.T) {
	body := `{"metrics":{"latencyMs":10},"output":{"message":{"role":"assistant","content":[
	  {"reasoningContent":{"reasoningText":{"text":"hm","signature":"S"}}},
	  {"text":"ok"},
	  {"toolUse":{"toolUseId":"tooluse_1","name":"get","input":{ "c": "x y" }}}]}},
	  "stopReason":"tool_use","usage":{"inputTokens":3,"outputTokens":4,"totalTokens":7,"cacheReadInputTokens":2,"cacheWriteInputTokens":0}}`
	want := lines(evStartN, `{"type":"reasoning-delta","text":"hm"}`, `{"type":"reasoning-signature","signature":"S"}`, `{"type":"text-delta","text":"ok"}`,
		`{"type":"tool-call-start","index":0,"id":"tooluse_1","name":"get"}`,
		`{"type":"tool-call-delta","index":0,"arguments":"{\"c\":\"x y\"}"}`,
		`{"type":"tool-call","index":0,"id":"tooluse_1","name":"get","arguments":"{\"c\":\"x y\"}"}`,
		`{"type":"usage","input_tokens":5,"output_tokens":4,"cached_input_tokens":2,"reasoning_tokens":0}`,
		`{"type":"finish","reason":"tool-calls","raw_reason":"tool_use"}`)
	var out guest.Output
	if err := New().ParseResponse(&abi.ResponseInput{Status: 200, Context: []byte(ctxNova), Body: []byte(body)}, &out); err != nil {
		t.Fatal(err)
	}
	if got := string(out.Events()); got != want {
		t.Errorf("events\n got:\n%s\nwant:\n%s", got, want)
	}
}

func TestMapError(t *testing.T) {
	tests := []struct {
		status    uint32
		errType   string
		body      string
		code      abi.Code
		retryable bool
	}{
		{400, "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/", `{"message":"The provided model identifier is invalid."}`, abi.CodeNotFound, false},
		{400, "", `{"message":"The provided model identifier is invalid."}`, abi.CodeNotFound, false},
		{400, "ValidationException", `{"message":"messages: text content blocks must be non-empty"}`, abi.CodeInvalidRequest, false},
		{400, "", `{"message":"Malformed input request"}`, abi.CodeInvalidRequest, false},
		{403, "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.bedrock/", `{"Message":"no access"}`, abi.CodePermission, false},
		{403, "UnrecognizedClientException", `{"message":"The security token included in the request is invalid."}`, abi.CodeAuthentication, false},
		{404, "ResourceNotFoundException", `{"message":"x"}`, abi.CodeNotFound, false},
		{429, "ThrottlingException", `{"message":"Too many requests"}`, abi.CodeRateLimited, true},
		{424, "ModelErrorException", `{"message":"model failed"}`, abi.CodeServerError, false},
		{500, "InternalServerException", `{"message":"x"}`, abi.CodeServerError, true},
		{503, "ServiceUnavailableException", `{"message":"x"}`, abi.CodeOverloaded, true},
		{400, "", `{"__type":"com.amazon.coral.validate#ValidationException","message":"Input is too long for requested model."}`, abi.CodeContextLengthExceeded, false},
		{502, "", `<html/>`, abi.CodeServerError, true},
	}
	for _, tt := range tests {
		in := &abi.ResponseInput{Status: tt.status, Body: []byte(tt.body)}
		if tt.errType != "" {
			in.Headers = [][2][]byte{{[]byte("x-amzn-errortype"), []byte(tt.errType)}}
		}
		var out guest.Output
		if err := New().MapError(in, &out); err != nil {
			t.Fatal(err)
		}
		got := string(out.Events())
		if !strings.Contains(got, `"code":"`+string(tt.code)+`"`) || strings.Contains(got, `"retryable":true`) != tt.retryable {
			t.Errorf("%d %s %s: got %s, want %s retryable %v", tt.status, tt.errType, tt.body, got, tt.code, tt.retryable)
		}
	}
}

func TestCapabilities(t *testing.T) {
	tests := []struct {
		model, tools, structured string
		reasoning, vision        bool
	}{
		{"us.anthropic.claude-sonnet-4-5-20250929-v1:0", abi.SupportNative, abi.SupportNative, true, true},
		{"anthropic.claude-3-5-haiku-20241022-v1:0", abi.SupportNative, abi.SupportJSONMode, false, false},
		{"us.amazon.nova-micro-v1:0", abi.SupportNative, abi.SupportJSONMode, false, false},
		{"us.meta.llama3-2-90b-instruct-v1:0", abi.SupportNative, abi.SupportNone, false, true},
		{"deepseek.r1-v1:0", abi.SupportNone, abi.SupportNone, true, false},
		{"acme.unknown", abi.SupportNone, abi.SupportNone, false, false},
	}
	for _, tt := range tests {
		c := New().Capabilities(tt.model)
		f := c.Features
		if f.ToolCalling != tt.tools || f.StructuredOutput != tt.structured || f.Reasoning != tt.reasoning || f.Vision != tt.vision {
			t.Errorf("%s: %+v", tt.model, f)
		}
		if c.Auth != (abi.Auth{Scheme: abi.AuthAWSSigV4, Service: "bedrock"}) {
			t.Errorf("%s: auth %+v", tt.model, c.Auth)
		}
	}
}

func TestParseResponseNovaThinking(t *testing.T) {
	body := `{"output":{"message":{"role":"assistant","content":[{"text":"\n<thinking> Look it up. </thinking>\nIt is 30°C."}]}},"stopReason":"end_turn","usage":{"inputTokens":3,"outputTokens":4,"totalTokens":7}}`
	want := lines(`{"type":"response-start","id":"","model":"us.amazon.nova-micro-v1:0"}`, `{"type":"text-delta","text":"\n"}`,
		`{"type":"reasoning-delta","text":" Look it up. "}`, `{"type":"text-delta","text":"It is 30°C."}`,
		`{"type":"usage","input_tokens":3,"output_tokens":4,"cached_input_tokens":0,"reasoning_tokens":0}`,
		`{"type":"finish","reason":"stop","raw_reason":"end_turn"}`)
	var out guest.Output
	if err := New().ParseResponse(&abi.ResponseInput{Status: 200, Context: []byte(`{"model":"us.amazon.nova-micro-v1:0"}`), Body: []byte(body)}, &out); err != nil {
		t.Fatal(err)
	}
	if got := string(out.Events()); got != want {
		t.Errorf("events\n got:\n%s\nwant:\n%s", got, want)
	}
}

func TestLookupFamilies(t *testing.T) {
	// {model ID, the table prefix served, "" for unknownModel}
	guesttest.Serves(t, func(name string) string { return lookup(name).prefix }, [][2]string{
		{"us.anthropic.claude-opus-4-7", "anthropic.claude-opus-4-7"},
		{"anthropic.claude-opus-4-20250514-v1:0", "anthropic.claude-opus-4"},
		{"us.anthropic.claude-opus-4-8-v1:0", "anthropic.claude-opus-4-7"},
		{"anthropic.claude-sonnet-5-v1:0", "anthropic.claude-sonnet-4-6"},
		{"anthropic.claude-3-5-sonnet-20241022-v2:0", "anthropic.claude-3"},
		{"anthropic.claude-v2:1", "anthropic.claude"},
		{"acme.unknown-model-v1", ""},
	})
}

func TestOpus47Sampling(t *testing.T) {
	guesttest.DefaultSampling(t, New(), [][2]string{
		{`{"model":"us.anthropic.claude-opus-4-7","temperature":0.2,"messages":[{"role":"user","content":"q"}]}`, "/temperature"},
		{`{"model":"anthropic.claude-opus-4-7","top_p":0.5,"messages":[{"role":"user","content":"q"}]}`, "/top_p"},
		{`{"model":"anthropic.claude-opus-4-7","provider_options":{"additional_model_request_fields":{"top_k":5}},"messages":[{"role":"user","content":"q"}]}`, "/provider_options/additional_model_request_fields/top_k"},
	}, `{"model":"anthropic.claude-opus-4-7","temperature":1,"messages":[{"role":"user","content":"q"}]}`, "temperature", "inferenceConfig")
}

func TestStateVersion1Loads(t *testing.T) {
	// A version 1 record (no boundary byte) from the previous module
	// version still loads, with no text boundary pending.
	var s state
	s.boundary = boundaryText | boundaryGap
	rec := s.Append(nil)
	rec[0] = 1
	rec = rec[:len(rec)-1]
	var got state
	if err := got.Load(rec); err != nil || got.boundary != 0 {
		t.Fatalf("load: %v, boundary %d", err, got.boundary)
	}
	if err := got.Load(s.Append(nil)); err != nil || got.boundary != boundaryText|boundaryGap {
		t.Fatalf("load v2: %v, boundary %d", err, got.boundary)
	}
}

func TestCapabilitiesSource(t *testing.T) {
	guesttest.Sources(t, New(), map[string]string{
		"us.anthropic.claude-sonnet-4-5-20250929-v1:0": abi.SourceTable,
		"amazon.nova-pro-v1:0":                         abi.SourceTable,
		"anthropic.claude-opus-4-8-v1:0":               abi.SourceFamily,
		"no-such-model-1":                              abi.SourceUnknown,
		"":                                             "",
	})
}

func TestDetails(t *testing.T) {
	text, image, pdf := abi.ModalityText, abi.ModalityImage, abi.ModalityPDF
	// Claude takes temperature, top_p and stop; Opus 4.7 (and the newer
	// Opus its family rule reads) stop alone.
	claude := func(d *abi.ModelDetails) *abi.ModelDetails {
		return guesttest.Sampled(d, abi.SamplingTemperature, abi.SamplingTopP, abi.SamplingStop)
	}
	defaults := func(d *abi.ModelDetails) *abi.ModelDetails { return guesttest.Sampled(d, abi.SamplingStop) }
	// The thinking settings: Opus 4.7 (and newer Opus) adaptive only,
	// Sonnet 4.5 a budget below its 64000 output tokens.
	adaptiveOnly := func(d *abi.ModelDetails) *abi.ModelDetails {
		d.Reasoning = &abi.ReasoningControls{Efforts: []string{"none", "minimal", "low", "medium", "high", "max"}, Adaptive: true}
		return d
	}
	sonnet45 := claude(guesttest.Limits(200000, 64000, text, image, pdf))
	sonnet45.Reasoning = &abi.ReasoningControls{Efforts: []string{"none", "minimal", "low", "medium", "high"}, Budget: true, BudgetMin: 1024, BudgetMax: 63999}
	for model, want := range map[string]*abi.ModelDetails{
		"us.anthropic.claude-sonnet-4-5-20250929-v1:0": sonnet45,
		"global.anthropic.claude-opus-4-7":             adaptiveOnly(defaults(guesttest.Limits(200000, 128000, text, image, pdf))),
		"us.anthropic.claude-opus-4-8-v1:0":            adaptiveOnly(defaults(guesttest.Limits(200000, 128000, text, image, pdf))),
		"anthropic.claude-3-5-haiku-20241022-v1:0":     claude(guesttest.Limits(200000, 8192, text, pdf)),
		"anthropic.claude-v2:1":                        claude(guesttest.Limits(0, 4096, text)),
		"amazon.nova-pro-v1:0":                         guesttest.Limits(0, 0, text, image, pdf),
		"amazon.nova-micro-v1:0":                       guesttest.Limits(0, 0, text, pdf),
		"deepseek.r1-v1:0":                             guesttest.Limits(0, 0, text),
		"some.unknown-model":                           nil,
		"":                                             nil,
	} {
		guesttest.Details(t, New(), model, want)
	}
}
