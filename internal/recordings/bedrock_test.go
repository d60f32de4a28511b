package recordings_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/adapters-wasm/bedrock"
	"github.com/wasmadapt/wasmadapt/framing"
)

// TestBedrockRecordings replays every bedrock recording in ../shared and
// compares the events with testdata/bedrock/recordings. The stream context
// names the model each recording was made with (the model ID is in the
// request path, which the loader does not keep); the events depend on it
// (response-start's model, Nova's <thinking> split).
func TestBedrockRecordings(t *testing.T) {
	nativeRecordings(t, "bedrock", "bedrock", bedrock.New(), func(file string) []byte {
		for prefix, model := range bedrockRecordingModels {
			if strings.HasPrefix(file, prefix) {
				return []byte(`{"model":"` + model + `"}`)
			}
		}
		return nil
	})
}

// bedrockRecordingModels maps recording file prefixes to the model ID of
// their request URIs (the pydantic-ai cassettes); the vercel/ai fixtures
// and the langchaingo trace record no Converse model, so they get none.
var bedrockRecordingModels = map[string]string{
	"test_bedrock_model_stream.":                     "us.amazon.nova-micro-v1:0",
	"test_bedrock_model_iter_stream.":                "us.amazon.nova-micro-v1:0",
	"test_bedrock_model_structured_output.":          "us.amazon.nova-micro-v1:0",
	"test_bedrock_model_code_execution_tool_stream.": "us.amazon.nova-2-lite-v1:0",
	"test_bedrock_model_thinking_part_stream.":       "us.anthropic.claude-sonnet-4-20250514-v1:0",
	"test_bedrock_error.":                            "us.does-not-exist-model-v1:0",
}

// esMsg is one ConverseStream event-stream message: an event (Event is its
// :event-type) or, with Exception set, an exception (:exception-type).
type esMsg struct {
	Event     string
	Exception bool
	Payload   string
}

// esEvent, esException and esPad build messages; esPad makes the random-length "p" field
// Bedrock puts in every event payload (a fixed string here).
func esEvent(event, payload string) esMsg { return esMsg{Event: event, Payload: payload} }
func esException(typ, payload string) esMsg {
	return esMsg{Event: typ, Exception: true, Payload: payload}
}
func esPad(n int) string {
	return `"p":"` + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[:n] + `"`
}

// encodeEventStream writes messages in the AWS event-stream binary format
// with the headers Bedrock sends (:event-type or :exception-type,
// :content-type, :message-type), CRCs computed.
func encodeEventStream(msgs []esMsg) []byte {
	var out []byte
	for _, m := range msgs {
		var hs []framing.Header
		if m.Exception {
			hs = []framing.Header{framing.StringHeader(":exception-type", m.Event), framing.StringHeader(":content-type", "application/json"), framing.StringHeader(":message-type", "exception")}
		} else {
			hs = []framing.Header{framing.StringHeader(":event-type", m.Event), framing.StringHeader(":content-type", "application/json"), framing.StringHeader(":message-type", "event")}
		}
		out = framing.AppendEventStreamMessage(out, hs, []byte(m.Payload))
	}
	return out
}

// bedrockBodies are the event-stream bodies of the testdata/bedrock cases,
// written in ConverseStream's wire format (payload shapes from the
// ConverseStreamOutput API reference, padding as in real streams).
var bedrockBodies = map[string][]esMsg{
	"stream-text-cache-usage": {
		esEvent("messageStart", `{`+esPad(10)+`,"role":"assistant"}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"Bonjour"},`+esPad(20)+`}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":" \u00e0 tous!\n"},`+esPad(3)+`}`),
		esEvent("contentBlockStop", `{"contentBlockIndex":0,`+esPad(30)+`}`),
		esEvent("messageStop", `{`+esPad(7)+`,"stopReason":"end_turn"}`),
		esEvent("metadata", `{"metrics":{"latencyMs":412},`+esPad(12)+`,"usage":{"cacheReadInputTokens":1024,"cacheWriteInputTokens":64,"inputTokens":12,"outputTokens":9,"totalTokens":1109}}`),
	},
	"stream-reasoning-tools": {
		esEvent("messageStart", `{`+esPad(5)+`,"role":"assistant"}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"reasoningContent":{"text":"Two cities"}},`+esPad(8)+`}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"reasoningContent":{"text":", two calls."}},`+esPad(8)+`}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"reasoningContent":{"signature":"EqoBCkgIBxABGAIqQH+sig=="}},`+esPad(2)+`}`),
		esEvent("contentBlockStop", `{"contentBlockIndex":0,`+esPad(9)+`}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":1,"delta":{"reasoningContent":{"redactedContent":"RW5jcnlwdGVkIHRoaW5raW5n"}},`+esPad(4)+`}`),
		esEvent("contentBlockStop", `{"contentBlockIndex":1,`+esPad(9)+`}`),
		esEvent("contentBlockStart", `{"contentBlockIndex":2,`+esPad(6)+`,"start":{"toolUse":{"name":"get_weather","toolUseId":"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q"}}}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":2,"delta":{"toolUse":{"input":"{\"city\": \"Pa"}},`+esPad(11)+`}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":2,"delta":{"toolUse":{"input":"ris\"}"}},`+esPad(1)+`}`),
		esEvent("contentBlockStop", `{"contentBlockIndex":2,`+esPad(9)+`}`),
		esEvent("contentBlockStart", `{"contentBlockIndex":3,`+esPad(6)+`,"start":{"toolUse":{"name":"local_time","toolUseId":"tooluse_Zx9PqR2sTuVwXyZaBcDeFg"}}}`),
		esEvent("contentBlockStop", `{"contentBlockIndex":3,`+esPad(9)+`}`),
		esEvent("messageStop", `{`+esPad(7)+`,"stopReason":"tool_use"}`),
		esEvent("metadata", `{"metrics":{"latencyMs":1530},`+esPad(12)+`,"usage":{"inputTokens":420,"outputTokens":150,"totalTokens":570}}`),
	},
	"stream-guardrail-intervened": {
		esEvent("messageStart", `{`+esPad(5)+`,"role":"assistant"}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"Sorry, the model cannot answer this question."},`+esPad(5)+`}`),
		esEvent("contentBlockStop", `{"contentBlockIndex":0,`+esPad(5)+`}`),
		esEvent("messageStop", `{`+esPad(5)+`,"stopReason":"guardrail_intervened"}`),
		esEvent("metadata", `{"metrics":{"latencyMs":90},`+esPad(5)+`,"usage":{"inputTokens":30,"outputTokens":0,"totalTokens":30}}`),
	},
	"stream-max-tokens-cuts-tool-call": {
		esEvent("messageStart", `{`+esPad(5)+`,"role":"assistant"}`),
		esEvent("contentBlockStart", `{"contentBlockIndex":0,`+esPad(6)+`,"start":{"toolUse":{"name":"get_weather","toolUseId":"tooluse_cut"}}}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"toolUse":{"input":"{\"city\": \"Par"}},`+esPad(11)+`}`),
		esEvent("contentBlockStop", `{"contentBlockIndex":0,`+esPad(9)+`}`),
		esEvent("messageStop", `{`+esPad(7)+`,"stopReason":"max_tokens"}`),
		esEvent("metadata", `{"metrics":{"latencyMs":200},`+esPad(12)+`,"usage":{"inputTokens":40,"outputTokens":8,"totalTokens":48}}`),
	},
	"stream-exception-throttling": {
		esEvent("messageStart", `{`+esPad(5)+`,"role":"assistant"}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"Part"},`+esPad(5)+`}`),
		esException("throttlingException", `{"message":"Too many tokens, please wait before trying again."}`),
	},
	"stream-exception-validation": {
		esException("validationException", `{"message":"Input is too long for requested model."}`),
	},
	"stream-exception-model-stream-error": {
		esEvent("messageStart", `{`+esPad(5)+`,"role":"assistant"}`),
		esException("modelStreamErrorException", `{"message":"Model stream failed","originalMessage":"upstream reset","originalStatusCode":500}`),
	},
	"stream-exception-service-unavailable": {
		esException("serviceUnavailableException", `{"message":"Bedrock is unable to process your request."}`),
	},
	"stream-exception-internal-server": {
		esEvent("messageStart", `{`+esPad(5)+`,"role":"assistant"}`),
		esException("internalServerException", `{"message":"The server encountered an internal error."}`),
	},
	"stream-truncated-before-metadata": {
		esEvent("messageStart", `{`+esPad(5)+`,"role":"assistant"}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"Done"},`+esPad(5)+`}`),
		esEvent("contentBlockStop", `{"contentBlockIndex":0,`+esPad(5)+`}`),
		esEvent("messageStop", `{`+esPad(5)+`,"stopReason":"end_turn"}`),
	},
	"stream-structured-output-emulated": {
		esEvent("messageStart", `{`+esPad(5)+`,"role":"assistant"}`),
		esEvent("contentBlockStart", `{"contentBlockIndex":0,`+esPad(6)+`,"start":{"toolUse":{"name":"person","toolUseId":"tooluse_json1"}}}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"toolUse":{"input":"{\"name\":\"Ada Lovelace\","}},`+esPad(3)+`}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"toolUse":{"input":"\"age\":36}"}},`+esPad(3)+`}`),
		esEvent("contentBlockStop", `{"contentBlockIndex":0,`+esPad(9)+`}`),
		esEvent("messageStop", `{`+esPad(7)+`,"stopReason":"tool_use"}`),
		esEvent("metadata", `{"metrics":{"latencyMs":300},`+esPad(12)+`,"usage":{"inputTokens":500,"outputTokens":20,"totalTokens":520}}`),
	},
	"stream-nova-thinking-tool": {
		esEvent("messageStart", `{`+esPad(5)+`,"role":"assistant"}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"<thinking"},`+esPad(8)+`}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"> The user wants Paris weather"},`+esPad(8)+`}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"; I will call get_weather.</"},`+esPad(8)+`}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"thinking>\n"},`+esPad(8)+`}`),
		esEvent("contentBlockStop", `{"contentBlockIndex":0,`+esPad(9)+`}`),
		esEvent("contentBlockStart", `{"contentBlockIndex":1,`+esPad(6)+`,"start":{"toolUse":{"name":"get_weather","toolUseId":"tooluse_nova1"}}}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":1,"delta":{"toolUse":{"input":"{\"city\":\"Paris\"}"}},`+esPad(11)+`}`),
		esEvent("contentBlockStop", `{"contentBlockIndex":1,`+esPad(9)+`}`),
		esEvent("messageStop", `{`+esPad(7)+`,"stopReason":"tool_use"}`),
		esEvent("metadata", `{"metrics":{"latencyMs":700},`+esPad(12)+`,"usage":{"inputTokens":470,"outputTokens":60,"totalTokens":530}}`),
	},
	"stream-text-around-server-tool": {
		esEvent("messageStart", `{`+esPad(5)+`,"role":"assistant"}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"Let me compute that."},`+esPad(4)+`}`),
		esEvent("contentBlockStop", `{"contentBlockIndex":0,`+esPad(3)+`}`),
		esEvent("contentBlockStart", `{"contentBlockIndex":1,`+esPad(3)+`,"start":{"toolUse":{"name":"nova_code_interpreter","toolUseId":"tooluse_srv2","type":"server_tool_use"}}}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":1,"delta":{"toolUse":{"input":"{\"snippet\":\"2 ** 10\"}"}},`+esPad(3)+`}`),
		esEvent("contentBlockStop", `{"contentBlockIndex":1,`+esPad(3)+`}`),
		esEvent("contentBlockStart", `{"contentBlockIndex":2,`+esPad(3)+`,"start":{"toolResult":{"status":"success","toolUseId":"tooluse_srv2","type":"nova_code_interpreter_result"}}}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":2,"delta":{"toolResult":[{"json":{"stdOut":"1024","stdErr":"","exitCode":0,"isError":false}}]},`+esPad(3)+`}`),
		esEvent("contentBlockStop", `{"contentBlockIndex":2,`+esPad(3)+`}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":3,"delta":{"text":"It is "},`+esPad(3)+`}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":3,"delta":{"text":"1024."},`+esPad(5)+`}`),
		esEvent("contentBlockStop", `{"contentBlockIndex":3,`+esPad(3)+`}`),
		esEvent("messageStop", `{`+esPad(7)+`,"stopReason":"end_turn"}`),
		esEvent("metadata", `{"metrics":{"latencyMs":1700},`+esPad(12)+`,"usage":{"inputTokens":910,"outputTokens":45,"serverToolUsage":{},"totalTokens":955}}`),
	},
	"stream-server-tool": {
		esEvent("messageStart", `{`+esPad(5)+`,"role":"assistant"}`),
		esEvent("contentBlockStart", `{"contentBlockIndex":0,`+esPad(3)+`,"start":{"toolUse":{"name":"nova_code_interpreter","toolUseId":"tooluse_srv1","type":"server_tool_use"}}}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"toolUse":{"input":"{\"snippet\":\"6 * 7\"}"}},`+esPad(3)+`}`),
		esEvent("contentBlockStop", `{"contentBlockIndex":0,`+esPad(3)+`}`),
		esEvent("contentBlockStart", `{"contentBlockIndex":1,`+esPad(3)+`,"start":{"toolResult":{"status":"success","toolUseId":"tooluse_srv1","type":"nova_code_interpreter_result"}}}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":1,"delta":{"toolResult":[{"json":{"stdOut":"42","stdErr":"","exitCode":0,"isError":false}}]},`+esPad(3)+`}`),
		esEvent("contentBlockStop", `{"contentBlockIndex":1,`+esPad(3)+`}`),
		esEvent("contentBlockDelta", `{"contentBlockIndex":2,"delta":{"text":"It is 42."},`+esPad(3)+`}`),
		esEvent("contentBlockStop", `{"contentBlockIndex":2,`+esPad(3)+`}`),
		esEvent("messageStop", `{`+esPad(7)+`,"stopReason":"end_turn"}`),
		esEvent("metadata", `{"metrics":{"latencyMs":1600},`+esPad(12)+`,"usage":{"inputTokens":900,"outputTokens":40,"serverToolUsage":{},"totalTokens":940}}`),
	},
}

// TestBedrockCaseBodies checks that every committed binary body is what
// bedrockBodies encodes; WASMADAPT_UPDATE_BODIES=1 writes them instead.
func TestBedrockCaseBodies(t *testing.T) {
	for name, msgs := range bedrockBodies {
		path := filepath.Join("..", "..", "testdata", "bedrock", name, "body")
		want := encodeEventStream(msgs)
		if os.Getenv("WASMADAPT_UPDATE_BODIES") != "" {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v (run with WASMADAPT_UPDATE_BODIES=1 to write the bodies)", name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: committed body differs from its definition in bedrockBodies: run with WASMADAPT_UPDATE_BODIES=1", name)
		}
	}
}
