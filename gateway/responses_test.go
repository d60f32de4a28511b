package gateway_test

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/host/providertest"
)

// TestResponses: /v1/responses, streamed and not, with a
// function_call_output turn, and its errors in OpenAI's shape.
func TestResponses(t *testing.T) {
	srv, _ := newGateway(t, nil)
	auth := "Authorization: Bearer " + testKey
	tools := `"tools":[{"type":"function","name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}]`
	status, ctype, body := post(t, srv.URL+"/v1/responses", `{"model":"demo-weather","stream":true,"input":"Weather in Paris and Tokyo?",`+tools+`}`, auth)
	if status != 200 || ctype != "text/event-stream" {
		t.Fatalf("stream: %d %s %s", status, ctype, body)
	}
	evs := parseSSE(t, body)
	if evs[0].event != "response.created" || evs[len(evs)-1].event != "response.completed" {
		t.Fatalf("first %s, last %s", evs[0].event, evs[len(evs)-1].event)
	}
	last := evs[len(evs)-1].data
	for _, want := range []string{`"call_id":"call_Qm4xWeatherParis"`, `"name":"get_weather"`, `"model":"demo-weather"`, `"status":"completed"`} {
		if !strings.Contains(last, want) {
			t.Errorf("response.completed lacks %s: %s", want, last)
		}
	}

	turn := `{"model":"demo-weather","input":[{"role":"user","content":"Weather in Paris and Tokyo?"},
	 {"type":"function_call","call_id":"call_Qm4xWeatherParis","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
	 {"type":"function_call_output","call_id":"call_Qm4xWeatherParis","output":"14C cloudy"}],` + tools + `}`
	status, ctype, body = post(t, srv.URL+"/v1/responses", turn, auth)
	if status != 200 || ctype != "application/json" || !strings.Contains(body, `"object":"response"`) ||
		!strings.Contains(body, `"text":"It's 14 °C and cloudy in Paris, and 19 °C with clear skies in Tokyo."`) {
		t.Fatalf("whole: %d %s %s", status, ctype, body)
	}

	for _, tc := range []struct {
		body    string
		status  int
		errType string
	}{
		{`{"model":"nope","input":"hi"}`, 404, "not_found_error"},
		{`{"model":"demo-weather","input":"hi","previous_response_id":"resp_1"}`, 400, "invalid_request_error"},
	} {
		status, _, body := post(t, srv.URL+"/v1/responses", tc.body, auth)
		if status != tc.status {
			t.Fatalf("%s: status %d, want %d: %s", tc.body, status, tc.status, body)
		}
		checkErrorShape(t, "/v1/responses", body, tc.errType)
	}
}

// providerCase is the provider of the golden case testdata/module/name.
func providerCase(t *testing.T, module, name string) *providertest.Server {
	t.Helper()
	return providertest.NewHandler([]providertest.Case{loadCase(t, module, name)})
}

// TestPauseAcrossDialects: a turn the provider paused (Anthropic
// pause_turn, finish reason pause) is stop_reason "pause_turn" on
// /v1/messages, streamed and not; Chat Completions, which has no such
// reason, says "stop"; Responses, which has no paused status, "completed".
func TestPauseAcrossDialects(t *testing.T) {
	srv, _ := newGatewayFor(t, "anthropic", "claude-sonnet-4-5", providerCase(t, "anthropic", "stream-pause-turn-server-tool"))
	const msgs = `{"model":"demo-weather","max_tokens":1024,"messages":[{"role":"user","content":"Weather in Paris?"}]}`
	for _, tc := range []struct {
		path, body, auth, want string
	}{
		{"/v1/messages", msgs, "x-api-key: ", `"stop_reason":"pause_turn"`},
		{"/v1/messages", strings.Replace(msgs, `"messages"`, `"stream":true,"messages"`, 1), "x-api-key: ", `"delta":{"stop_reason":"pause_turn","stop_sequence":null}`},
		{"/v1/chat/completions", `{"model":"demo-weather","messages":[{"role":"user","content":"Weather in Paris?"}]}`, "Authorization: Bearer ", `"finish_reason":"stop"`},
		{"/v1/chat/completions", `{"model":"demo-weather","stream":true,"messages":[{"role":"user","content":"Weather in Paris?"}]}`, "Authorization: Bearer ", `"finish_reason":"stop"`},
		{"/v1/responses", `{"model":"demo-weather","input":"Weather in Paris?"}`, "Authorization: Bearer ", `"status":"completed"`},
		{"/v1/responses", `{"model":"demo-weather","stream":true,"input":"Weather in Paris?"}`, "Authorization: Bearer ", `event: response.completed`},
	} {
		status, _, body := post(t, srv.URL+tc.path, tc.body, tc.auth+testKey)
		if status != 200 || !strings.Contains(body, tc.want) {
			t.Errorf("%s %s: status %d, want 200 with %s: %s", tc.path, tc.body, status, tc.want, body)
		}
	}
}

// TestApprovalRequests: a provider's approval request (an MCP tool with
// require_approval) is an mcp_approval_request output item on
// /v1/responses, streamed and not, after the mcp_list_tools item of the
// server's tools; Chat Completions and Messages cannot
// carry it and fail the call with capability_unsupported, saying to use
// /v1/responses (400 before a stream began, the in-stream error after).
func TestApprovalRequests(t *testing.T) {
	srv, _ := newGatewayFor(t, "openai-responses", "gpt-4.1", providerCase(t, "openai-responses", "stream-mcp-approval-request"))
	bearer := "Authorization: Bearer " + testKey
	const item = `{"type":"mcp_approval_request","id":"mcpr_12","server_label":"deepwiki","name":"ask_question","arguments":"{\"question\":\"What is wasmadapt?\"}"}`
	const list = `{"type":"mcp_list_tools","id":"mcpl_11","server_label":"deepwiki","tools":[{"name":"ask_question","input_schema":{"type":"object","properties":{"question":{"type":"string"}}},"annotations":null}],"error":null}`

	status, _, body := post(t, srv.URL+"/v1/responses", `{"model":"demo-weather","input":"What is wasmadapt?"}`, bearer)
	if status != 200 || !strings.Contains(body, `"output":[`+list+`,`+item+`]`) {
		t.Fatalf("whole: status %d, want 200 with the items %s, %s: %s", status, list, item, body)
	}
	status, _, body = post(t, srv.URL+"/v1/responses", `{"model":"demo-weather","stream":true,"input":"What is wasmadapt?"}`, bearer)
	evs := parseSSE(t, body)
	var names []string
	for _, e := range evs {
		names = append(names, e.event)
	}
	if status != 200 || strings.Join(names, " ") != "response.created response.in_progress response.output_item.added response.output_item.done response.output_item.added response.output_item.done response.completed" ||
		!strings.Contains(evs[2].data, `"item":`+list) || !strings.Contains(evs[4].data, `"item":`+item) || !strings.Contains(evs[6].data, `"output":[`+list+`,`+item+`]`) {
		t.Fatalf("stream: status %d, events %v: %s", status, names, body)
	}

	for _, tc := range []struct {
		path, body, auth string
		status           int
	}{
		{"/v1/chat/completions", `{"model":"demo-weather","messages":[{"role":"user","content":"What is wasmadapt?"}]}`, bearer, 400},
		{"/v1/messages", `{"model":"demo-weather","max_tokens":100,"messages":[{"role":"user","content":"What is wasmadapt?"}]}`, "x-api-key: " + testKey, 400},
		{"/v1/chat/completions", `{"model":"demo-weather","stream":true,"messages":[{"role":"user","content":"What is wasmadapt?"}]}`, bearer, 200},
		{"/v1/messages", `{"model":"demo-weather","stream":true,"max_tokens":100,"messages":[{"role":"user","content":"What is wasmadapt?"}]}`, "x-api-key: " + testKey, 200},
	} {
		status, _, body := post(t, srv.URL+tc.path, tc.body, tc.auth)
		if status != tc.status || !strings.Contains(body, `approval before it runs its tool \"mcp\"`) || !strings.Contains(body, "POST /v1/responses") {
			t.Errorf("%s %s: status %d, want %d and the capability_unsupported error saying to use /v1/responses: %s", tc.path, tc.body, status, tc.status, body)
		}
		if tc.status == 400 {
			checkErrorShape(t, tc.path, body, "invalid_request_error")
		} else if strings.Contains(body, "[DONE]") || strings.Contains(body, "message_stop") {
			t.Errorf("%s: a failed stream ended as a success: %s", tc.path, body)
		}
	}
}

// TestResponsesReasoningAndRefusal: over raw HTTP, /v1/responses streams
// a provider's reasoning as a reasoning item
// (response.reasoning_summary_text.delta) and its refusal as a refusal
// part (response.refusal.delta), and a whole response carries both.
func TestResponsesReasoningAndRefusal(t *testing.T) {
	bearer := "Authorization: Bearer " + testKey
	for _, tc := range []struct {
		name, module, model, caseName string
		deltaEvent, doneField, want   string
		wantItem                      string
	}{
		{"reasoning", "anthropic", "claude-sonnet-4-5", "stream-thinking-parallel-tools",
			"response.reasoning_summary_text.delta", "text", "Two cities, two calls.",
			`{"type":"reasoning","id":"rs_0","summary":[{"type":"summary_text","text":"Two cities, two calls."}]}`},
		{"refusal", "openai-responses", "gpt-4.1-mini", "stream-refusal",
			"response.refusal.delta", "refusal", "I can't help with that.",
			`{"type":"message","id":"msg_0","status":"completed","role":"assistant","content":[{"type":"refusal","refusal":"I can't help with that."}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := newGatewayFor(t, tc.module, tc.model, providerCase(t, tc.module, tc.caseName))
			status, _, body := post(t, srv.URL+"/v1/responses", `{"model":"demo-weather","stream":true,"input":"Weather in Paris and Rome?"}`, bearer)
			if status != 200 {
				t.Fatalf("stream: status %d: %s", status, body)
			}
			var deltas, done string
			doneEvent := strings.TrimSuffix(tc.deltaEvent, ".delta") + ".done"
			for _, e := range parseSSE(t, body) {
				var d map[string]any
				if err := json.Unmarshal([]byte(e.data), &d); err != nil {
					t.Fatal(err)
				}
				switch e.event {
				case tc.deltaEvent:
					deltas += d["delta"].(string)
				case doneEvent:
					done, _ = d[tc.doneField].(string)
				}
			}
			if deltas != tc.want || done != tc.want || !strings.Contains(body, tc.wantItem) {
				t.Fatalf("stream: deltas %q, %s %q; want %q and the item %s in:\n%s", deltas, doneEvent, done, tc.want, tc.wantItem, body)
			}
			status, _, body = post(t, srv.URL+"/v1/responses", `{"model":"demo-weather","input":"Weather in Paris and Rome?"}`, bearer)
			if status != 200 || !strings.Contains(body, tc.wantItem) {
				t.Fatalf("whole: status %d, want 200 with %s: %s", status, tc.wantItem, body)
			}
		})
	}
}

// sameJSONValue reports whether a and b hold the same JSON value.
func sameJSONValue(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}

// TestApprovalContinuation: a turn that pauses for approval (the mcp
// tool's require_approval) is continued through /v1/responses: the client
// sends the mcp tool, gets the mcp_list_tools and mcp_approval_request
// items, sends them back (all the output, or the request only) with its
// mcp_approval_response, and the continuation reaching the provider
// carries those items (and the mcp tool) as the Responses API takes them;
// the reply streams back (or comes whole) with the mcp_call item of the
// call the provider ran. Malformed answers are 400s in OpenAI's error
// shape, before any provider call.
func TestApprovalContinuation(t *testing.T) {
	const mcpTool = `{"type":"mcp","server_label":"deepwiki","server_url":"https://mcp.deepwiki.com/mcp","require_approval":"always"}`
	const request = `{"type":"mcp_approval_request","id":"mcpr_12","server_label":"deepwiki","name":"ask_question","arguments":"{\"question\":\"What is wasmadapt?\"}"}`
	const user = `{"role":"user","content":"What is wasmadapt?"}`
	const tools = `[{"name":"ask_question","input_schema":{"type":"object","properties":{"question":{"type":"string"}}},"annotations":null}]`
	const list = `{"type":"mcp_list_tools","id":"mcpl_11","server_label":"deepwiki","tools":` + tools + `,"error":null}`
	const mcpCall = `{"type":"mcp_call","id":"mcp_02","server_label":"deepwiki","name":"ask_question","arguments":"{\"repoName\":\"wasmadapt/wasmadapt\",\"question\":\"What is an adapter module?\"}",` +
		`"output":"A WebAssembly module that translates one provider's wire format.","error":null}`
	bearer := "Authorization: Bearer " + testKey
	for _, tc := range []struct {
		name, answer string
		stream       bool
		// all: the client sends the whole output back, not the request only.
		all bool
		// wantAnswer is the mcp_approval_response item the provider gets.
		wantAnswer string
	}{
		{"approved, streamed, the whole output back", `{"type":"mcp_approval_response","approval_request_id":"mcpr_12","approve":true}`, true, true,
			`{"type":"mcp_approval_response","approval_request_id":"mcpr_12","approve":true}`},
		{"denied with a reason, whole, the request back", `{"type":"mcp_approval_response","approval_request_id":"mcpr_12","approve":false,"reason":"not today"}`, false, false,
			`{"type":"mcp_approval_response","approval_request_id":"mcpr_12","approve":false,"reason":"not today"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prov := providertest.NewHandler([]providertest.Case{
				loadCase(t, "openai-responses", "stream-mcp-approval-request"), loadCase(t, "openai-responses", "stream-hosted-tools")}, providertest.WithSequence())
			srv, _ := newGatewayFor(t, "openai-responses", "gpt-4.1", prov)

			status, _, body := post(t, srv.URL+"/v1/responses", `{"model":"demo-weather","input":"What is wasmadapt?","tools":[`+mcpTool+`]}`, bearer)
			var first struct{ Output []json.RawMessage }
			if status != 200 || json.Unmarshal([]byte(body), &first) != nil || len(first.Output) != 2 ||
				string(first.Output[0]) != list || string(first.Output[1]) != request {
				t.Fatalf("first turn: status %d, want 200 with the items %s, %s: %s", status, list, request, body)
			}
			back, wantBack := request, request
			if tc.all {
				back = string(first.Output[0]) + `,` + string(first.Output[1])
				wantBack = `{"type":"mcp_list_tools","id":"mcpl_11","server_label":"deepwiki","tools":` + tools + `},` + request
			}
			var sent struct{ Tools json.RawMessage }
			if rs := prov.Requests(); len(rs) != 1 || json.Unmarshal(rs[0].Body, &sent) != nil || !sameJSONValue(t, sent.Tools, []byte(`[`+mcpTool+`]`)) {
				t.Fatalf("first provider request %s, want the tools [%s]", rs[0].Body, mcpTool)
			}

			cont := `{"model":"demo-weather","stream":` + strconv.FormatBool(tc.stream) + `,"input":[` + user + `,` + back + `,` + tc.answer + `],"tools":[` + mcpTool + `]}`
			status, _, body = post(t, srv.URL+"/v1/responses", cont, bearer)
			const reply = "Sales total 240; leave is 25 days."
			if tc.stream {
				var deltas string
				evs := parseSSE(t, body)
				for _, e := range evs {
					var d struct{ Delta string }
					if e.event == "response.output_text.delta" && json.Unmarshal([]byte(e.data), &d) == nil {
						deltas += d.Delta
					}
				}
				if status != 200 || deltas != reply || evs[len(evs)-1].event != "response.completed" || !strings.Contains(evs[len(evs)-1].data, mcpCall) {
					t.Fatalf("continuation: status %d, deltas %q, want %q and response.completed with %s: %s", status, deltas, reply, mcpCall, body)
				}
			} else if status != 200 || !strings.Contains(body, `"text":"`+reply+`"`) || !strings.Contains(body, mcpCall) {
				t.Fatalf("continuation: status %d, want 200 with %q and %s: %s", status, reply, mcpCall, body)
			}
			rs := prov.Requests()
			if len(rs) != 2 {
				t.Fatalf("%d provider requests, want 2", len(rs))
			}
			var got struct{ Input, Tools json.RawMessage }
			if err := json.Unmarshal(rs[1].Body, &got); err != nil {
				t.Fatal(err)
			}
			wantInput := `[{"role":"user","content":[{"type":"input_text","text":"What is wasmadapt?"}]},` + wantBack + `,` + tc.wantAnswer + `]`
			if !sameJSONValue(t, got.Input, []byte(wantInput)) || !sameJSONValue(t, got.Tools, []byte(`[`+mcpTool+`]`)) {
				t.Fatalf("continuation provider request\n%s\nwant input\n%s\nand tools [%s]", rs[1].Body, wantInput, mcpTool)
			}
		})
	}

	srv, _ := newGatewayFor(t, "openai-responses", "gpt-4.1", providerCase(t, "openai-responses", "stream-text-usage"))
	for _, tc := range []struct{ name, answer, says string }{
		{"no approval_request_id", `{"type":"mcp_approval_response","approve":true}`, "needs approval_request_id"},
		{"approve a string", `{"type":"mcp_approval_response","approval_request_id":"mcpr_12","approve":"yes"}`, "approve must be a boolean"},
		{"approve missing", `{"type":"mcp_approval_response","approval_request_id":"mcpr_12"}`, "approve must be a boolean"},
		{"request without id", `{"type":"mcp_approval_request","server_label":"deepwiki","name":"ask_question","arguments":"{}"}`, "needs id and name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, stream := range []string{"false", "true"} {
				status, _, body := post(t, srv.URL+"/v1/responses", `{"model":"demo-weather","stream":`+stream+`,"input":[`+user+`,`+tc.answer+`],"tools":[`+mcpTool+`]}`, bearer)
				if status != 400 || !strings.Contains(body, tc.says) {
					t.Fatalf("stream %s: status %d, want 400 saying %q: %s", stream, status, tc.says, body)
				}
				checkErrorShape(t, "/v1/responses", body, "invalid_request_error")
			}
		})
	}
}

// loadCase is the golden case testdata/module/name.
func loadCase(t *testing.T, module, name string) providertest.Case {
	t.Helper()
	c, err := providertest.LoadCase(filepath.Join("..", "testdata", module, name))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
