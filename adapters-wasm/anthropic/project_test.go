package anthropic

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
	"github.com/wasmadapt/wasmadapt/guest/toolid"
)

// TestProjectBody checks whole projected bodies, compared as JSON values.
func TestProjectBody(t *testing.T) {
	tests := []struct {
		name, req, want string
	}{
		{"minimal whole response: default max_tokens capped for non-streaming",
			`{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"Hi"}]}`,
			`{"model":"claude-sonnet-4-5","max_tokens":16384,"messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}]}`},
		{"minimal stream: max_tokens defaults to the model's maximum",
			`{"model":"claude-sonnet-4-5","stream":true,"messages":[{"role":"user","content":"Hi"}]}`,
			`{"model":"claude-sonnet-4-5","max_tokens":64000,"stream":true,"messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}]}`},
		{"max_output_tokens 0 is refused",
			`{"model":"claude-future","messages":[{"role":"user","content":"Hi"}],"max_output_tokens":0}`,
			``},
		{"unknown model gets the smallest documented default",
			`{"model":"claude-future","messages":[{"role":"user","content":"Hi"}]}`,
			`{"model":"claude-future","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}]}`},
		{"system moved to top level, several joined as blocks",
			`{"model":"claude-3-5-haiku-latest","max_output_tokens":100,"messages":[{"role":"system","content":"A"},{"role":"user","content":"Hi"},{"role":"system","content":"B"}]}`,
			`{"model":"claude-3-5-haiku-latest","max_tokens":100,"system":[{"type":"text","text":"A"},{"type":"text","text":"B"}],"messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}]}`},
		{"consecutive same-role merged, empty text dropped, prefill trimmed",
			`{"model":"claude-opus-4-1","max_output_tokens":10,"messages":[{"role":"user","content":"a"},{"role":"user","content":[{"type":"text","text":"  "},{"type":"text","text":"b"}]},{"role":"assistant","content":""},{"role":"user","content":"c"},{"role":"assistant","content":"The answer is "}]}`,
			`{"model":"claude-opus-4-1","max_tokens":10,"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"},{"type":"text","text":"c"}]},{"role":"assistant","content":[{"type":"text","text":"The answer is"}]}]}`},
		{"tool round trip: results in one user turn, first, IDs sanitized identically",
			`{"model":"claude-sonnet-4-5","max_output_tokens":50,"tools":[{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}],"tool_choice":"required","messages":[
			  {"role":"user","content":"Weather in Paris and Rome?"},
			  {"role":"assistant","content":[{"type":"text","text":"Checking."},{"type":"tool-call","id":"functions.get_weather:0","name":"get_weather","arguments":"{\"city\": \"Paris\"}"},{"type":"tool-call","id":"call_2","name":"get_weather","arguments":""}]},
			  {"role":"tool","content":[{"type":"tool-result","tool_call_id":"functions.get_weather:0","name":"get_weather","content":"18C"}]},
			  {"role":"user","content":"and be brief"},
			  {"role":"tool","content":[{"type":"tool-result","tool_call_id":"call_2","name":"get_weather","content":"boom","is_error":true}]}]}`,
			`{"model":"claude-sonnet-4-5","max_tokens":50,
			  "messages":[
			    {"role":"user","content":[{"type":"text","text":"Weather in Paris and Rome?"}]},
			    {"role":"assistant","content":[{"type":"text","text":"Checking."},{"type":"tool_use","id":"` + toolid.Sanitize("functions.get_weather:0", toolid.AlnumDashUnderscore) + `","name":"get_weather","input":{"city":"Paris"}},{"type":"tool_use","id":"call_2","name":"get_weather","input":{}}]},
			    {"role":"user","content":[{"type":"tool_result","tool_use_id":"` + toolid.Sanitize("functions.get_weather:0", toolid.AlnumDashUnderscore) + `","content":"18C"},{"type":"tool_result","tool_use_id":"call_2","content":"boom","is_error":true},{"type":"text","text":"and be brief"}]}],
			  "tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
			  "tool_choice":{"type":"any"}}`},
		{"thinking echoed only from this provider, in order",
			`{"model":"claude-sonnet-4-5","max_output_tokens":4000,"reasoning":{"budget_tokens":2000},"messages":[
			  {"role":"user","content":"q"},
			  {"role":"assistant","content":[{"type":"reasoning","text":"think","signature":"sig1","provider":"anthropic"},{"type":"reasoning","redacted":"opaque","provider":"anthropic"},{"type":"reasoning","text":"gemini thought","signature":"gsig","provider":"gemini"},{"type":"reasoning","text":"unsigned","provider":"anthropic"},{"type":"text","text":"a"}]},
			  {"role":"user","content":"more"}]}`,
			`{"model":"claude-sonnet-4-5","max_tokens":4000,"thinking":{"type":"enabled","budget_tokens":2000},"messages":[
			  {"role":"user","content":[{"type":"text","text":"q"}]},
			  {"role":"assistant","content":[{"type":"thinking","thinking":"think","signature":"sig1"},{"type":"redacted_thinking","data":"opaque"},{"type":"text","text":"a"}]},
			  {"role":"user","content":[{"type":"text","text":"more"}]}]}`},
		{"adaptive thinking with effort on Claude 4.6",
			`{"model":"claude-opus-4-6","max_output_tokens":8000,"reasoning":{"effort":"high"},"stream":true,"messages":[{"role":"user","content":"q"}]}`,
			`{"model":"claude-opus-4-6","max_tokens":8000,"thinking":{"type":"adaptive"},"output_config":{"effort":"high"},"stream":true,"messages":[{"role":"user","content":[{"type":"text","text":"q"}]}]}`},
		{"temperature 1 (the default) is accepted with thinking",
			`{"model":"claude-sonnet-4-5","max_output_tokens":3000,"temperature":1,"reasoning":{"budget_tokens":1024},"messages":[{"role":"user","content":"q"}]}`,
			`{"model":"claude-sonnet-4-5","max_tokens":3000,"temperature":1,"thinking":{"type":"enabled","budget_tokens":1024},"messages":[{"role":"user","content":[{"type":"text","text":"q"}]}]}`},
		{"effort budget shrinks under a small max_tokens",
			`{"model":"claude-3-7-sonnet-latest","max_output_tokens":4000,"reasoning":{"effort":"high"},"messages":[{"role":"user","content":"q"}]}`,
			`{"model":"claude-3-7-sonnet-latest","max_tokens":4000,"thinking":{"type":"enabled","budget_tokens":3999},"messages":[{"role":"user","content":[{"type":"text","text":"q"}]}]}`},
		{"native structured output",
			`{"model":"claude-haiku-4-5","max_output_tokens":100,"response_format":{"type":"json_schema","name":"person","schema":{"type":"object","properties":{"name":{"type":"string"}},"required":["name"],"additionalProperties":false}},"messages":[{"role":"user","content":"q"}]}`,
			`{"model":"claude-haiku-4-5","max_tokens":100,"output_config":{"format":{"type":"json_schema","schema":{"type":"object","properties":{"name":{"type":"string"}},"required":["name"],"additionalProperties":false}}},"messages":[{"role":"user","content":[{"type":"text","text":"q"}]}]}`},
		{"emulated structured output: one forced tool",
			`{"model":"claude-3-5-haiku-latest","max_output_tokens":100,"response_format":{"type":"json_schema","name":"person","schema":{"type":"object"}},"messages":[{"role":"user","content":"q"}]}`,
			`{"model":"claude-3-5-haiku-latest","max_tokens":100,"tools":[{"name":"person","description":"Respond with a JSON object that matches this schema.","input_schema":{"type":"object"}}],"tool_choice":{"type":"tool","name":"person"},"messages":[{"role":"user","content":[{"type":"text","text":"q"}]}]}`},
		{"tool_choice none keeps the tools, images, sampling and options",
			`{"model":"claude-3-5-sonnet-latest","max_output_tokens":100,"temperature":0.5,"top_p":0.9,"stop":["END"],"tools":[{"name":"t","description":"d"}],"tool_choice":"none","provider_options":{"top_k":5,"user_id":"u1"},"messages":[{"role":"user","content":[{"type":"image","media_type":"image/png","data":"iVBOR"},{"type":"image","url":"https://x/y.jpg"},{"type":"text","text":"what?"}]}]}`,
			`{"model":"claude-3-5-sonnet-latest","max_tokens":100,"temperature":0.5,"top_p":0.9,"top_k":5,"stop_sequences":["END"],"metadata":{"user_id":"u1"},"tools":[{"name":"t","description":"d","input_schema":{"type":"object","properties":{}}}],"tool_choice":{"type":"none"},"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBOR"}},{"type":"image","source":{"type":"url","url":"https://x/y.jpg"}},{"type":"text","text":"what?"}]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr, err := project(t, tt.req)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("projection succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Project: %v", err)
			}
			if pr.Method != "POST" || pr.Path != "/v1/messages" || pr.Headers["anthropic-version"] != "2023-06-01" {
				t.Errorf("request line/headers = %s %s %v", pr.Method, pr.Path, pr.Headers)
			}
			guesttest.SameJSON(t, "body", pr.Body, tt.want)
		})
	}
}

func TestProjectFraming(t *testing.T) {
	for _, stream := range []bool{true, false} {
		req := `{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"q"}],"stream":` + map[bool]string{true: "true", false: "false"}[stream] + `,"provider_options":{"anthropic_beta":["a-1","b-2"]}}`
		pr, err := project(t, req)
		if err != nil {
			t.Fatal(err)
		}
		want := abi.FramingNone
		if stream {
			want = abi.FramingSSE
		}
		if pr.StreamFraming != want || pr.Headers["anthropic-beta"] != "a-1,b-2" {
			t.Errorf("stream=%v: framing %q headers %v", stream, pr.StreamFraming, pr.Headers)
		}
	}
}

// TestProjectRefusals checks that what cannot be served fails closed with a
// stable code and the offending element's pointer.
func TestProjectRefusals(t *testing.T) {
	const user = `"messages":[{"role":"user","content":"q"}]`
	guesttest.ProjectErrors(t, New(), map[string]guesttest.Refusal{
		"forced tool with thinking":             {Req: `{"model":"claude-sonnet-4-5","reasoning":{"budget_tokens":2000},"tools":[{"name":"t"}],"tool_choice":{"tool":"t"},` + user + `}`, Code: abi.CodeCapabilityUnsupported, Pointer: "/tool_choice"},
		"required with thinking":                {Req: `{"model":"claude-sonnet-4-5","reasoning":{"effort":"low"},"tools":[{"name":"t"}],"tool_choice":"required",` + user + `}`, Code: abi.CodeCapabilityUnsupported, Pointer: "/tool_choice"},
		"thinking on a model without it":        {Req: `{"model":"claude-3-5-haiku-latest","reasoning":{"effort":"low"},` + user + `}`, Code: abi.CodeCapabilityUnsupported, Pointer: "/reasoning"},
		"budget on adaptive-only model":         {Req: `{"model":"claude-opus-4-7","reasoning":{"budget_tokens":2000},` + user + `}`, Code: abi.CodeCapabilityUnsupported, Pointer: "/reasoning/budget_tokens"},
		"budget too small":                      {Req: `{"model":"claude-sonnet-4-5","reasoning":{"budget_tokens":100},` + user + `}`, Code: abi.CodeInvalidRequest, Pointer: "/reasoning/budget_tokens"},
		"budget above max_tokens":               {Req: `{"model":"claude-sonnet-4-5","max_output_tokens":2000,"reasoning":{"budget_tokens":2000},` + user + `}`, Code: abi.CodeInvalidRequest, Pointer: "/reasoning/budget_tokens"},
		"temperature above 1":                   {Req: `{"model":"claude-sonnet-4-5","temperature":1.5,` + user + `}`, Code: abi.CodeInvalidRequest, Pointer: "/temperature"},
		"temperature with thinking":             {Req: `{"model":"claude-sonnet-4-5","temperature":0.2,"reasoning":{"budget_tokens":2000},` + user + `}`, Code: abi.CodeCapabilityUnsupported, Pointer: "/temperature"},
		"top_k with thinking":                   {Req: `{"model":"claude-sonnet-4-5","reasoning":{"effort":"low"},"provider_options":{"top_k":5},` + user + `}`, Code: abi.CodeCapabilityUnsupported, Pointer: "/provider_options/top_k"},
		"unknown effort":                        {Req: `{"model":"claude-sonnet-4-5","reasoning":{"effort":"xhigh"},` + user + `}`, Code: abi.CodeInvalidRequest, Pointer: "/reasoning/effort"},
		"temperature and top_p on 4.5":          {Req: `{"model":"claude-sonnet-4-5","temperature":0.2,"top_p":0.5,` + user + `}`, Code: abi.CodeInvalidRequest, Pointer: "/top_p"},
		"strict tool on an old model":           {Req: `{"model":"claude-3-5-sonnet-latest","tools":[{"name":"t","strict":true}],` + user + `}`, Code: abi.CodeCapabilityUnsupported, Pointer: "/tools/0/strict"},
		"bad tool name":                         {Req: `{"model":"claude-sonnet-4-5","tools":[{"name":"a.b"}],` + user + `}`, Code: abi.CodeInvalidRequest, Pointer: "/tools/0/name"},
		"forced tool unknown":                   {Req: `{"model":"claude-sonnet-4-5","tools":[{"name":"a"}],"tool_choice":{"tool":"b"},` + user + `}`, Code: abi.CodeInvalidRequest, Pointer: "/tool_choice"},
		"emulated structured output with tools": {Req: `{"model":"claude-3-haiku-20240307","tools":[{"name":"a"}],"response_format":{"type":"json_schema","schema":{"type":"object"}},` + user + `}`, Code: abi.CodeCapabilityUnsupported, Pointer: "/response_format"},
		"unknown provider option":               {Req: `{"model":"claude-sonnet-4-5","provider_options":{"foo":1},` + user + `}`, Code: abi.CodeInvalidRequest, Pointer: "/provider_options/foo"},
		"starts with assistant":                 {Req: `{"model":"claude-sonnet-4-5","messages":[{"role":"assistant","content":"hi"},{"role":"user","content":"q"}]}`, Code: abi.CodeInvalidRequest, Pointer: "/messages/0/content/0"},
		"no content":                            {Req: `{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":" "}]}`, Code: abi.CodeInvalidRequest, Pointer: "/messages"},
		"tool history without tools":            {Req: `{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"tool-call","id":"c1","name":"t","arguments":"{}"}]},{"role":"tool","content":[{"type":"tool-result","tool_call_id":"c1","content":"r"}]}]}`, Code: abi.CodeInvalidRequest, Pointer: "/tools"},
		"orphan tool result":                    {Req: `{"model":"claude-sonnet-4-5","tools":[{"name":"t"}],"messages":[{"role":"user","content":"q"},{"role":"tool","content":[{"type":"tool-result","tool_call_id":"c9","content":"r"}]}]}`, Code: abi.CodeInvalidRequest, Pointer: "/messages/1/content/0"},
		"unanswered tool call":                  {Req: `{"model":"claude-sonnet-4-5","tools":[{"name":"t"}],"messages":[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"tool-call","id":"c1","name":"t","arguments":"{}"}]},{"role":"user","content":"next"}]}`, Code: abi.CodeInvalidRequest, Pointer: "/messages/1/content/0"},
		"tool arguments not an object":          {Req: `{"model":"claude-sonnet-4-5","tools":[{"name":"t"}],"messages":[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"tool-call","id":"c1","name":"t","arguments":"[1]"}]},{"role":"tool","content":[{"type":"tool-result","tool_call_id":"c1","content":"r"}]}]}`, Code: abi.CodeInvalidRequest, Pointer: "/messages/1/content/0/arguments"},
		"image media type":                      {Req: `{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":[{"type":"image","media_type":"image/bmp","data":"AA"}]}]}`, Code: abi.CodeInvalidRequest, Pointer: "/messages/0/content/0/media_type"},
	})
}

func TestCapabilities(t *testing.T) {
	tests := []struct {
		model      string
		reasoning  bool
		structured string
	}{
		{"claude-sonnet-4-5-20250929", true, abi.SupportNative},
		{"claude-opus-4-6", true, abi.SupportNative},
		{"claude-3-7-sonnet-latest", true, abi.SupportJSONMode},
		{"claude-3-5-haiku-20241022", false, abi.SupportJSONMode},
		{"", false, abi.SupportJSONMode},
	}
	for _, tt := range tests {
		c := New().Capabilities(tt.model)
		if c.Features.Reasoning != tt.reasoning || c.Features.StructuredOutput != tt.structured {
			t.Errorf("%q: reasoning %v structured %q, want %v %q", tt.model, c.Features.Reasoning, c.Features.StructuredOutput, tt.reasoning, tt.structured)
		}
		if c.Auth != (abi.Auth{Scheme: abi.AuthHeader, Name: "x-api-key"}) || c.Provider != "anthropic" || c.StateFormat == "" {
			t.Errorf("%q: identity %+v", tt.model, c)
		}
	}
}

func TestLookupFamilies(t *testing.T) {
	// {name, the table prefix served, "" for unknownModel}
	guesttest.Serves(t, func(name string) string { return lookup(name).prefix }, [][2]string{
		{"claude-opus-4-7", "claude-opus-4-7"},
		{"claude-opus-4-20250514", "claude-opus-4"},
		{"claude-opus-4-8", "claude-opus-4-7"},
		{"claude-opus-5-20270101", "claude-opus-4-7"},
		{"claude-sonnet-4-7", "claude-sonnet-4-6"},
		{"claude-haiku-4-6", "claude-haiku-4-5"},
		{"claude-3-5-sonnet-latest", "claude-3-5-sonnet"},
		{"claude-mythos-1", ""},
		{"whatever-model", ""},
	})
}

func TestOpus47Sampling(t *testing.T) {
	guesttest.DefaultSampling(t, New(), [][2]string{
		{`{"model":"claude-opus-4-7","temperature":0.2,"messages":[{"role":"user","content":"q"}]}`, "/temperature"},
		{`{"model":"claude-opus-4-7","top_p":0.9,"messages":[{"role":"user","content":"q"}]}`, "/top_p"},
		{`{"model":"claude-opus-4-8","provider_options":{"top_k":5},"messages":[{"role":"user","content":"q"}]}`, "/provider_options/top_k"},
	}, `{"model":"claude-opus-4-7","temperature":1,"top_p":1,"messages":[{"role":"user","content":"q"}]}`, "temperature", "top_p")
}

func TestCapabilitiesSource(t *testing.T) {
	guesttest.Sources(t, New(), map[string]string{
		"claude-sonnet-4-5-20250929": abi.SourceTable,
		"claude-opus-4-8":            abi.SourceFamily,
		"no-such-model-1":            abi.SourceUnknown,
		"":                           "",
	})
}
