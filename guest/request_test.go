package guest

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// requestSeeds are normalized requests as the host writes them (every
// field of the contract used somewhere), encoded, plus inputs that must
// take the slow path: unknown and differently cased keys, duplicates,
// nulls, wrong types, numbers encoding/json refuses for an int, invalid
// UTF-8.
func requestSeeds(t testing.TB) (host [][]byte, other []string) {
	t.Helper()
	n, f := 512, 0.25
	for _, r := range []*abi.Request{
		{Model: "m"},
		{Model: "gpt", SessionID: "s1", TraceID: "t1", Stream: true, MaxOutputTokens: &n, Temperature: &f, TopP: &f,
			Stop: []string{"\n\n", "END \u2028"}, Reasoning: &abi.Reasoning{Effort: "high", BudgetTokens: &n},
			ToolChoice:      &abi.ToolChoice{Tool: "get_weather"},
			ResponseFormat:  &abi.ResponseFormat{Type: "json_schema", Name: "out", Schema: json.RawMessage(`{"type":"object"}`), Strict: true},
			ProviderOptions: map[string]json.RawMessage{"seed": json.RawMessage(`7`), "a\"b": json.RawMessage(`{"x":[1,null]}`)},
			Messages: []abi.Message{
				{Role: abi.RoleSystem, Content: abi.Text("be brief <b>&</b>"), Cache: &abi.Cache{TTL: abi.CacheTTL1h}},
				{Role: abi.RoleUser, Content: []abi.Part{
					{Type: abi.PartText, Text: "héllo \"quoted\" \\ \t\x01 😀", Cache: &abi.Cache{}},
					{Type: abi.PartImage, MediaType: "image/png", Data: "aGk="},
					{Type: abi.PartFile, FileID: "file-1", Filename: "a.pdf", URL: "https://x"},
				}},
				{Role: abi.RoleAssistant, Content: []abi.Part{
					{Type: abi.PartReasoning, Text: "think", Signature: "sig", Redacted: "r", Provider: "anthropic"},
					{Type: abi.PartToolCall, ID: "c1", Name: "get_weather", Arguments: `{"city":"Paris"}`},
					{Type: "server-tool-call", ID: "s1", Name: "web_search", Input: `{"q":"x"}`},
				}},
				{Role: abi.RoleTool, Content: []abi.Part{{Type: abi.PartToolResult, ToolCallID: "c1", Name: "get_weather", Content: "sunny", IsError: true}}},
				{Role: abi.RoleUser, Content: []abi.Part{{Type: "approval-response", ToolCallID: "a1", Approved: true}}},
				{Role: abi.RoleUser},
			},
			Tools: []abi.ToolDefinition{
				{Name: "get_weather", Description: "weather", Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}}}`), Strict: true, Cache: &abi.Cache{TTL: abi.CacheTTL5m}},
				{Type: abi.ToolProvider, Name: abi.ProviderToolWebSearch, Options: json.RawMessage(`{"max_uses":3}`)},
			},
		},
		{Model: "m", ToolChoice: &abi.ToolChoice{Mode: abi.ToolChoiceRequired}, Messages: []abi.Message{}, Tools: []abi.ToolDefinition{}, Stop: []string{}},
	} {
		in, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		host = append(host, in)
	}
	other = []string{
		``, `null`, `[]`, `"x"`, `{}`, `{"model":"m"} x`, `{"model":"m",}`,
		`{"Model":"m"}`, `{"model":"m","unknown":1}`, `{"model":"a","model":"b"}`,
		`{"model":null}`, `{"model":1}`, `{"stream":"yes"}`, `{"stream":null}`,
		`{"max_output_tokens":1.0}`, `{"max_output_tokens":1e3}`, `{"max_output_tokens":99999999999999999999}`,
		`{"temperature":1e999}`, `{"temperature":"0.5"}`, `{"top_p":-0}`,
		`{"model":"\ud800x\udc00\ud83d\ude00"}`, "{\"model\":\"\xff\"}", `{"mod\u0065l":"m"}`,
		`{"messages":[{"role":"user","content":null}]}`, `{"messages":[{"role":"user","content":7}]}`,
		`{"messages":[{"role":"user","content":[{"type":"text","text":"a","Text":"b"}]}]}`,
		`{"messages":[{"role":"user","content":[{"type":"text","text":"a","text":"b"}]}]}`,
		`{"messages":[{"role":"user","role":"tool"}]}`, `{"messages":null}`, `{"messages":[null]}`,
		`{"tools":[{"name":"t","parameters":null}]}`, `{"tools":[{"name":"t","parameters": {"a" : 1} }]}`,
		`{"tool_choice":"sometimes"}`, `{"tool_choice":{"tool":""}}`, `{"tool_choice":{"tool":"t","x":1}}`, `{"tool_choice":{"Tool":"t"}}`,
		`{"tool_choice":null}`, `{"reasoning":{"effort":"low"},"reasoning":{"budget_tokens":5}}`,
		`{"provider_options":{"a":1,"a":2}}`, `{"provider_options":{"a":null}}`, `{"provider_options":{"\u0061":true}}`,
		`{"response_format":{"type":"json_schema","schema":null}}`, `{"messages":[{"role":"user","cache":{"ttl":"5m","x":1}}]}`,
	}
	return host, other
}

// TestDecodeRequestHostRequests checks that what the host writes takes the
// fast path and decodes to what json.Unmarshal gives.
func TestDecodeRequestHostRequests(t *testing.T) {
	host, _ := requestSeeds(t)
	for i, in := range host {
		var fast abi.Request
		if !decodeRequest(in, &fast) {
			t.Errorf("request %d: the fast path refused what the host writes: %s", i, in)
			continue
		}
		var want abi.Request
		if err := json.Unmarshal(in, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fast, want) {
			t.Errorf("request %d: fast path decoded\n%#v\nwant\n%#v", i, fast, want)
		}
		// Through the tape a host of ABI 1.5 sends: the same fast path.
		tape, ok := abi.AppendTape(nil, in)
		if !ok {
			t.Fatalf("request %d has no tape: %s", i, in)
		}
		var taped abi.Request
		if !decodeRequestDoc(jsonx.Doc(in, tape), &taped) {
			t.Errorf("request %d: the taped fast path refused what the host writes: %s", i, in)
		} else if !reflect.DeepEqual(taped, want) {
			t.Errorf("request %d: taped fast path decoded\n%#v\nwant\n%#v", i, taped, want)
		}
	}
}

// TestDecodeRequestAsEncodingJSON checks DecodeRequest against
// json.Unmarshal on inputs the fast path must leave to the slow one.
func TestDecodeRequestAsEncodingJSON(t *testing.T) {
	_, other := requestSeeds(t)
	for _, in := range other {
		t.Run(in, func(t *testing.T) { checkDecodeRequest(t, []byte(in)) })
	}
}

func checkDecodeRequest(t *testing.T, in []byte) {
	t.Helper()
	var got, want abi.Request
	gotErr := DecodeRequest(in, &got)
	wantErr := json.Unmarshal(in, &want)
	if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
		t.Fatalf("DecodeRequest(%q) error %v, json.Unmarshal error %v", in, gotErr, wantErr)
	}
	if gotErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("DecodeRequest(%q) =\n%#v\njson.Unmarshal =\n%#v", in, got, want)
	}
	// The same through the input's tape, when it has one.
	tape, ok := abi.AppendTape(nil, in)
	if !ok {
		return
	}
	var taped abi.Request
	tapedErr := DecodeRequestTaped(in, tape, &taped)
	if (tapedErr == nil) != (wantErr == nil) || tapedErr != nil && tapedErr.Error() != wantErr.Error() {
		t.Fatalf("DecodeRequestTaped(%q) error %v, json.Unmarshal error %v", in, tapedErr, wantErr)
	}
	if tapedErr == nil && !reflect.DeepEqual(taped, want) {
		t.Fatalf("DecodeRequestTaped(%q) =\n%#v\njson.Unmarshal =\n%#v", in, taped, want)
	}
}

// FuzzDecodeRequest compares DecodeRequest with json.Unmarshal: the same
// request, or the same error. Seeds: requestSeeds and testdata/fuzz.
func FuzzDecodeRequest(f *testing.F) {
	host, other := requestSeeds(f)
	for _, in := range host {
		f.Add(in)
	}
	for _, in := range other {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) { checkDecodeRequest(t, in) })
}

// TestAppendProviderRequest compares AppendProviderRequest with
// json.Marshal: the same bytes, or ok false where the body is not JSON
// guest/jsonx reads.
func TestAppendProviderRequest(t *testing.T) {
	for _, pr := range []abi.ProviderRequest{
		{},
		{Method: "POST", Path: "/v1/chat/completions", Body: json.RawMessage(`{"model":"m","messages":[{"role":"user","content":"<b> & \u2028"}]}`), StreamFraming: abi.FramingSSE},
		{Method: "POST", Path: "/v1/x?<y>", Query: map[string]string{"b": "2", "a": "1 & 2", "\xff": "\n"}, Headers: map[string]string{"x-b": "b", "X-A": "<a>"},
			Body: json.RawMessage(" {\n \"a\" : [ 1 , \"\\\" <x> \" ] }\n"), StreamFraming: abi.FramingNone},
		{Method: "GET", Path: "/models", Query: map[string]string{}, Headers: map[string]string{}, Body: json.RawMessage{}},
		{Method: "POST", Body: json.RawMessage("null")},
	} {
		want, err := json.Marshal(&pr)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := AppendProviderRequest([]byte("x"), &pr)
		if !ok || string(got) != "x"+string(want) {
			t.Errorf("AppendProviderRequest(%+v) = %s, %v; json.Marshal = %s", pr, got, ok, want)
		}
	}
	for _, body := range []string{`{"a":`, "\"\xff\""} {
		pr := abi.ProviderRequest{Method: "POST", Body: json.RawMessage(body)}
		if got, ok := AppendProviderRequest(nil, &pr); ok {
			t.Errorf("AppendProviderRequest with body %q = %s, want ok false (json.Marshal decides)", body, got)
		}
	}
}

// echoAdapter projects a request into a body holding it as JSON.
type echoAdapter struct{}

func (echoAdapter) Capabilities(string) abi.Capabilities { return abi.Capabilities{} }
func (echoAdapter) Project(req *abi.Request) (*abi.ProviderRequest, error) {
	b, err := json.Marshal(req)
	return &abi.ProviderRequest{Method: "POST", Path: "/echo", Body: b, StreamFraming: abi.FramingSSE}, err
}
func (echoAdapter) Transform(*abi.TransformInput, *Output) error    { return nil }
func (echoAdapter) ParseResponse(*abi.ResponseInput, *Output) error { return nil }
func (echoAdapter) MapError(*abi.ResponseInput, *Output) error      { return nil }

// TestProjectTapedRequest: the Dispatcher projects a taped request (ABI
// 1.5) exactly as the same request's JSON, and refuses a malformed one
// with invalid_request.
func TestProjectTapedRequest(t *testing.T) {
	host, other := requestSeeds(t)
	for _, s := range other {
		host = append(host, []byte(s))
	}
	d := NewDispatcher(echoAdapter{})
	for _, in := range host {
		want := string(d.Project(in))
		taped, ok := abi.AppendTapedRequest(nil, in)
		if !ok {
			continue
		}
		if got := string(d.Project(taped)); got != want {
			t.Errorf("%s: taped request projected to\n%q\nthe JSON to\n%q", in, got, want)
		}
	}
	res := d.Project([]byte("\x01\x09\x00\x00\x00{}"))
	var e abi.Error
	if abi.Status(res[0]) != abi.StatusError || json.Unmarshal(res[1:], &e) != nil || e.Code != abi.CodeInvalidRequest {
		t.Errorf("malformed taped request: %q, want invalid_request", res)
	}
}
