package ollama

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
	"github.com/wasmadapt/wasmadapt/guest/think"
)

func TestProject(t *testing.T) {
	tests := []struct {
		name, req, framing, body string
	}{
		{"stream text with options", `{"model":"llama3.2","stream":true,"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"}],
			"max_output_tokens":50,"temperature":0,"top_p":0.5,"stop":["\n\n"],"provider_options":{"keep_alive":"10m","options":{"num_ctx":8192,"seed":7}}}`,
			"ndjson",
			`{"keep_alive":"10m","messages":[{"content":"Be brief.","role":"system"},{"content":"hi","role":"user"}],"model":"llama3.2",` +
				`"options":{"num_ctx":8192,"num_predict":50,"seed":7,"stop":["\n\n"],"temperature":0,"top_p":0.5},"stream":true}`},
		{"whole, tools and history", `{"model":"qwen3-vl:8b","messages":[
			{"role":"user","content":[{"type":"text","text":"Weather?"},{"type":"image","media_type":"image/png","data":"iVBO"}]},
			{"role":"assistant","content":[{"type":"reasoning","text":"hmm","provider":"ollama"},{"type":"reasoning","text":"other","provider":"anthropic","signature":"s"},
				{"type":"tool-call","id":"call_1","name":"weather","arguments":"{\"city\": \"Paris\"}"},{"type":"tool-call","id":"call_2","name":"time","arguments":""}]},
			{"role":"tool","content":[{"type":"tool-result","tool_call_id":"call_1","content":"sunny"}]},
			{"role":"tool","content":[{"type":"tool-result","tool_call_id":"call_2","name":"time","content":"noon"}]}],
			"tools":[{"name":"weather","description":"Get weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},{"name":"time"}],
			"tool_choice":"auto","reasoning":{"effort":"high"},"response_format":{"type":"json_schema","schema":{"type":"object"}}}`,
			"none",
			`{"format":{"type":"object"},"messages":[{"content":"Weather?","images":["iVBO"],"role":"user"},` +
				`{"content":"","role":"assistant","thinking":"hmm","tool_calls":[{"function":{"arguments":{"city":"Paris"},"name":"weather"}},{"function":{"arguments":{},"name":"time"}}]},` +
				`{"content":"sunny","role":"tool","tool_name":"weather"},{"content":"noon","role":"tool","tool_name":"time"}],"model":"qwen3-vl:8b","stream":false,"think":true,` +
				`"tools":[{"function":{"description":"Get weather","name":"weather","parameters":{"properties":{"city":{"type":"string"}},"required":["city"],"type":"object"}},"type":"function"},` +
				`{"function":{"name":"time","parameters":{"properties":{},"type":"object"}},"type":"function"}]}`},
		{"results before the user's text in a mixed user message", `{"model":"llama3.2","messages":[{"role":"user","content":"hi"},
			{"role":"assistant","content":[{"type":"tool-call","id":"c9","name":"now","arguments":"{}"}]},
			{"role":"user","content":[{"type":"text","text":"and?"},{"type":"tool-result","tool_call_id":"c9","content":"noon","is_error":false}]}]}`,
			"none",
			`{"messages":[{"content":"hi","role":"user"},{"content":"","role":"assistant","tool_calls":[{"function":{"arguments":{},"name":"now"}}]},` +
				`{"content":"noon","role":"tool","tool_name":"now"},{"content":"and?","role":"user"}],"model":"llama3.2","stream":false}`},
		{"gpt-oss think level, json mode, tool_choice none", `{"model":"gpt-oss:20b","messages":[{"role":"user","content":"hi"}],"tools":[{"name":"f"}],"tool_choice":"none",
			"reasoning":{"effort":"low"},"response_format":{"type":"json_schema"}}`,
			"none",
			`{"format":"json","messages":[{"content":"hi","role":"user"}],"model":"gpt-oss:20b","stream":false,"think":"low"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr, err := New().Project(guesttest.Request(t, tt.req))
			if err != nil {
				t.Fatal(err)
			}
			if pr.Method != "POST" || pr.Path != "/api/chat" || pr.StreamFraming != tt.framing {
				t.Errorf("got %s %s framing %s", pr.Method, pr.Path, pr.StreamFraming)
			}
			if got := guesttest.Canon(t, pr.Body); got != tt.body {
				t.Errorf("body\n got %s\nwant %s", got, tt.body)
			}
		})
	}
}

func TestProjectErrors(t *testing.T) {
	user := `"messages":[{"role":"user","content":"hi"}]`
	guesttest.ProjectErrors(t, New(), map[string]guesttest.Refusal{
		"no model":                         {Req: `{"model":"",` + user + `}`, Code: abi.CodeInvalidRequest, Pointer: "/model"},
		"required tool":                    {Req: `{"model":"llama3.2",` + user + `,"tools":[{"name":"f"}],"tool_choice":"required"}`, Code: abi.CodeCapabilityUnsupported},
		"named tool":                       {Req: `{"model":"llama3.2",` + user + `,"tools":[{"name":"f"}],"tool_choice":{"tool":"f"}}`, Code: abi.CodeCapabilityUnsupported},
		"budget":                           {Req: `{"model":"qwen3",` + user + `,"reasoning":{"budget_tokens":100}}`, Code: abi.CodeCapabilityUnsupported},
		"thinking on a non-thinking model": {Req: `{"model":"llama3.2",` + user + `,"reasoning":{"effort":"high"}}`, Code: abi.CodeCapabilityUnsupported},
		"tools on gemma3":                  {Req: `{"model":"gemma3:1b",` + user + `,"tools":[{"name":"f"}]}`, Code: abi.CodeCapabilityUnsupported},
		"image url":                        {Req: `{"model":"llava","messages":[{"role":"user","content":[{"type":"image","url":"https://x/y.png"}]}]}`, Code: abi.CodeCapabilityUnsupported},
		"unknown option":                   {Req: `{"model":"llama3.2",` + user + `,"provider_options":{"format":"json"}}`, Code: abi.CodeInvalidRequest, Pointer: "/provider_options/format"},
		"option conflict":                  {Req: `{"model":"llama3.2",` + user + `,"temperature":1,"provider_options":{"options":{"temperature":0.1}}}`, Code: abi.CodeInvalidRequest, Pointer: "/provider_options/options/temperature"},
		"unmatched result":                 {Req: `{"model":"llama3.2","messages":[{"role":"user","content":"hi"},{"role":"tool","content":[{"type":"tool-result","tool_call_id":"x","content":"1"}]}]}`, Code: abi.CodeInvalidRequest, Pointer: "/messages/1/content/0"},
		"arguments not an object":          {Req: `{"model":"llama3.2","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool-call","id":"c","name":"f","arguments":"[]"}]}]}`, Code: abi.CodeInvalidRequest, Pointer: "/messages/1/content/0/arguments"},
	})
}

func run(t *testing.T, lines []string, batch int) []string {
	t.Helper()
	return runCtx(t, "", lines, batch)
}

// runCtx is run with a stream context: lines fed batch a call (0: all in
// one), then an end call; it returns the event lines, after checking that
// the same lines sent with their tapes give the same events.
func runCtx(t *testing.T, ctx string, lines []string, batch int) []string {
	t.Helper()
	cs := make([]abi.Chunk, len(lines))
	for i, l := range lines {
		cs[i] = abi.Chunk{Data: []byte(l)}
	}
	events := guesttest.Batched(t, New(), []byte(ctx), cs, batch)
	if taped := guesttest.Batched(t, New(), []byte(ctx), guesttest.Taped(cs), batch); string(taped) != string(events) {
		t.Fatalf("tapes change the events:\nbytes:\n%s\ntapes:\n%s", events, taped)
	}
	return guesttest.Lines(t, events)
}

func TestTransform(t *testing.T) {
	const head = `{"model":"qwen3:8b","created_at":"2025-08-20T13:48:24.316155Z",`
	tests := []struct {
		name  string
		lines []string
		want  []string
	}{
		{"thinking then text",
			[]string{
				head + `"message":{"role":"assistant","content":"","thinking":"Let me"},"done":false}`,
				head + `"message":{"role":"assistant","content":"","thinking":" think"},"done":false}`,
				head + `"message":{"role":"assistant","content":"Hi \"there\""},"done":false}`,
				head + `"message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"total_duration":1,"prompt_eval_count":16,"eval_count":22}`,
			},
			[]string{
				`{"type":"response-start","id":"RESP","model":"qwen3:8b"}`,
				`{"type":"reasoning-delta","text":"Let me"}`,
				`{"type":"reasoning-delta","text":" think"}`,
				`{"type":"text-delta","text":"Hi \"there\""}`,
				`{"type":"usage","input_tokens":16,"output_tokens":22,"cached_input_tokens":0,"reasoning_tokens":0}`,
				`{"type":"finish","reason":"stop","raw_reason":"stop"}`,
			}},
		{"parallel tool calls",
			[]string{
				head + `"message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"weather","arguments":{"city": "Paris", "days": 2}}},{"function":{"index":1,"name":"now","arguments":{}}}]},"done":false}`,
				head + `"message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"prompt_eval_count":30,"eval_count":12}`,
			},
			[]string{
				`{"type":"response-start","id":"RESP","model":"qwen3:8b"}`,
				`{"type":"tool-call-start","index":0,"id":"ID0","name":"weather"}`,
				`{"type":"tool-call-delta","index":0,"arguments":"{\"city\":\"Paris\",\"days\":2}"}`,
				`{"type":"tool-call","index":0,"id":"ID0","name":"weather","arguments":"{\"city\":\"Paris\",\"days\":2}"}`,
				`{"type":"tool-call-start","index":1,"id":"ID1","name":"now"}`,
				`{"type":"tool-call-delta","index":1,"arguments":"{}"}`,
				`{"type":"tool-call","index":1,"id":"ID1","name":"now","arguments":"{}"}`,
				`{"type":"usage","input_tokens":30,"output_tokens":12,"cached_input_tokens":0,"reasoning_tokens":0}`,
				`{"type":"finish","reason":"tool-calls","raw_reason":"stop"}`,
			}},
		{"length",
			[]string{head + `"message":{"role":"assistant","content":"a"},"done_reason":"length","done":true,"eval_count":1}`},
			[]string{
				`{"type":"response-start","id":"RESP","model":"qwen3:8b"}`,
				`{"type":"text-delta","text":"a"}`,
				`{"type":"usage","input_tokens":0,"output_tokens":1,"cached_input_tokens":0,"reasoning_tokens":0}`,
				`{"type":"finish","reason":"length","raw_reason":"length"}`,
			}},
		{"load",
			[]string{head + `"message":{"role":"assistant","content":""},"done_reason":"load","done":true}`},
			[]string{
				`{"type":"response-start","id":"RESP","model":"qwen3:8b"}`,
				`{"type":"usage","input_tokens":0,"output_tokens":0,"cached_input_tokens":0,"reasoning_tokens":0}`,
				`{"type":"finish","reason":"other","raw_reason":"load"}`,
			}},
		{"error line",
			[]string{head + `"message":{"role":"assistant","content":"a"},"done":false}`, `{"error":"an error was encountered while running the model: unexpected EOF"}`, head + `"message":{"role":"assistant","content":"b"},"done":true}`},
			[]string{
				`{"type":"response-start","id":"RESP","model":"qwen3:8b"}`,
				`{"type":"text-delta","text":"a"}`,
				`{"type":"error","code":"server_error","message":"ollama: an error was encountered while running the model: unexpected EOF","retryable":true}`,
			}},
		{"truncated",
			[]string{head + `"message":{"role":"assistant","content":"a"},"done":false}`},
			[]string{
				`{"type":"response-start","id":"RESP","model":"qwen3:8b"}`,
				`{"type":"text-delta","text":"a"}`,
				`{"type":"error","code":"stream_truncated","message":"the Ollama stream ended before its done:true line: the response is incomplete","retryable":true}`,
			}},
		{"bad arguments",
			[]string{head + `"message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"f","arguments":[1]}}]},"done":false}`},
			[]string{
				`{"type":"response-start","id":"RESP","model":"qwen3:8b"}`,
				`{"type":"error","code":"tool_arguments_invalid","message":"Ollama sent tool-call arguments that are not a JSON object","retryable":false}`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			norm := func(evs []string) string {
				ids := map[string]string{}
				for i, l := range evs {
					var e struct{ Type, ID string }
					json.Unmarshal([]byte(l), &e)
					if e.ID == "" {
						continue
					}
					ph, ok := ids[e.ID]
					if !ok {
						if e.Type == "response-start" {
							ph = "RESP"
							if !strings.HasPrefix(e.ID, "resp_") {
								t.Errorf("response id %q", e.ID)
							}
						} else {
							ph = "ID" + string(rune('0'+len(ids)-1))
							if !strings.HasPrefix(e.ID, "call_") || len(e.ID) != 27 {
								t.Errorf("tool-call id %q", e.ID)
							}
						}
						ids[e.ID] = ph
					}
					evs[i] = strings.ReplaceAll(l, e.ID, ph)
				}
				return strings.Join(evs, "\n")
			}
			got := norm(run(t, tt.lines, 0))
			if want := strings.Join(tt.want, "\n"); got != want {
				t.Errorf("events\n got %s\nwant %s", got, want)
			}
			if one := norm(run(t, tt.lines, 1)); one != got {
				t.Errorf("one line per call differs:\n%s", one)
			}
		})
	}
}

func TestThinkTags(t *testing.T) {
	const head = `{"model":"qwen3:8b","created_at":"2025-01-01T00:00:00.5Z","message":{"role":"assistant","content":`
	lines := []string{
		head + `"\u003cthi"},"done":false}`,
		head + `"nk\u003eLet me"},"done":false}`,
		head + `"see.\u003c/th"},"done":false}`,
		head + `"ink\u003e\n\nIt is 4 \u003c 5."},"done":false}`,
		head + `""},"done_reason":"stop","done":true,"prompt_eval_count":5,"eval_count":9}`,
	}
	on := `{"model":"qwen3:8b","stream":true,"provider_options":{"think_tags":true}}`
	want := []string{
		`{"type":"reasoning-delta","text":"Let me"}`,
		`{"type":"reasoning-delta","text":"see."}`,
		`{"type":"text-delta","text":"It is 4 < 5."}`,
		`{"type":"usage","input_tokens":5,"output_tokens":9,"cached_input_tokens":0,"reasoning_tokens":0}`,
		`{"type":"finish","reason":"stop","raw_reason":"stop"}`,
	}
	for _, batch := range []int{0, 1, 2} {
		got := runCtx(t, on, lines, batch)[1:] // after response-start
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("batch %d:\n got %s\nwant %s", batch, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	// Off (the default): the content is text as sent.
	off := runCtx(t, `{"model":"qwen3:8b","stream":true}`, lines, 0)
	if off[1] != `{"type":"text-delta","text":"\u003cthi"}` {
		t.Errorf("think_tags off changed the text: %v", off)
	}
	// Cut off inside the block: what is held is flushed as reasoning before
	// the truncation error.
	cut := runCtx(t, on, lines[:2], 1)
	if got := strings.Join(cut[1:], "\n"); got != `{"type":"reasoning-delta","text":"Let me"}`+"\n"+`{"type":"error","code":"stream_truncated","message":"the Ollama stream ended before its done:true line: the response is incomplete","retryable":true}` {
		t.Errorf("cut stream: %s", got)
	}
	// A whole response.
	var out guest.Output
	body := `{"model":"qwen3:8b","created_at":"t","message":{"role":"assistant","content":"\u003cthink\u003eHmm.\u003c/think\u003e\nYes."},"done_reason":"stop","done":true}`
	if err := New().ParseResponse(&abi.ResponseInput{Status: 200, Context: []byte(on), Body: []byte(body)}, &out); err != nil {
		t.Fatal(err)
	}
	if got := string(out.Events()); !strings.Contains(got, `{"type":"reasoning-delta","text":"Hmm."}`+"\n"+`{"type":"text-delta","text":"Yes."}`) {
		t.Errorf("whole response: %s", got)
	}
}

// IDs are deterministic and differ between responses (created_at).
func TestIDs(t *testing.T) {
	resp := func(created string) []string {
		return []string{`{"model":"m","created_at":"` + created + `","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"f","arguments":{}}},{"function":{"name":"f","arguments":{}}}]},"done":true,"done_reason":"stop"}`}
	}
	ids := func(evs []string) (out []string) {
		for _, l := range evs {
			var e struct{ Type, ID string }
			json.Unmarshal([]byte(l), &e)
			if e.Type == "tool-call" || e.Type == "response-start" {
				out = append(out, e.ID)
			}
		}
		return out
	}
	a, a2, b := ids(run(t, resp("t1"), 0)), ids(run(t, resp("t1"), 0)), ids(run(t, resp("t2"), 0))
	if strings.Join(a, ",") != strings.Join(a2, ",") {
		t.Error("IDs are not deterministic")
	}
	seen := map[string]bool{}
	for _, id := range append(a, b...) {
		if seen[id] {
			t.Errorf("ID %s repeats: %v %v", id, a, b)
		}
		seen[id] = true
	}
	// An id Ollama sends is kept.
	got := ids(run(t, []string{`{"model":"m","created_at":"t","message":{"role":"assistant","content":"","tool_calls":[{"id":"call_x9","function":{"name":"f","arguments":{}}}]},"done":true}`}, 0))
	if got[1] != "call_x9" {
		t.Errorf("provider id not kept: %v", got)
	}
}

func TestParseResponse(t *testing.T) {
	body := `{"model":"llama3.2","created_at":"2025-01-01T00:00:00Z","message":{"role":"assistant","content":"{\"a\":1}","tool_calls":[{"function":{"name":"f","arguments":{"x":"y"}}}]},"done_reason":"stop","done":true,"prompt_eval_count":5,"eval_count":3}`
	var out guest.Output
	if err := New().ParseResponse(&abi.ResponseInput{Status: 200, Body: []byte(body)}, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out.Events())), "\n")
	var types []string
	for _, l := range lines {
		var e abi.Event
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		types = append(types, string(e.Type))
		if e.Type == abi.EventToolCall && (e.Arguments != `{"x":"y"}` || e.Name != "f") {
			t.Errorf("tool-call %s", l)
		}
		if e.Type == abi.EventTextDelta && e.Text != `{"a":1}` {
			t.Errorf("text %s", l)
		}
	}
	if got := strings.Join(types, ","); got != "response-start,text-delta,tool-call-start,tool-call-delta,tool-call,usage,finish" {
		t.Errorf("event types %s", got)
	}
}

func TestMapError(t *testing.T) {
	guesttest.MapErrors(t, New(), []guesttest.ErrorCase{
		{Status: 404, Body: `{"error":"model \"llama9\" not found, try pulling it first"}`, Code: abi.CodeNotFound},
		{Status: 400, Body: `{"error":"registry.ollama.ai/library/gemma3:1b does not support tools"}`, Code: abi.CodeCapabilityUnsupported},
		{Status: 400, Body: `{"error":"invalid message format"}`, Code: abi.CodeInvalidRequest},
		{Status: 500, Body: `{"error":"llama runner process has terminated"}`, Code: abi.CodeServerError, Retryable: true},
		{Status: 503, Body: `{"error":"server busy, please try again.  maximum pending requests exceeded"}`, Code: abi.CodeOverloaded, Retryable: true},
		{Status: 401, Body: `{"error":"unauthorized"}`, Code: abi.CodeAuthentication},
		{Status: 429, Body: `{"error":"too many requests"}`, Code: abi.CodeRateLimited, Retryable: true},
		{Status: 502, Body: `Bad Gateway`, Code: abi.CodeServerError, Retryable: true},
	})
}

func TestCapabilities(t *testing.T) {
	for _, tt := range []struct {
		model             string
		tools             string
		reasoning, vision bool
		source            string
	}{
		{"", abi.SupportNative, true, true, ""},
		// A model of no known family: plain text only.
		{"my-finetune:latest", abi.SupportNone, false, false, abi.SourceUnknown},
		{"llama3.2", abi.SupportNative, false, false, abi.SourceFamily},
		{"qwen3:8b", abi.SupportNative, true, false, abi.SourceFamily},
		{"gemma3:4b", abi.SupportNone, false, true, abi.SourceFamily},
		{"hf.co/org/llava:7b", abi.SupportNone, false, true, abi.SourceFamily},
	} {
		c := New().Capabilities(tt.model)
		if c.Features.ToolCalling != tt.tools || c.Features.Reasoning != tt.reasoning || c.Features.Vision != tt.vision || c.Features.Source != tt.source || c.Auth.Scheme != abi.AuthNone || c.StateFormat != StateFormat {
			t.Errorf("%q: %+v", tt.model, c)
		}
	}
}

func TestStateRoundTrip(t *testing.T) {
	s := state{started: true, sawCall: true, calls: 300, key: []byte("m\x00t")}
	var d state
	if err := d.Decode(s.Encode(nil)); err != nil {
		t.Fatal(err)
	}
	if d.started != s.started || d.done != s.done || d.sawCall != s.sawCall || d.calls != s.calls || string(d.key) != string(s.key) {
		t.Errorf("got %+v", d)
	}
	// With the splitter inside a think block.
	s.split = true
	s.splitter, _ = think.New(splitOptions)
	s.splitter.Feed(nil, "<think>abc</th")
	if err := d.Decode(s.Encode(nil)); err != nil {
		t.Fatal(err)
	}
	if !d.split || string(d.splitter.AppendState(nil)) != string(s.splitter.AppendState(nil)) || string(d.key) != string(s.key) {
		t.Errorf("splitter state lost: %+v", d)
	}
	for _, bad := range []string{"\x02\x00\x00", "\x01\x00", "\x01\x00\x80", "\x01\x08\x00\x01"} {
		if d.Decode([]byte(bad)) == nil {
			t.Errorf("decode(%q) accepted a bad state", bad)
		}
	}
}

func FuzzTransform(f *testing.F) {
	f.Add(`{"model":"m","message":{"content":"a","tool_calls":[{"function":{"name":"f","arguments":{"a":[1,{"b":"\u00e9"}]}}}]}}`, `{"done":true,"done_reason":"stop"}`)
	f.Add(`{"error":"x"}`, `{`)
	f.Add(`{"model":"m","created_at":"t","message":{"content":"<think>a</thi"}}`, `{"message":{"content":"nk>b<"},"done":true}`)
	f.Add(`{"message":{"tool_calls":[{"function":{"name":"f","arguments":"{\"a\": 1}"}}]}}`, `{"done":true}`)
	f.Fuzz(func(t *testing.T, a, b string) {
		ctx := `{"model":"m","provider_options":{"think_tags":true}}`
		if len(a)%2 == 0 {
			ctx = ""
		}
		all := runCtx(t, ctx, []string{a, b}, 0)
		one := runCtx(t, ctx, []string{a, b}, 1)
		if strings.Join(all, "\n") != strings.Join(one, "\n") {
			t.Errorf("batching changes events:\n%v\n%v", all, one)
		}
		if ends := guesttest.Check(t, []byte(strings.Join(all, "\n"))).Ends; ends != 1 {
			t.Errorf("want exactly one finish or error, got %d: %v", ends, all)
		}
	})
}

// BenchmarkTransformLine measures one NDJSON content line per call with
// host-owned state, the steady state of a stream.
func BenchmarkTransformLine(b *testing.B) {
	line := abi.Chunk{Data: []byte(contentLine)}
	guesttest.BenchTransformTapes(b, New(), abi.TransformInput{Chunks: []abi.Chunk{line}}, line)
}

// contentLine is a steady content line of a stream.
const contentLine = `{"model":"gemma3:1b","created_at":"2025-08-20T13:48:24.321129Z","message":{"role":"assistant","content":" jumps over"},"done":false}`

// TestTransformAllocs pins the per-chunk path: a steady content line
// allocates nothing, read from bytes or from its tape.
func TestTransformAllocs(t *testing.T) {
	line := abi.Chunk{Data: []byte(contentLine)}
	state := guesttest.StateAfter(t, New(), abi.TransformInput{Chunks: []abi.Chunk{line}})
	guesttest.NoAllocs(t, New(), map[string]*abi.TransformInput{"content": {State: state, Chunks: []abi.Chunk{line}}})
}

// TestDetails: models of a listed family report their model card's
// limits (gpt-oss its effort levels, which think takes) and the sampling
// fields projection sends; others none.
func TestDetails(t *testing.T) {
	text, vision := []string{abi.ModalityText}, []string{abi.ModalityText, abi.ModalityImage}
	sampling := []string{abi.SamplingTemperature, abi.SamplingTopP, abi.SamplingStop}
	d := func(ctx, out int, mods []string) *abi.ModelDetails {
		return guesttest.Sampled(guesttest.Limits(ctx, out, mods...), sampling...)
	}
	gptOSS := d(131072, 131072, text)
	gptOSS.Reasoning = &abi.ReasoningControls{Efforts: []string{"low", "medium", "high"}}
	for _, tc := range []struct {
		model string
		want  *abi.ModelDetails
	}{
		{"llama3.3:70b", d(131072, 0, text)},
		{"llama3:8b", d(8192, 0, text)},
		{"gemma3:27b", d(131072, 8192, vision)},
		{"qwen3:32b", d(131072, 0, text)},
		{"gpt-oss:20b", gptOSS},
		{"mistral-small3.2:24b", d(131072, 0, vision)},
		{"llama4:scout", d(10<<20, 0, vision)},
		{"phi4:14b", nil},
		{"my-finetune:latest", nil},
	} {
		guesttest.Details(t, New(), tc.model, tc.want)
	}
}
