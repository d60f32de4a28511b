package gemini

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

// body projects req and returns the body decoded as generic JSON.
func body(t *testing.T, req string) map[string]any {
	t.Helper()
	pr, err := New().Project(guesttest.Request(t, req))
	if err != nil {
		t.Fatalf("Project: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(pr.Body, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestProjectRouting(t *testing.T) {
	tests := []struct {
		name, req, path, framing string
		query                    map[string]string
	}{
		{"whole", `{"model":"gemini-2.5-flash","messages":[{"role":"user","content":"hi"}]}`,
			"/v1beta/models/gemini-2.5-flash:generateContent", "none", nil},
		{"stream", `{"model":"models/gemini-3-pro-preview","stream":true,"messages":[{"role":"user","content":"hi"}]}`,
			"/v1beta/models/gemini-3-pro-preview:streamGenerateContent", "sse", map[string]string{"alt": "sse"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr, err := New().Project(guesttest.Request(t, tt.req))
			if err != nil {
				t.Fatal(err)
			}
			if pr.Method != "POST" || pr.Path != tt.path || pr.StreamFraming != tt.framing || jsonOf(pr.Query) != jsonOf(tt.query) {
				t.Errorf("got %s %s %v framing %s", pr.Method, pr.Path, pr.Query, pr.StreamFraming)
			}
		})
	}
}

func TestProjectErrors(t *testing.T) {
	user := `"messages":[{"role":"user","content":"hi"}]`
	guesttest.ProjectErrors(t, New(), map[string]guesttest.Refusal{
		"bad model":                           {Req: `{"model":"a/b",` + user + `}`, Code: abi.CodeInvalidRequest, Pointer: "/model"},
		"unknown option":                      {Req: `{"model":"gemini-2.5-flash",` + user + `,"provider_options":{"user":"x"}}`, Code: abi.CodeInvalidRequest, Pointer: "/provider_options/user"},
		"openapi oneOf":                       {Req: `{"model":"gemini-2.0-flash",` + user + `,"tools":[{"name":"f","parameters":{"type":"object","properties":{"a":{"oneOf":[{"type":"string"},{"type":"integer"}]}}}}]}`, Code: abi.CodeSchemaUnsupported, Pointer: "/tools/0/parameters/properties/a/oneOf"},
		"openapi additionalProperties schema": {Req: `{"model":"gemini-2.0-flash",` + user + `,"tools":[{"name":"f","parameters":{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":{"type":"string"}}}]}`, Code: abi.CodeSchemaUnsupported, Pointer: "/tools/0/parameters/additionalProperties"},
		"openapi recursive ref":               {Req: `{"model":"gemini-2.0-flash",` + user + `,"response_format":{"type":"json_schema","schema":{"$defs":{"n":{"type":"object","properties":{"next":{"$ref":"#/$defs/n"}}}},"$ref":"#/$defs/n"}}}`, Code: abi.CodeSchemaUnsupported, Pointer: "/response_format/schema/$defs/n/properties/next/$ref"},
		"openapi empty enum value":            {Req: `{"model":"gemini-2.0-flash",` + user + `,"tools":[{"name":"f","parameters":{"type":"object","properties":{"a":{"type":"string","enum":["x",""]}}}}]}`, Code: abi.CodeSchemaUnsupported, Pointer: "/tools/0/parameters/properties/a/enum/1"},
		"schema_mode forces openapi":          {Req: `{"model":"gemini-2.5-flash",` + user + `,"provider_options":{"schema_mode":"openapi"},"tools":[{"name":"f","parameters":{"type":"object","properties":{"a":{"type":"integer","exclusiveMinimum":0}}}}]}`, Code: abi.CodeSchemaUnsupported, Pointer: "/tools/0/parameters/properties/a/exclusiveMinimum"},
		"bad tool name":                       {Req: `{"model":"gemini-2.5-flash",` + user + `,"tools":[{"name":"1bad"}]}`, Code: abi.CodeInvalidRequest, Pointer: "/tools/0/name"},
		"gemma tools":                         {Req: `{"model":"gemma-3-27b-it",` + user + `,"tools":[{"name":"f"}]}`, Code: abi.CodeCapabilityUnsupported},
		"reasoning on 2.0":                    {Req: `{"model":"gemini-2.0-flash",` + user + `,"reasoning":{"effort":"low"}}`, Code: abi.CodeCapabilityUnsupported},
		"no minimal level on 3 pro":           {Req: `{"model":"gemini-3.1-pro-preview",` + user + `,"reasoning":{"effort":"minimal"}}`, Code: abi.CodeCapabilityUnsupported},
		"no thinking off on 2.5 pro":          {Req: `{"model":"gemini-2.5-pro",` + user + `,"reasoning":{"budget_tokens":0}}`, Code: abi.CodeCapabilityUnsupported},
		"named tool unknown":                  {Req: `{"model":"gemini-2.5-flash",` + user + `,"tools":[{"name":"f"}],"tool_choice":{"tool":"g"}}`, Code: abi.CodeInvalidRequest, Pointer: "/tool_choice"},
		"unanswered call": {Req: `{"model":"gemini-2.5-flash","messages":[{"role":"user","content":"hi"},
			{"role":"assistant","content":[{"type":"tool-call","id":"c1","name":"f","arguments":"{}"},{"type":"tool-call","id":"c2","name":"f","arguments":"{}"}]},
			{"role":"tool","content":[{"type":"tool-result","tool_call_id":"c1","content":"ok"}]},
			{"role":"user","content":"next"}]}`, Code: abi.CodeInvalidRequest, Pointer: "/messages/3"},
		"result for unknown call": {Req: `{"model":"gemini-2.5-flash","messages":[{"role":"user","content":"hi"},
			{"role":"tool","content":[{"type":"tool-result","tool_call_id":"zz","content":"ok"}]}]}`, Code: abi.CodeInvalidRequest, Pointer: "/messages/1/content/0"},
		"arguments not an object": {Req: `{"model":"gemini-2.5-flash","messages":[{"role":"user","content":"hi"},
			{"role":"assistant","content":[{"type":"tool-call","id":"c1","name":"f","arguments":"[1]"}]}]}`, Code: abi.CodeInvalidRequest, Pointer: "/messages/1/content/0/arguments"},
		"too many stops": {Req: `{"model":"gemini-2.5-flash",` + user + `,"stop":["a","b","c","d","e","f"]}`, Code: abi.CodeInvalidRequest, Pointer: "/stop"},
	})
}

func TestProjectConversation(t *testing.T) {
	req := `{"model":"gemini-3-pro-preview","messages":[
		{"role":"system","content":"Be brief."},
		{"role":"user","content":[{"type":"text","text":"Weather in Paris and Rome?"},{"type":"image","media_type":"image/png","data":"iVBO"}]},
		{"role":"assistant","content":[
			{"type":"reasoning","text":"thinking...","signature":"SIG1","provider":"gemini"},
			{"type":"tool-call","id":"call_a","name":"weather","arguments":"{\"city\": \"Paris\"}"},
			{"type":"tool-call","id":"call_b","name":"weather","arguments":"{\"city\":\"Rome\"}"}]},
		{"role":"tool","content":[{"type":"tool-result","tool_call_id":"call_b","content":"rain","is_error":false}]},
		{"role":"tool","content":[{"type":"tool-result","tool_call_id":"call_a","content":"sun"}]},
		{"role":"assistant","content":[{"type":"reasoning","text":"x","signature":"ANTHROPIC","provider":"anthropic"},{"type":"text","text":"Sun and rain."},{"type":"reasoning","signature":"SIG2","provider":"gemini"}]},
		{"role":"user","content":"Thanks"}]}`
	m := body(t, req)
	want := `{"contents":[` +
		`{"parts":[{"text":"Weather in Paris and Rome?"},{"inlineData":{"data":"iVBO","mimeType":"image/png"}}],"role":"user"},` +
		`{"parts":[{"functionCall":{"args":{"city":"Paris"},"id":"call_a","name":"weather"},"thoughtSignature":"SIG1"},{"functionCall":{"args":{"city":"Rome"},"id":"call_b","name":"weather"}}],"role":"model"},` +
		`{"parts":[{"functionResponse":{"id":"call_a","name":"weather","response":{"output":"sun"}}},{"functionResponse":{"id":"call_b","name":"weather","response":{"output":"rain"}}}],"role":"user"},` +
		`{"parts":[{"text":"Sun and rain."},{"text":"","thoughtSignature":"SIG2"}],"role":"model"},` +
		`{"parts":[{"text":"Thanks"}],"role":"user"}],` +
		`"systemInstruction":{"parts":[{"text":"Be brief."}]}}`
	if got := jsonOf(m); got != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
}

func TestProjectSignaturePlaceholder(t *testing.T) {
	// History from another provider: Gemini 3 needs a signature on the first
	// call of the turn, 2.5 does not.
	conv := `"messages":[{"role":"user","content":"hi"},
		{"role":"assistant","content":[{"type":"tool-call","id":"x1","name":"f","arguments":"{}"},{"type":"tool-call","id":"x2","name":"f","arguments":"{}"}]},
		{"role":"tool","content":[{"type":"tool-result","tool_call_id":"x1","name":"f","content":"1"},{"type":"tool-result","tool_call_id":"x2","content":"2","is_error":true}]}]`
	for _, tt := range []struct{ model, want string }{
		{"gemini-3-flash-preview", `[{"functionCall":{"args":{},"id":"x1","name":"f"},"thoughtSignature":"skip_thought_signature_validator"},{"functionCall":{"args":{},"id":"x2","name":"f"}}]`},
		{"gemini-2.5-flash", `[{"functionCall":{"args":{},"id":"x1","name":"f"}},{"functionCall":{"args":{},"id":"x2","name":"f"}}]`},
	} {
		m := body(t, `{"model":"`+tt.model+`",`+conv+`}`)
		contents := m["contents"].([]any)
		if got := jsonOf(contents[1].(map[string]any)["parts"]); got != tt.want {
			t.Errorf("%s: model parts %s, want %s", tt.model, got, tt.want)
		}
		if got := jsonOf(contents[2]); !strings.Contains(got, `"id":"x2","name":"f","response":{"error":"2"}`) {
			t.Errorf("%s: is_error result not sent as error: %s", tt.model, got)
		}
	}
}

func TestProjectToolsAndConfig(t *testing.T) {
	params := `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","title":"P",` +
		`"properties":{"city":{"type":"string","description":"City","format":"email"},"unit":{"type":["string","null"],"enum":["c","f"]},` +
		`"kind":{"const":"w"},"loc":{"$ref":"#/$defs/loc"}},"required":["city"],"additionalProperties":false,` +
		`"$defs":{"loc":{"type":"object","properties":{"lat":{"type":"number"}}}}}`
	tests := []struct {
		name, req string
		want      map[string]string // top-level key -> JSON
	}{
		{"openapi subset on 2.0", `{"model":"gemini-2.0-flash","messages":[{"role":"user","content":"hi"}],
			"tools":[{"name":"weather","description":"Get weather","parameters":` + params + `},{"name":"noargs","parameters":{"type":"object","properties":{}}}],
			"tool_choice":{"tool":"weather"},"temperature":0.2,"top_p":0.9,"max_output_tokens":100,"stop":["END"]}`,
			map[string]string{
				"tools": `[{"functionDeclarations":[{"description":"Get weather","name":"weather","parameters":{"properties":{"city":{"description":"City","format":"email","type":"string"},` +
					`"kind":{"enum":["w"]},"loc":{"properties":{"lat":{"type":"number"}},"type":"object"},"unit":{"enum":["c","f"],"nullable":true,"type":"string"}},"required":["city"],"type":"object"}},{"name":"noargs"}]}]`,
				"toolConfig":       `{"functionCallingConfig":{"allowedFunctionNames":["weather"],"mode":"ANY"}}`,
				"generationConfig": `{"maxOutputTokens":100,"stopSequences":["END"],"temperature":0.2,"topP":0.9}`,
			}},
		{"json schema on 2.5, thinking budget", `{"model":"gemini-2.5-flash","messages":[{"role":"user","content":"hi"}],
			"tools":[{"name":"weather","parameters":{"type":"object","properties":{"a":{"oneOf":[{"type":"string"}]}}}}],"tool_choice":"required",
			"reasoning":{"budget_tokens":2048},"response_format":{"type":"json_schema","name":"r","schema":{"type":"object","additionalProperties":false}}}`,
			map[string]string{
				"tools":            `[{"functionDeclarations":[{"name":"weather","parametersJsonSchema":{"properties":{"a":{"oneOf":[{"type":"string"}]}},"type":"object"}}]}]`,
				"toolConfig":       `{"functionCallingConfig":{"mode":"ANY"}}`,
				"generationConfig": `{"responseJsonSchema":{"additionalProperties":false,"type":"object"},"responseMimeType":"application/json","thinkingConfig":{"includeThoughts":true,"thinkingBudget":2048}}`,
			}},
		{"gemini 3 thinking level, openapi response schema", `{"model":"gemini-3-pro-preview","messages":[{"role":"user","content":"hi"}],"tool_choice":"none",
			"reasoning":{"effort":"low"},"provider_options":{"schema_mode":"openapi","include_thoughts":false},
			"response_format":{"type":"json_schema","schema":{"type":"object","properties":{"n":{"type":"integer","title":"N"}}}}}`,
			map[string]string{
				"generationConfig": `{"responseMimeType":"application/json","responseSchema":{"properties":{"n":{"type":"integer"}},"type":"object"},"thinkingConfig":{"includeThoughts":false,"thinkingLevel":"low"}}`,
			}},
		{"provider options", `{"model":"gemini-3-flash-preview","messages":[{"role":"user","content":"hi"}],
			"provider_options":{"safety_settings":[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_ONLY_HIGH"}],"cached_content":"cachedContents/abc123","thinking_level":"minimal"}}`,
			map[string]string{
				"safetySettings":   `[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_ONLY_HIGH"}]`,
				"cachedContent":    `"cachedContents/abc123"`,
				"generationConfig": `{"thinkingConfig":{"thinkingLevel":"minimal"}}`,
			}},
		{"effort mapped to budget on 2.5", `{"model":"gemini-2.5-flash-lite","messages":[{"role":"user","content":"hi"}],"reasoning":{"effort":"none"},"tools":[{"name":"f"}],"tool_choice":"auto"}`,
			map[string]string{
				"generationConfig": `{"thinkingConfig":{"thinkingBudget":0}}`,
				"toolConfig":       `{"functionCallingConfig":{"mode":"AUTO"}}`,
				"tools":            `[{"functionDeclarations":[{"name":"f"}]}]`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := body(t, tt.req)
			for k, want := range tt.want {
				if got := jsonOf(m[k]); got != want {
					t.Errorf("%s\n got %s\nwant %s", k, got, want)
				}
			}
		})
	}
}

// The projection keeps the property order of the schema (Gemini generates
// properties in propertyOrdering or declaration order).
func TestSchemaKeepsOrder(t *testing.T) {
	out, err := toOpenAPI(json.RawMessage(`{"type":"object","properties":{"z":{"type":"string"},"a":{"type":"string"}}}`), "")
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"type":"object","properties":{"z":{"type":"string"},"a":{"type":"string"}}}` {
		t.Errorf("got %s", out)
	}
}

// run feeds chunks through Transform, batch chunks per call (0: all in one),
// then an END call, with host-owned state; it returns the event lines.
func run(t *testing.T, ctx string, chunks []string, batch int) []string {
	t.Helper()
	return guesttest.Lines(t, guesttest.Batched(t, New(), []byte(ctx), dataChunks(chunks), batch))
}

// dataChunks returns each string as the data of one chunk.
func dataChunks(data []string) []abi.Chunk {
	cs := make([]abi.Chunk, len(data))
	for i, d := range data {
		cs[i] = abi.Chunk{Data: []byte(d)}
	}
	return cs
}

const ctx25 = `{"model":"gemini-2.5-flash","stream":true}`

func TestTransform(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   []string
	}{
		{"thoughts, text, usage",
			[]string{
				`{"candidates": [{"content": {"parts": [{"text": "Let me think","thought": true}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 10,"totalTokenCount": 10},"modelVersion": "gemini-2.5-flash","responseId": "r1"}`,
				`{"candidates": [{"content": {"parts": [{"text": "Hello \"you\"\n","thoughtSignature":"U0lH"}],"role": "model"},"index": 0}],"modelVersion": "gemini-2.5-flash","responseId": "r1"}`,
				`{"candidates": [{"content": {"parts": [{"text": "bye"}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 10,"cachedContentTokenCount": 4,"candidatesTokenCount": 5,"thoughtsTokenCount": 7,"totalTokenCount": 22},"modelVersion": "gemini-2.5-flash","responseId": "r1"}`,
			},
			[]string{
				`{"type":"response-start","id":"r1","model":"gemini-2.5-flash"}`,
				`{"type":"reasoning-delta","text":"Let me think"}`,
				`{"type":"reasoning-signature","signature":"U0lH"}`,
				`{"type":"text-delta","text":"Hello \"you\"\n"}`,
				`{"type":"text-delta","text":"bye"}`,
				`{"type":"usage","input_tokens":10,"output_tokens":12,"cached_input_tokens":4,"reasoning_tokens":7}`,
				`{"type":"finish","reason":"stop","raw_reason":"STOP"}`,
			}},
		{"parallel calls",
			[]string{
				`{"candidates":[{"content":{"parts":[{"functionCall":{"name":"weather","args":{"city": "Paris"}},"thoughtSignature":"S"},{"functionCall":{"name":"weather","args":{"city":"Rome"}}},{"functionCall":{"name":"now"}}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":2},"responseId":"resp-9"}`,
			},
			[]string{
				`{"type":"response-start","id":"resp-9","model":"gemini-2.5-flash"}`,
				`{"type":"reasoning-signature","signature":"S"}`,
				`{"type":"tool-call-start","index":0,"id":"ID0","name":"weather"}`,
				`{"type":"tool-call-delta","index":0,"arguments":"{\"city\":\"Paris\"}"}`,
				`{"type":"tool-call","index":0,"id":"ID0","name":"weather","arguments":"{\"city\":\"Paris\"}"}`,
				`{"type":"tool-call-start","index":1,"id":"ID1","name":"weather"}`,
				`{"type":"tool-call-delta","index":1,"arguments":"{\"city\":\"Rome\"}"}`,
				`{"type":"tool-call","index":1,"id":"ID1","name":"weather","arguments":"{\"city\":\"Rome\"}"}`,
				`{"type":"tool-call-start","index":2,"id":"ID2","name":"now"}`,
				`{"type":"tool-call-delta","index":2,"arguments":"{}"}`,
				`{"type":"tool-call","index":2,"id":"ID2","name":"now","arguments":"{}"}`,
				`{"type":"usage","input_tokens":3,"output_tokens":2,"cached_input_tokens":0,"reasoning_tokens":0}`,
				`{"type":"finish","reason":"tool-calls","raw_reason":"STOP"}`,
			}},
		{"prompt blocked",
			[]string{`{"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},"usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 8},"modelVersion": "gemini-2.5-flash","responseId": "b1"}`},
			[]string{
				`{"type":"response-start","id":"b1","model":"gemini-2.5-flash"}`,
				`{"type":"usage","input_tokens":8,"output_tokens":0,"cached_input_tokens":0,"reasoning_tokens":0}`,
				`{"type":"finish","reason":"content-filter","raw_reason":"PROHIBITED_CONTENT"}`,
			}},
		{"prompt blocked with empty candidates",
			[]string{`{"candidates": [],"promptFeedback": {"blockReason": "OTHER"},"responseId": "b2"}`},
			[]string{
				`{"type":"response-start","id":"b2","model":"gemini-2.5-flash"}`,
				`{"type":"finish","reason":"content-filter","raw_reason":"OTHER"}`,
			}},
		{"call without a name",
			[]string{`{"candidates":[{"content":{"parts":[{"functionCall":{"args":{"a":1}}}]},"finishReason":"STOP"}],"responseId":"n1"}`},
			[]string{
				`{"type":"response-start","id":"n1","model":"gemini-2.5-flash"}`,
				`{"type":"error","code":"tool_arguments_invalid","message":"Gemini sent a function call without a name","retryable":false}`,
			}},
		{"truncated",
			[]string{`{"candidates":[{"content":{"parts":[{"text":"Hel"}],"role":"model"}}],"responseId":"t1"}`},
			[]string{
				`{"type":"response-start","id":"t1","model":"gemini-2.5-flash"}`,
				`{"type":"text-delta","text":"Hel"}`,
				`{"type":"error","code":"stream_truncated","message":"the Gemini stream ended without a finishReason: the response is incomplete","retryable":true}`,
			}},
		{"error inside the stream",
			[]string{
				`{"candidates":[{"content":{"parts":[{"text":"a"}],"role":"model"}}],"responseId":"e1"}`,
				`{"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}`,
				`{"candidates":[{"content":{"parts":[{"text":"ignored"}],"role":"model"},"finishReason":"STOP"}],"responseId":"e1"}`,
			},
			[]string{
				`{"type":"response-start","id":"e1","model":"gemini-2.5-flash"}`,
				`{"type":"text-delta","text":"a"}`,
				`{"type":"error","code":"overloaded","message":"gemini: The model is overloaded. (UNAVAILABLE)","retryable":true}`,
			}},
		{"malformed chunk",
			[]string{`{"candidates":[`},
			[]string{`{"type":"error","code":"stream_truncated","message":"Gemini sent a stream chunk that is not a JSON object","retryable":false}`}},
		{"streamed arguments cut by the finish",
			[]string{
				`{"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"f","willContinue":true}}]}}],"responseId":"p1"}`,
				`{"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"partialArgs":[{"jsonPath":"$.n","numberValue":3},{"jsonPath":"$.s","stringValue":"ab","willContinue":true}],"willContinue":true}}]},"finishReason":"MAX_TOKENS"}],"responseId":"p1"}`,
			},
			[]string{
				`{"type":"response-start","id":"p1","model":"gemini-2.5-flash"}`,
				`{"type":"tool-call-start","index":0,"id":"ID0","name":"f"}`,
				`{"type":"tool-call-delta","index":0,"arguments":"{\"n\":3"}`,
				`{"type":"tool-call-delta","index":0,"arguments":",\"s\":\"ab"}`,
				`{"type":"error","code":"tool_arguments_invalid","message":"Gemini finished while streaming a function call's arguments: the call is incomplete","retryable":false}`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(t, ctx25, tt.chunks, 0)
			// Replace synthesized IDs by placeholders, after checking them.
			ids := map[string]string{}
			for i, l := range got {
				var e struct{ Type, ID string }
				json.Unmarshal([]byte(l), &e)
				if e.ID != "" && e.Type != "response-start" {
					if !strings.HasPrefix(e.ID, "call_") || len(e.ID) != 5+22 {
						t.Errorf("synthesized id %q is not call_ + 22 base62", e.ID)
					}
					if _, ok := ids[e.ID]; !ok {
						ids[e.ID] = "ID" + string(rune('0'+len(ids)))
					}
					got[i] = strings.ReplaceAll(l, e.ID, ids[e.ID])
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("events\n got %s\nwant %s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			// The same stream one chunk per call gives the same events.
			one := run(t, ctx25, tt.chunks, 1)
			for i, l := range one {
				for id, ph := range ids {
					l = strings.ReplaceAll(l, id, ph)
				}
				one[i] = l
			}
			if strings.Join(one, "\n") != strings.Join(got, "\n") {
				t.Errorf("one chunk per call differs:\n%s", strings.Join(one, "\n"))
			}
		})
	}
}

// IDs Gemini gave are echoed on the call and its result; synthesized ones
// are not.
func TestProjectEchoesProviderIDs(t *testing.T) {
	m := body(t, `{"model":"gemini-3-flash-preview","messages":[{"role":"user","content":"hi"},
		{"role":"assistant","content":[{"type":"reasoning","signature":"S","provider":"gemini"},
			{"type":"tool-call","id":"96c1su3s","name":"f","arguments":"{}"},{"type":"tool-call","id":"call_LDx43kLJQRAndrkHcjMa2b","name":"g","arguments":"{}"}]},
		{"role":"tool","content":[{"type":"tool-result","tool_call_id":"call_LDx43kLJQRAndrkHcjMa2b","content":"2"},{"type":"tool-result","tool_call_id":"96c1su3s","content":"1"}]}]}`)
	want := `[{"parts":[{"text":"hi"}],"role":"user"},` +
		`{"parts":[{"functionCall":{"args":{},"id":"96c1su3s","name":"f"},"thoughtSignature":"S"},{"functionCall":{"args":{},"name":"g"}}],"role":"model"},` +
		`{"parts":[{"functionResponse":{"id":"96c1su3s","name":"f","response":{"output":"1"}}},{"functionResponse":{"name":"g","response":{"output":"2"}}}],"role":"user"}]`
	if got := jsonOf(m["contents"]); got != want {
		t.Errorf("contents\n got %s\nwant %s", got, want)
	}
}

// Tool-call IDs are deterministic and differ between responses.
func TestToolIDs(t *testing.T) {
	chunk := func(rid string) []string {
		return []string{`{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{}}},{"functionCall":{"name":"f","args":{}}}]},"finishReason":"STOP"}],"responseId":"` + rid + `"}`}
	}
	id := func(lines []string, n int) string {
		var e struct{ Type, ID string }
		for _, l := range lines {
			json.Unmarshal([]byte(l), &e)
			if e.Type == "tool-call" {
				if n == 0 {
					return e.ID
				}
				n--
			}
		}
		return ""
	}
	a1, a2, b := run(t, ctx25, chunk("A"), 0), run(t, ctx25, chunk("A"), 0), run(t, ctx25, chunk("B"), 0)
	if id(a1, 0) != id(a2, 0) || id(a1, 1) != id(a2, 1) {
		t.Error("IDs are not deterministic")
	}
	if id(a1, 0) == id(a1, 1) || id(a1, 0) == id(b, 0) || id(a1, 1) == id(b, 1) {
		t.Errorf("IDs collide: %s %s %s %s", id(a1, 0), id(a1, 1), id(b, 0), id(b, 1))
	}
	// An id Gemini sends is kept.
	got := run(t, ctx25, []string{`{"candidates":[{"content":{"parts":[{"functionCall":{"id":"abc-1","name":"f","args":{}}}]},"finishReason":"STOP"}],"responseId":"A"}`}, 0)
	if id(got, 0) != "abc-1" {
		t.Errorf("provider id not kept: %v", got)
	}
}

func TestFinishReasons(t *testing.T) {
	tests := []struct {
		raw     string
		call    bool
		want    abi.FinishReason
		wantRaw string
	}{
		{"STOP", false, abi.FinishStop, "STOP"},
		{"STOP", true, abi.FinishToolCalls, "STOP"},
		{"MAX_TOKENS", false, abi.FinishLength, "MAX_TOKENS"},
		{"SAFETY", false, abi.FinishContentFilter, "SAFETY"},
		{"RECITATION", false, abi.FinishContentFilter, "RECITATION"},
		{"BLOCKLIST", false, abi.FinishContentFilter, "BLOCKLIST"},
		{"PROHIBITED_CONTENT", false, abi.FinishContentFilter, "PROHIBITED_CONTENT"},
		{"SPII", false, abi.FinishContentFilter, "SPII"},
		{"IMAGE_SAFETY", false, abi.FinishContentFilter, "IMAGE_SAFETY"},
		{"MALFORMED_FUNCTION_CALL", false, abi.FinishError, "MALFORMED_FUNCTION_CALL"},
		{"LANGUAGE", false, abi.FinishOther, "LANGUAGE"},
		{"SOMETHING_NEW", false, abi.FinishOther, "SOMETHING_NEW"},
		{"1", false, abi.FinishStop, "1"},
		{"1", true, abi.FinishToolCalls, "1"},
		{"2", false, abi.FinishLength, "2"},
		{"3", false, abi.FinishContentFilter, "3"},
		{"10", false, abi.FinishError, "10"},
		{"6", false, abi.FinishOther, "6"},
	}
	for _, tt := range tests {
		part := `{"text":"x"}`
		if tt.call {
			part = `{"functionCall":{"name":"f","args":{}}}`
		}
		fr := `"` + tt.raw + `"`
		if tt.raw[0] >= '0' && tt.raw[0] <= '9' {
			fr = tt.raw // protobuf enum number
		}
		lines := run(t, ctx25, []string{`{"candidates":[{"content":{"parts":[` + part + `]},"finishReason":` + fr + `}],"responseId":"r"}`}, 0)
		want := `{"type":"finish","reason":"` + string(tt.want) + `","raw_reason":"` + tt.wantRaw + `"}`
		if last := lines[len(lines)-1]; last != want {
			t.Errorf("%s (call %v): got %s, want %s", tt.raw, tt.call, last, want)
		}
	}
}

func TestParseResponse(t *testing.T) {
	body := `{
  "candidates": [{"content": {"parts": [{"text": "Hi there","thoughtSignature": "QUJD"},{"functionCall": {"name": "f","args": {"a": [1, 2]}}}],"role": "model"},"finishReason": "STOP","index": 0}],
  "usageMetadata": {"promptTokenCount": 4,"candidatesTokenCount": 6,"totalTokenCount": 10},
  "modelVersion": "gemini-2.5-flash-001",
  "responseId": "w1"
}`
	var out guest.Output
	if err := New().ParseResponse(&abi.ResponseInput{Status: 200, Body: []byte(body)}, &out); err != nil {
		t.Fatal(err)
	}
	got := strings.TrimSpace(string(out.Events()))
	lines := strings.Split(got, "\n")
	if len(lines) != 8 {
		t.Fatalf("got %d events:\n%s", len(lines), got)
	}
	want := []string{
		`{"type":"response-start","id":"w1","model":"gemini-2.5-flash-001"}`,
		`{"type":"reasoning-signature","signature":"QUJD"}`,
		`{"type":"text-delta","text":"Hi there"}`,
		``, // tool-call-start
		`{"type":"tool-call-delta","index":0,"arguments":"{\"a\":[1,2]}"}`,
		``, // tool-call, checked below
		`{"type":"usage","input_tokens":4,"output_tokens":6,"cached_input_tokens":0,"reasoning_tokens":0}`,
		`{"type":"finish","reason":"tool-calls","raw_reason":"STOP"}`,
	}
	for i, w := range want {
		if w != "" && lines[i] != w {
			t.Errorf("event %d: got %s, want %s", i, lines[i], w)
		}
	}
	var tc abi.Event
	if err := json.Unmarshal([]byte(lines[5]), &tc); err != nil || tc.Type != abi.EventToolCall || tc.Name != "f" || tc.Arguments != `{"a":[1,2]}` || tc.Index != 0 {
		t.Errorf("tool-call event %s (%v)", lines[5], err)
	}
}

func TestMapError(t *testing.T) {
	guesttest.NamedErrors(t, New(), map[string]guesttest.ErrorCase{
		"per-minute quota with retry delay": {Status: 429, Body: `{"error":{"code":429,"message":"You exceeded your current quota.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaId":"GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}]},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"34.4s"}]}}`, Code: abi.CodeRateLimited, Retryable: true},
		"daily quota":                       {Status: 429, Body: `{"error":{"code":429,"message":"You exceeded your current quota.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaId":"GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"20s"}]}}`, Code: abi.CodeRateLimited, Retryable: false},
		"quota":                             {Status: 429, Body: `{"error":{"code":429,"message":"You exceeded your current quota.","status":"RESOURCE_EXHAUSTED"}}`, Code: abi.CodeRateLimited, Retryable: true},
		"overloaded":                        {Status: 503, Body: `{"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}`, Code: abi.CodeOverloaded, Retryable: true},
		"internal":                          {Status: 500, Body: `{"error":{"code":500,"message":"Internal error","status":"INTERNAL"}}`, Code: abi.CodeServerError, Retryable: true},
		"bad key":                           {Status: 400, Body: `{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}`, Code: abi.CodeAuthentication, Retryable: false},
		"invalid":                           {Status: 400, Body: `{"error":{"code":400,"message":"Invalid JSON payload","status":"INVALID_ARGUMENT"}}`, Code: abi.CodeInvalidRequest, Retryable: false},
		"too long":                          {Status: 400, Body: `{"error":{"code":400,"message":"The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}}`, Code: abi.CodeContextLengthExceeded, Retryable: false},
		"denied":                            {Status: 403, Body: `{"error":{"code":403,"message":"Permission denied","status":"PERMISSION_DENIED"}}`, Code: abi.CodePermission, Retryable: false},
		"not found":                         {Status: 404, Body: `[{"error":{"code":404,"message":"models/x is not found","status":"NOT_FOUND"}}]`, Code: abi.CodeNotFound, Retryable: false},
		"unauthenticated":                   {Status: 401, Body: `{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}`, Code: abi.CodeAuthentication, Retryable: false},
		"html 502":                          {Status: 502, Body: `<html>Bad Gateway</html>`, Code: abi.CodeServerError, Retryable: true},
	})
}

func TestCapabilities(t *testing.T) {
	for _, tt := range []struct {
		model       string
		tools       string
		reasoning   bool
		structured  string
		auth, hdr   string
		stateFormat string
	}{
		{"", abi.SupportNative, true, abi.SupportNative, abi.AuthHeader, "x-goog-api-key", StateFormat},
		{"gemini-2.5-pro", abi.SupportNative, true, abi.SupportNative, abi.AuthHeader, "x-goog-api-key", StateFormat},
		{"gemini-2.0-flash", abi.SupportNative, false, abi.SupportNative, abi.AuthHeader, "x-goog-api-key", StateFormat},
		{"gemma-3-27b-it", abi.SupportNone, false, abi.SupportNone, abi.AuthHeader, "x-goog-api-key", StateFormat},
	} {
		c := New().Capabilities(tt.model)
		if c.Features.ToolCalling != tt.tools || c.Features.Reasoning != tt.reasoning || c.Features.StructuredOutput != tt.structured ||
			c.Auth.Scheme != tt.auth || c.Auth.Name != tt.hdr || c.StateFormat != tt.stateFormat || c.Model != tt.model || c.Name != "gemini" {
			t.Errorf("%q: %+v", tt.model, c)
		}
	}
}

func TestStateRoundTrip(t *testing.T) {
	s := state{started: true, inCall: true, openStr: true, calls: 3, hasUsage: true,
		usage:      abi.Usage{InputTokens: 1 << 20, OutputTokens: 5, CachedInputTokens: 2, ReasoningTokens: 1},
		responseID: []byte("rid"), callID: []byte("call_x"), callName: []byte("f"), callArgs: []byte(`{"a":"b`), callPath: []byte("$.a")}
	var d state
	if err := d.Decode(s.Encode(nil)); err != nil {
		t.Fatal(err)
	}
	if jsonOf(fmtState(d)) != jsonOf(fmtState(s)) {
		t.Errorf("got %+v, want %+v", d, s)
	}
	for _, bad := range []string{"\x02\x00", "\x01", "\x01\x00\x80", "\x01\x00\x00\x00\x00\x00\x00\x09ab"} {
		if err := d.Decode([]byte(bad)); err == nil {
			t.Errorf("decode(%q) accepted a bad state", bad)
		}
	}
}

func fmtState(s state) []any {
	return []any{s.started, s.done, s.sawCall, s.hasUsage, s.inCall, s.openStr, s.calls, s.usage,
		string(s.responseID), string(s.callID), string(s.callName), string(s.callArgs), string(s.callPath)}
}

// FuzzTransform checks that arbitrary chunks never make Transform fail or
// emit invalid JSON, and that batching does not change the events.
func FuzzTransform(f *testing.F) {
	f.Add(`{"candidates":[{"content":{"parts":[{"text":"a"}]},"finishReason":"STOP"}],"responseId":"r"}`, `{"error":{}}`)
	f.Add(`{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","willContinue":true}}]}}]}`, `{"candidates":[{"content":{"parts":[{"functionCall":{"partialArgs":[{"jsonPath":"$.a","stringValue":"x\"y"}]}}]}}]}`)
	f.Add(`{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","willContinue":true}}]}}]}`, `{"candidates":[{"content":{"parts":[{"functionCall":{"partialArgs":[{"jsonPath":"$.r.i[0].a","numberValue":1},{"jsonPath":"$.r.i[1]['b c']","stringValue":"x","willContinue":true},{"jsonPath":"$.r.t[0][2]","boolValue":true}]}}]}}]}`)
	f.Add(`{"promptFeedback":{"blockReason":"SAFETY"}}`, `[`)
	f.Add(`{"candidates":[{"content":{"parts":[{"executableCode":{"language":"PYTHON","code":"1"}}]}}],"responseId":"r"}`, `{"candidates":[{"content":{"parts":[{"codeExecutionResult":{"outcome":"OUTCOME_FAILED"}}]},"finishReason":"STOP","urlContextMetadata":{"urlMetadata":[{"retrievedUrl":"u"}]}}]}`)
	f.Fuzz(func(t *testing.T, a, b string) {
		all := run(t, ctx25, []string{a, b}, 0)
		one := run(t, ctx25, []string{a, b}, 1)
		if strings.Join(all, "\n") != strings.Join(one, "\n") {
			t.Errorf("batching changes events:\n%v\n%v", all, one)
		}
		checkEvents(t, all)
	})
}

// checkEvents checks what the host's validator checks (guesttest.Check)
// and that the stream ends with exactly one finish or error.
func checkEvents(t *testing.T, lines []string) {
	t.Helper()
	if ends := guesttest.Check(t, []byte(strings.Join(lines, "\n"))).Ends; ends != 1 {
		t.Errorf("want exactly one finish or error, got %d: %v", ends, lines)
	}
}

// BenchmarkTransformTextChunk measures one text chunk per call with
// host-owned state, the steady state of a stream.
func BenchmarkTransformTextChunk(b *testing.B) {
	chunk := abi.Chunk{Data: []byte(textChunk)}
	guesttest.BenchTransformTapes(b, New(), abi.TransformInput{Context: []byte(ctx25), Chunks: []abi.Chunk{chunk}}, chunk)
}

// textChunk is a steady text chunk of a stream.
const textChunk = `{"candidates": [{"content": {"parts": [{"text": "The quick brown fox jumps over the lazy dog, again and again."}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 15,"candidatesTokenCount": 12,"totalTokenCount": 27,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 15}]},"modelVersion": "gemini-2.5-flash","responseId": "w1peaMz6INOvnvgPgYfPiQY"}`

// TestTransformAllocs pins the per-chunk path: a steady text chunk
// allocates nothing, read from bytes or from its tape.
func TestTransformAllocs(t *testing.T) {
	chunk := abi.Chunk{Data: []byte(textChunk)}
	state := guesttest.StateAfter(t, New(), abi.TransformInput{Context: []byte(ctx25), Chunks: []abi.Chunk{chunk}})
	guesttest.NoAllocs(t, New(), map[string]*abi.TransformInput{"text": {State: state, Chunks: []abi.Chunk{chunk}}})
}

// TestNestedPartialArgs checks that streamed function-call arguments with
// nested JSONPaths build nested values, whatever the chunking, and that
// the deltas concatenate to the arguments of the tool-call event.
func TestNestedPartialArgs(t *testing.T) {
	tests := []struct {
		name    string
		pieces  []string // partialArgs elements, one part each
		want    string   // the tool-call arguments, or "" for an error
		errCode abi.Code
	}{
		{"nested objects and an array of objects", []string{
			`{"jsonPath":"$.recipe.name","stringValue":"Crê","willContinue":true}`,
			`{"jsonPath":"$.recipe.name","stringValue":"pes"}`,
			`{"jsonPath":"$.recipe.ingredients[0].item","stringValue":"flour"}`,
			`{"jsonPath":"$.recipe.ingredients[0].amount","numberValue":250}`,
			`{"jsonPath":"$.recipe.ingredients[1].item","stringValue":"milk"}`,
			`{"jsonPath":"$.recipe.ingredients[1].amount","numberValue":0.5}`,
			`{"jsonPath":"$.recipe.vegan","boolValue":false}`,
			`{"jsonPath":"$.servings","numberValue":4}`,
		}, `{"recipe":{"name":"Crêpes","ingredients":[{"item":"flour","amount":250},{"item":"milk","amount":0.5}],"vegan":false},"servings":4}`, ""},
		{"array of scalars, bracket keys, null", []string{
			`{"jsonPath":"$.tags[0]","stringValue":"a"}`,
			`{"jsonPath":"$.tags[1]","stringValue":"b"}`,
			`{"jsonPath":"$['odd key'].x","nullValue":null}`,
			`{"jsonPath":"$.m[0][1]","numberValue":2}`,
		}, `{"tags":["a","b"],"odd key":{"x":null},"m":[[2]]}`, ""},
		{"ends inside nested containers", []string{
			`{"jsonPath":"$.a.b.c","stringValue":"deep","willContinue":true}`,
		}, `{"a":{"b":{"c":"deep"}}}`, ""},
		{"one container used as object and array", []string{
			`{"jsonPath":"$.a[0]","numberValue":1}`,
			`{"jsonPath":"$.a.b","numberValue":2}`,
		}, "", abi.CodeToolArgumentsInvalid},
		{"path not under the root object", []string{
			`{"jsonPath":"$[0]","numberValue":1}`,
		}, "", abi.CodeToolArgumentsInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chunks := []string{`{"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"cook","willContinue":true}}]}}],"responseId":"n1"}`}
			for _, p := range tt.pieces {
				chunks = append(chunks, `{"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"partialArgs":[`+p+`],"willContinue":true}}]}}],"responseId":"n1"}`)
			}
			chunks = append(chunks, `{"candidates":[{"content":{"role":"model","parts":[{"functionCall":{}}]},"finishReason":"STOP"}],"responseId":"n1"}`)
			events := guesttest.Stable(t, New(), []byte(ctx25), dataChunks(chunks))
			var deltas, args string
			var code abi.Code
			for _, l := range guesttest.Lines(t, events) {
				var e struct {
					Type      abi.EventType
					Arguments string
					Code      abi.Code
				}
				if err := json.Unmarshal([]byte(l), &e); err != nil {
					t.Fatal(err)
				}
				switch e.Type {
				case abi.EventToolCallDelta:
					deltas += e.Arguments
				case abi.EventToolCall:
					args = e.Arguments
				case abi.EventError:
					code = e.Code
				}
			}
			if tt.want == "" {
				if code != tt.errCode {
					t.Errorf("error code %q, want %q:\n%s", code, tt.errCode, events)
				}
				return
			}
			if args != tt.want || deltas != tt.want {
				t.Errorf("arguments %s, deltas %s; want %s\n%s", args, deltas, tt.want, events)
			}
		})
	}
}

func TestModelFamilyRule(t *testing.T) {
	tests := []struct {
		model                      string
		levels, noMinimal, thinks  bool
		noDisableThinking, jsonSch bool
	}{
		{"gemini-3-pro-preview", true, true, true, false, true},
		{"gemini-3.5-pro", true, true, true, false, true},
		{"gemini-4-flash", true, false, true, false, true},
		{"models/gemini-3.1-flash-lite", true, false, true, false, true},
		{"gemini-2.5-pro", false, false, true, true, true},
		{"gemini-2.7-flash", false, false, true, false, true},
		{"gemini-2.0-flash", false, false, false, false, false},
		{"gemini-2.0-flash-thinking-exp", false, false, true, false, false},
		{"gemini-exp-1206", false, false, false, false, false},
	}
	for _, tt := range tests {
		f := modelFamily(tt.model)
		if f.levels != tt.levels || f.noMinimal != tt.noMinimal || f.features.Reasoning != tt.thinks || f.noDisableThinking != tt.noDisableThinking || f.jsonSchema != tt.jsonSch {
			t.Errorf("%s: %+v", tt.model, f)
		}
	}
}

func TestCapabilitiesSource(t *testing.T) {
	guesttest.Sources(t, New(), map[string]string{
		"gemini-2.5-flash":            abi.SourceTable,
		"models/gemini-3-pro-preview": abi.SourceTable,
		"gemini-3.5-pro":              abi.SourceFamily,
		"gemini-4-flash":              abi.SourceFamily,
		"no-such-model-1":             abi.SourceUnknown,
		"":                            "",
	})
}

func TestTextBoundaries(t *testing.T) {
	tests := []struct {
		name  string
		parts []string // one chunk each
		want  string   // the text-deltas joined with |
	}{
		{"text split across chunks", []string{`{"text":"a"}`, `{"text":"b"}`}, "a|b"},
		{"a thought between texts", []string{`{"text":"a"}`, `{"text":"t","thought":true}`, `{"text":"b"}`}, "a|\n\n|b"},
		{"code execution between texts", []string{`{"text":"a"}`, `{"executableCode":{"code":"1"}}`, `{"codeExecutionResult":{"output":"1"}}`, `{"text":"b"}`}, "a|\n\n|b"},
		{"a signature-only part is no boundary", []string{`{"text":"a"}`, `{"text":"","thoughtSignature":"S"}`, `{"text":"b"}`}, "a|b"},
		{"a thought before any text is no boundary", []string{`{"text":"t","thought":true}`, `{"text":"a"}`}, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var chunks []string
			for i, p := range tt.parts {
				fin := ""
				if i == len(tt.parts)-1 {
					fin = `,"finishReason":"STOP"`
				}
				chunks = append(chunks, `{"candidates":[{"content":{"role":"model","parts":[`+p+`]}`+fin+`}],"responseId":"b1"}`)
			}
			var texts []string
			for _, l := range guesttest.Lines(t, guesttest.Stable(t, New(), []byte(ctx25), dataChunks(chunks))) {
				var e abi.Event
				if err := json.Unmarshal([]byte(l), &e); err != nil {
					t.Fatal(err)
				}
				if e.Type == abi.EventTextDelta {
					texts = append(texts, e.Text)
				}
			}
			if got := strings.Join(texts, "|"); got != tt.want {
				t.Errorf("text-deltas %q, want %q", got, tt.want)
			}
		})
	}
}
