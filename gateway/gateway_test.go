package gateway_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/gateway"
	"github.com/wasmadapt/wasmadapt/gateway/config"
	"github.com/wasmadapt/wasmadapt/gateway/demoprovider"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
	"github.com/wasmadapt/wasmadapt/internal/adapterset"
	"github.com/wasmadapt/wasmadapt/internal/testenv"
)

const (
	demoCases = "../cmd/wasmrun/testdata/demo"
	testKey   = "wag-test-key"
	narrowKey = "wag-narrow-key"
)

// nativeLoader runs the repository's adapters natively (engine.NewNative):
// the same dispatch, pooling and event validation as a Wasm module,
// without building one.
func nativeLoader(_ context.Context, ref string) (engine.Module, error) {
	a := adapterset.New(ref)
	if a == nil {
		return nil, fmt.Errorf("no adapter %q", ref)
	}
	return engine.NewNative(ref, a), nil
}

// newGateway serves the demo model from provider (default: the demo's
// recorded provider) through a gateway on loopback, with testKey allowed
// every model and narrowKey only "other".
func newGateway(t *testing.T, provider http.Handler) (*httptest.Server, *gateway.Server) {
	t.Helper()
	return newGatewayFor(t, demoprovider.Module, demoprovider.ProviderModel, provider)
}

// newGatewayFor is newGateway with the demo model served by module and
// provider model.
func newGatewayFor(t *testing.T, module, model string, provider http.Handler) (*httptest.Server, *gateway.Server) {
	t.Helper()
	if provider == nil {
		provider = demoHandler(t)
	}
	psrv := httptest.NewServer(provider)
	t.Cleanup(psrv.Close)
	cfg := demoprovider.Config(module, psrv.URL, config.HashKey(testKey))
	cfg.Models[0].Targets[0].Model = model
	cfg.Models = append(cfg.Models, config.Model{Name: "other", Targets: cfg.Models[0].Targets})
	cfg.Keys = append(cfg.Keys, config.Key{Name: "narrow", SHA256: config.HashKey(narrowKey), Models: []string{"other"}})
	return build(t, cfg, demoprovider.Getenv(demoEnv))
}

// demoHandler is the loopback provider that replays the demo cases.
func demoHandler(t *testing.T) http.Handler {
	t.Helper()
	h, err := demoprovider.Handler(demoCases)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// loadDemoCases loads the demo cases, for a provider that replays some of
// them or replays them with faults.
func loadDemoCases(t *testing.T) []providertest.Case {
	t.Helper()
	cs, err := providertest.LoadCases(demoCases)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// build serves cfg through a gateway on loopback, with the native
// adapters and getenv for the credential variables.
func build(t *testing.T, cfg *config.Config, getenv func(string) string) (*httptest.Server, *gateway.Server) {
	t.Helper()
	gw, err := gateway.New(context.Background(), cfg, gateway.Options{
		Loader: nativeLoader,
		Client: host.NewClient(host.WithRetry(host.RetryPolicy{MaxRetries: -1})),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Getenv: getenv,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return srv, gw
}

func demoEnv(string) string { return "" }

// post sends body as a raw JSON POST with the given header lines, the way
// curl does, and returns the status, content type and raw body.
func post(t *testing.T, url, body string, header ...string) (int, string, string) {
	t.Helper()
	return do(t, "POST", url, strings.NewReader(body), append([]string{"Content-Type: application/json"}, header...)...)
}

func get(t *testing.T, url string, header ...string) (int, string) {
	t.Helper()
	status, _, body := do(t, "GET", url, nil, header...)
	return status, body
}

func do(t *testing.T, method, url string, body io.Reader, header ...string) (int, string, string) {
	t.Helper()
	resp, b := testenv.Do(t, method, url, body, header...)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// sse is one server-sent event.
type sse struct {
	event string
	data  string
}

func parseSSE(t *testing.T, body string) []sse {
	t.Helper()
	var out []sse
	var cur sse
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.data != "" || cur.event != "" {
				out = append(out, cur)
			}
			cur = sse{}
		case strings.HasPrefix(line, "event: "):
			cur.event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.data = strings.TrimPrefix(line, "data: ")
		default:
			t.Fatalf("unexpected SSE line %q", line)
		}
	}
	if cur.data != "" {
		t.Fatalf("stream ended inside an event: %+v", cur)
	}
	return out
}

const openAITools = `"tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather for a city.","parameters":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city","unit"]}}}]`

const answer = "It's 14 °C and cloudy in Paris, and 19 °C with clear skies in Tokyo."

func TestOpenAIStreamToolCalls(t *testing.T) {
	srv, _ := newGateway(t, nil)
	status, ctype, body := post(t, srv.URL+"/v1/chat/completions",
		`{"model":"demo-weather","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"system","content":"Use the tools."},{"role":"user","content":"Weather in Paris and Tokyo?"}],`+openAITools+`}`,
		"Authorization: Bearer "+testKey)
	if status != 200 || ctype != "text/event-stream" {
		t.Fatalf("status %d %s: %s", status, ctype, body)
	}
	evs := parseSSE(t, body)
	if last := evs[len(evs)-1].data; last != "[DONE]" {
		t.Fatalf("last event %q, want [DONE]", last)
	}
	type call struct{ id, name, args string }
	calls := map[int]*call{}
	var finish string
	var usage *struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
	}
	for _, e := range evs[:len(evs)-1] {
		var c struct {
			Object  string `json:"object"`
			Model   string `json:"model"`
			Choices []struct {
				Delta struct {
					ToolCalls []struct {
						Index    int    `json:"index"`
						ID       string `json:"id"`
						Function struct{ Name, Arguments string }
					} `json:"tool_calls"`
				} `json:"delta"`
				FinishReason *string `json:"finish_reason"`
			} `json:"choices"`
			Usage *struct {
				PromptTokens     int `json:"prompt_tokens"`
				CompletionTokens int `json:"completion_tokens"`
			} `json:"usage"`
		}
		if err := json.Unmarshal([]byte(e.data), &c); err != nil {
			t.Fatalf("chunk %q: %v", e.data, err)
		}
		if c.Object != "chat.completion.chunk" || c.Model != "demo-weather" {
			t.Fatalf("chunk %s: want object chat.completion.chunk of model demo-weather", e.data)
		}
		if c.Usage != nil {
			usage = c.Usage
		}
		for _, ch := range c.Choices {
			for _, tc := range ch.Delta.ToolCalls {
				if calls[tc.Index] == nil {
					calls[tc.Index] = &call{}
				}
				k := calls[tc.Index]
				if tc.ID != "" {
					k.id, k.name = tc.ID, tc.Function.Name
				}
				k.args += tc.Function.Arguments
			}
			if ch.FinishReason != nil {
				finish = *ch.FinishReason
			}
		}
	}
	if len(calls) != 2 || calls[0].id != "call_Qm4xWeatherParis" || calls[1].id != "call_R8kzWeatherTokyo" || calls[0].name != "get_weather" {
		t.Fatalf("tool calls %+v %+v", calls[0], calls[1])
	}
	checkWeatherArgs(t, "call %d arguments %q", calls[0].args, calls[1].args)
	if finish != "tool_calls" {
		t.Errorf("finish_reason %q, want tool_calls", finish)
	}
	if usage == nil || usage.PromptTokens == 0 || usage.CompletionTokens == 0 {
		t.Errorf("usage chunk %+v, want counts (include_usage)", usage)
	}
}

// openAIResultTurn is the second turn of the exchange: the assistant's two
// parallel calls and their results.
const openAIResultTurn = `{"model":"demo-weather","stream":%t,"messages":[
 {"role":"user","content":"Weather in Paris and Tokyo?"},
 {"role":"assistant","content":null,"tool_calls":[
  {"id":"call_Qm4xWeatherParis","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\",\"unit\":\"celsius\"}"}},
  {"id":"call_R8kzWeatherTokyo","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Tokyo\",\"unit\":\"celsius\"}"}}]},
 {"role":"tool","tool_call_id":"call_Qm4xWeatherParis","content":"{\"temperature\":14,\"sky\":\"cloudy\"}"},
 {"role":"tool","tool_call_id":"call_R8kzWeatherTokyo","content":"{\"temperature\":19,\"sky\":\"clear\"}"}],` + openAITools + `}`

func TestOpenAIToolResultTurn(t *testing.T) {
	srv, _ := newGateway(t, nil)
	status, _, body := post(t, srv.URL+"/v1/chat/completions", fmt.Sprintf(openAIResultTurn, true), "Authorization: Bearer "+testKey)
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	var text strings.Builder
	var finish string
	for _, e := range parseSSE(t, body) {
		if e.data == "[DONE]" {
			continue
		}
		var c struct {
			Choices []struct {
				Delta        struct{ Content string } `json:"delta"`
				FinishReason *string                  `json:"finish_reason"`
			} `json:"choices"`
		}
		if err := json.Unmarshal([]byte(e.data), &c); err != nil {
			t.Fatal(err)
		}
		for _, ch := range c.Choices {
			text.WriteString(ch.Delta.Content)
			if ch.FinishReason != nil {
				finish = *ch.FinishReason
			}
		}
	}
	if text.String() != answer || finish != "stop" {
		t.Fatalf("text %q finish %q, want %q stop", text.String(), finish, answer)
	}
}

func TestOpenAINotStreamed(t *testing.T) {
	srv, _ := newGateway(t, nil)
	status, ctype, body := post(t, srv.URL+"/v1/chat/completions",
		`{"model":"demo-weather","messages":[{"role":"user","content":"Weather in Paris and Tokyo?"}],`+openAITools+`,"response_format":{"type":"text"}}`,
		"Authorization: Bearer "+testKey)
	if status != 200 || ctype != "application/json" {
		t.Fatalf("status %d %s: %s", status, ctype, body)
	}
	var c struct {
		Object  string `json:"object"`
		Choices []struct {
			Message struct {
				Role      string `json:"role"`
				ToolCalls []struct {
					ID       string `json:"id"`
					Type     string `json:"type"`
					Function struct{ Name, Arguments string }
				} `json:"tool_calls"`
			} `json:"message"`
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
		Usage struct {
			TotalTokens int `json:"total_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		t.Fatal(err)
	}
	if c.Object != "chat.completion" || len(c.Choices) != 1 || c.Choices[0].FinishReason != "tool_calls" || len(c.Choices[0].Message.ToolCalls) != 2 ||
		c.Choices[0].Message.ToolCalls[1].Function.Arguments != `{"city": "Tokyo", "unit": "celsius"}` || c.Usage.TotalTokens == 0 {
		t.Fatalf("completion %s", body)
	}
}

const anthropicTools = `"tools":[{"name":"get_weather","description":"Current weather for a city.","input_schema":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city","unit"]}}]`

// anthropicSequence checks the stream's event names against the official
// order: message_start, then blocks (start, deltas, stop, with increasing
// indexes), then message_delta and message_stop; every data's type
// matches its event name.
func anthropicSequence(t *testing.T, evs []sse) {
	t.Helper()
	if len(evs) < 3 || evs[0].event != "message_start" || evs[len(evs)-2].event != "message_delta" || evs[len(evs)-1].event != "message_stop" {
		t.Fatalf("stream does not start with message_start and end with message_delta, message_stop: %+v", evs)
	}
	open, next := -1, 0
	for _, e := range evs {
		var d struct {
			Type  string `json:"type"`
			Index int    `json:"index"`
		}
		if err := json.Unmarshal([]byte(e.data), &d); err != nil || d.Type != e.event {
			t.Fatalf("event %s carries %s", e.event, e.data)
		}
		switch e.event {
		case "content_block_start":
			if open != -1 || d.Index != next {
				t.Fatalf("block %d starts while %d is open (next %d)", d.Index, open, next)
			}
			open = d.Index
		case "content_block_delta":
			if d.Index != open {
				t.Fatalf("delta for block %d while %d is open", d.Index, open)
			}
		case "content_block_stop":
			if d.Index != open {
				t.Fatalf("stop for block %d while %d is open", d.Index, open)
			}
			open, next = -1, next+1
		case "message_delta", "message_stop":
			if open != -1 {
				t.Fatalf("%s with block %d open", e.event, open)
			}
		}
	}
}

func TestAnthropicStreamToolCalls(t *testing.T) {
	srv, _ := newGateway(t, nil)
	status, ctype, body := post(t, srv.URL+"/v1/messages",
		`{"model":"demo-weather","max_tokens":512,"stream":true,"system":"Use the tools.","messages":[{"role":"user","content":"Weather in Paris and Tokyo?"}],`+anthropicTools+`}`,
		"x-api-key: "+testKey, "anthropic-version: 2023-06-01")
	if status != 200 || ctype != "text/event-stream" {
		t.Fatalf("status %d %s: %s", status, ctype, body)
	}
	evs := parseSSE(t, body)
	anthropicSequence(t, evs)
	type use struct{ id, name, json string }
	var uses []*use
	var stop string
	for _, e := range evs {
		var d struct {
			ContentBlock struct{ Type, ID, Name string } `json:"content_block"`
			Delta        struct {
				Type        string `json:"type"`
				PartialJSON string `json:"partial_json"`
				StopReason  string `json:"stop_reason"`
			} `json:"delta"`
		}
		json.Unmarshal([]byte(e.data), &d)
		switch e.event {
		case "content_block_start":
			if d.ContentBlock.Type == "tool_use" {
				uses = append(uses, &use{id: d.ContentBlock.ID, name: d.ContentBlock.Name})
			}
		case "content_block_delta":
			if d.Delta.Type == "input_json_delta" {
				uses[len(uses)-1].json += d.Delta.PartialJSON
			}
		case "message_delta":
			stop = d.Delta.StopReason
		}
	}
	if len(uses) != 2 || uses[0].id != "call_Qm4xWeatherParis" || uses[1].id != "call_R8kzWeatherTokyo" || uses[1].name != "get_weather" {
		t.Fatalf("tool_use blocks %+v", uses)
	}
	checkWeatherArgs(t, "tool_use %d input %q", uses[0].json, uses[1].json)
	if stop != "tool_use" {
		t.Errorf("stop_reason %q, want tool_use", stop)
	}
}

// checkWeatherArgs checks the arguments of the two tool calls of the
// recorded weather exchange: Paris then Tokyo, in celsius. A failure is
// reported with format, given the call's index and its arguments.
func checkWeatherArgs(t *testing.T, format string, args ...string) {
	t.Helper()
	for i, city := range []string{"Paris", "Tokyo"} {
		var a struct{ City, Unit string }
		if err := json.Unmarshal([]byte(args[i]), &a); err != nil || a.City != city || a.Unit != "celsius" {
			t.Errorf(format, i, args[i])
		}
	}
}

const anthropicResultTurn = `{"model":"demo-weather","max_tokens":512,"stream":%t,"messages":[
 {"role":"user","content":"Weather in Paris and Tokyo?"},
 {"role":"assistant","content":[
  {"type":"tool_use","id":"call_Qm4xWeatherParis","name":"get_weather","input":{"city":"Paris","unit":"celsius"}},
  {"type":"tool_use","id":"call_R8kzWeatherTokyo","name":"get_weather","input":{"city":"Tokyo","unit":"celsius"}}]},
 {"role":"user","content":[
  {"type":"tool_result","tool_use_id":"call_Qm4xWeatherParis","content":"{\"temperature\":14,\"sky\":\"cloudy\"}"},
  {"type":"tool_result","tool_use_id":"call_R8kzWeatherTokyo","content":[{"type":"text","text":"{\"temperature\":19,\"sky\":\"clear\"}"}]}]}],` + anthropicTools + `}`

func TestAnthropicToolResultTurn(t *testing.T) {
	srv, _ := newGateway(t, nil)
	status, _, body := post(t, srv.URL+"/v1/messages", fmt.Sprintf(anthropicResultTurn, true), "x-api-key: "+testKey)
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	evs := parseSSE(t, body)
	anthropicSequence(t, evs)
	var text strings.Builder
	for _, e := range evs {
		var d struct {
			Delta struct{ Type, Text string } `json:"delta"`
		}
		json.Unmarshal([]byte(e.data), &d)
		if d.Delta.Type == "text_delta" {
			text.WriteString(d.Delta.Text)
		}
	}
	if text.String() != answer {
		t.Fatalf("text %q, want %q", text.String(), answer)
	}
}

func TestAnthropicNotStreamed(t *testing.T) {
	srv, _ := newGateway(t, nil)
	status, _, body := post(t, srv.URL+"/v1/messages", fmt.Sprintf(anthropicResultTurn, false), "x-api-key: "+testKey)
	var m struct {
		Type       string `json:"type"`
		Role       string `json:"role"`
		StopReason string `json:"stop_reason"`
		Content    []struct{ Type, Text string }
		Usage      struct {
			InputTokens int `json:"input_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal([]byte(body), &m); err != nil || status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	if m.Type != "message" || m.Role != "assistant" || m.StopReason != "end_turn" || len(m.Content) != 1 || m.Content[0].Text != answer || m.Usage.InputTokens == 0 {
		t.Fatalf("message %s", body)
	}
}

// TestErrors: each failure comes back with its status in the shape of the
// dialect the client speaks.
func TestErrors(t *testing.T) {
	srv, _ := newGateway(t, nil)
	ok := `{"model":"demo-weather","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`
	for _, tc := range []struct {
		name, path, body string
		header           []string
		status           int
		errType          string
	}{
		{"openai no key", "/v1/chat/completions", ok, nil, 401, "authentication_error"},
		{"anthropic no key", "/v1/messages", ok, nil, 401, "authentication_error"},
		{"openai wrong key", "/v1/chat/completions", ok, []string{"Authorization: Bearer nope"}, 401, "authentication_error"},
		{"anthropic wrong key", "/v1/messages", ok, []string{"x-api-key: nope"}, 401, "authentication_error"},
		{"openai model not allowed", "/v1/chat/completions", ok, []string{"Authorization: Bearer " + narrowKey}, 403, "permission_error"},
		{"anthropic model not allowed", "/v1/messages", ok, []string{"x-api-key: " + narrowKey}, 403, "permission_error"},
		{"openai unknown model", "/v1/chat/completions", strings.Replace(ok, "demo-weather", "nope", 1), []string{"Authorization: Bearer " + testKey}, 404, "not_found_error"},
		{"anthropic unknown model", "/v1/messages", strings.Replace(ok, "demo-weather", "nope", 1), []string{"x-api-key: " + testKey}, 404, "not_found_error"},
		{"openai bad json", "/v1/chat/completions", `{"model":`, []string{"Authorization: Bearer " + testKey}, 400, "invalid_request_error"},
		{"openai bad role", "/v1/chat/completions", `{"model":"demo-weather","messages":[{"role":"robot","content":"x"}]}`, []string{"Authorization: Bearer " + testKey}, 400, "invalid_request_error"},
		{"anthropic no max_tokens", "/v1/messages", `{"model":"demo-weather","messages":[{"role":"user","content":"hi"}]}`, []string{"x-api-key: " + testKey}, 400, "invalid_request_error"},
		{"anthropic bad block", "/v1/messages", `{"model":"demo-weather","max_tokens":5,"messages":[{"role":"user","content":[{"type":"hologram"}]}]}`, []string{"x-api-key: " + testKey}, 400, "invalid_request_error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, ctype, body := post(t, srv.URL+tc.path, tc.body, tc.header...)
			if status != tc.status || ctype != "application/json" {
				t.Fatalf("status %d %s, want %d: %s", status, ctype, tc.status, body)
			}
			checkErrorShape(t, tc.path, body, tc.errType)
		})
	}
}

func checkErrorShape(t *testing.T, path, body, errType string) {
	t.Helper()
	var e struct {
		Type  string `json:"type"`
		Error struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(path, "/messages") && e.Type != "error" {
		t.Errorf("anthropic error without type error: %s", body)
	}
	if e.Error.Type != errType || e.Error.Message == "" {
		t.Errorf("error %s, want type %s and a message", body, errType)
	}
}

// TestUpstreamErrors: the provider's errors, mapped by the adapter to
// normalized codes, reach the client with the dialect's status and shape.
func TestUpstreamErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fail    providertest.Failure
		status  int
		errType string
	}{
		{"rate limited", providertest.RateLimited(""), 429, "rate_limit_error"},
		{"provider rejects the gateway's key", providertest.Unauthorized(), 502, ""},
		{"bad request", providertest.Failure{Status: 400, Body: []byte(`{"error":{"type":"invalid_request_error","message":"messages: too many"}}`)}, 400, "invalid_request_error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := newGateway(t, providertest.NewHandler(nil, providertest.WithFailures(tc.fail, tc.fail)))
			status, _, body := post(t, srv.URL+"/v1/chat/completions", `{"model":"demo-weather","stream":true,"messages":[{"role":"user","content":"hi"}]}`, "Authorization: Bearer "+testKey)
			if status != tc.status {
				t.Fatalf("openai status %d, want %d: %s", status, tc.status, body)
			}
			if tc.errType != "" {
				checkErrorShape(t, "/v1/chat/completions", body, tc.errType)
			}
			status, _, body = post(t, srv.URL+"/v1/messages", `{"model":"demo-weather","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"hi"}]}`, "x-api-key: "+testKey)
			if status != tc.status {
				t.Fatalf("anthropic status %d, want %d: %s", status, tc.status, body)
			}
			if tc.errType != "" {
				checkErrorShape(t, "/v1/messages", body, tc.errType)
			}
		})
	}
}

func TestModelsAndProbes(t *testing.T) {
	srv, gw := newGateway(t, nil)
	if s, b := get(t, srv.URL+"/v1/models", "Authorization: Bearer "+testKey); s != 200 || !strings.Contains(b, `"id":"demo-weather"`) || !strings.Contains(b, `"id":"other"`) {
		t.Fatalf("models %d %s", s, b)
	}
	if s, b := get(t, srv.URL+"/v1/models", "Authorization: Bearer "+narrowKey); s != 200 || strings.Contains(b, "demo-weather") || !strings.Contains(b, `"id":"other"`) {
		t.Fatalf("narrow key's models %d %s", s, b)
	}
	if s, b := get(t, srv.URL+"/v1/models", "x-api-key: "+narrowKey, "anthropic-version: 2023-06-01"); s != 200 ||
		b != `{"data":[{"type":"model","id":"other","display_name":"other","created_at":"1970-01-01T00:00:00Z"}],"has_more":false,"first_id":"other","last_id":"other"}` {
		t.Fatalf("anthropic models %d %s", s, b)
	}
	if s, b := get(t, srv.URL+"/v1/models"); s != 401 || !strings.Contains(b, `"error":{`) {
		t.Fatalf("models without a key: %d %s", s, b)
	}
	if s, b := get(t, srv.URL+"/v1/models", "anthropic-version: 2023-06-01"); s != 401 || !strings.Contains(b, `"type":"error"`) {
		t.Fatalf("anthropic models without a key: %d %s", s, b)
	}
	if s, _ := get(t, srv.URL+"/healthz"); s != 200 {
		t.Fatalf("healthz %d", s)
	}
	if s, _ := get(t, srv.URL+"/readyz"); s != 200 {
		t.Fatalf("readyz %d", s)
	}
	gw.Drain()
	if s, _ := get(t, srv.URL+"/readyz"); s != 503 {
		t.Fatalf("readyz while draining %d", s)
	}
	status, _, body := post(t, srv.URL+"/v1/messages", fmt.Sprintf(anthropicResultTurn, true), "x-api-key: "+testKey)
	if status != 503 {
		t.Fatalf("request while draining: %d %s", status, body)
	}
	checkErrorShape(t, "/v1/messages", body, "overloaded_error")
	if err := gw.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestFallback: a public model's first target fails retryably before any
// event; the route hands the request to the next target.
func TestFallback(t *testing.T) {
	h := demoHandler(t)
	good := httptest.NewServer(h)
	defer good.Close()
	bad := httptest.NewServer(providertest.NewHandler(nil, providertest.WithFailures(providertest.ServerError())))
	defer bad.Close()
	cfg := demoprovider.Config(demoprovider.Module, bad.URL, config.HashKey(testKey))
	second := cfg.Models[0].Targets[0]
	second.BaseURL = good.URL
	cfg.Models[0].Targets = append(cfg.Models[0].Targets, second)
	srv, _ := build(t, cfg, demoprovider.Getenv(demoEnv))
	status, _, body := post(t, srv.URL+"/v1/chat/completions", fmt.Sprintf(openAIResultTurn, false), "Authorization: Bearer "+testKey)
	if status != 200 || !strings.Contains(body, `"content":"`+answer+`"`) {
		t.Fatalf("status %d: %s", status, body)
	}
}

// TestMidStreamError: a provider stream cut after the first events ends
// the client's stream with the dialect's in-stream error (no [DONE], no
// message_stop).
func TestMidStreamError(t *testing.T) {
	cs := loadDemoCases(t)
	srv, _ := newGateway(t, providertest.NewHandler(cs[1:], providertest.WithDropAfter(700)))
	status, _, body := post(t, srv.URL+"/v1/chat/completions", fmt.Sprintf(openAIResultTurn, true), "Authorization: Bearer "+testKey)
	evs := parseSSE(t, body)
	last := evs[len(evs)-1].data
	if status != 200 || len(evs) < 2 || !strings.HasPrefix(last, `{"error":{`) || !strings.Contains(last, `"code":"stream_truncated"`) {
		t.Fatalf("status %d: %s", status, body)
	}
	status, _, body = post(t, srv.URL+"/v1/messages", fmt.Sprintf(anthropicResultTurn, true), "x-api-key: "+testKey)
	evs = parseSSE(t, body)
	if status != 200 || evs[0].event != "message_start" || evs[len(evs)-1].event != "error" || !strings.Contains(evs[len(evs)-1].data, `"type":"error"`) {
		t.Fatalf("status %d: %s", status, body)
	}
}

// TestNewErrors: a target whose module does not load or whose credential
// file cannot be read is reported with the target's line.
func TestNewErrors(t *testing.T) {
	cfg, err := config.Parse("gw.yaml", []byte("models:\n  - name: a\n    targets:\n      - module: openai\n        model: m\n      - module: nope\n        model: m\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = gateway.New(context.Background(), cfg, gateway.Options{Loader: nativeLoader})
	var ce *gateway.ConfigError
	if !errors.As(err, &ce) || ce.Line != 6 {
		t.Fatalf("error %v, want a ConfigError on line 6", err)
	}
	cfg.Models[0].Targets = cfg.Models[0].Targets[:1]
	cfg.Models[0].Targets[0].CredentialFile = filepath.Join(t.TempDir(), "missing")
	_, err = gateway.New(context.Background(), cfg, gateway.Options{Loader: nativeLoader})
	if !errors.As(err, &ce) || ce.Line != 4 {
		t.Fatalf("error %v, want a ConfigError on line 4", err)
	}
}

func anthropicCase(t *testing.T, name string) *providertest.Server {
	t.Helper()
	return providerCase(t, "anthropic", name)
}

// TestThinkingEchoed: the thinking block (with its signature) an Anthropic
// client sends back in a tool-result turn reaches the Anthropic provider.
func TestThinkingEchoed(t *testing.T) {
	prov := anthropicCase(t, "stream-thinking-parallel-tools")
	srv, _ := newGatewayFor(t, "anthropic", "claude-sonnet-4-5", prov)
	status, _, body := post(t, srv.URL+"/v1/messages", `{"model":"demo-weather","max_tokens":4096,"stream":true,"thinking":{"type":"enabled","budget_tokens":2048},
	 "messages":[{"role":"user","content":"Weather in Paris?"},
	  {"role":"assistant","content":[{"type":"thinking","thinking":"One call.","signature":"c2lnbmVk"},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}]},
	  {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"14C"}]}],
	 "tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}]}`, "x-api-key: "+testKey)
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	rs := prov.Requests()
	if len(rs) != 1 || !strings.Contains(string(rs[0].Body), `"signature":"c2lnbmVk"`) || !strings.Contains(string(rs[0].Body), `"tool_use_id":"toolu_1"`) {
		t.Fatalf("provider request %s", rs[0].Body)
	}
}

// TestThinkingAcrossDialects: a recorded Anthropic stream with a signed
// thinking block, text and two tool calls, served through the anthropic
// module, reaches an Anthropic client as thinking (with its signature),
// text and tool_use blocks, and an OpenAI client as reasoning_content, text
// and tool calls: one translation per dialect and one per provider.
func TestThinkingAcrossDialects(t *testing.T) {
	srv, _ := newGatewayFor(t, "anthropic", "claude-sonnet-4-5", anthropicCase(t, "stream-thinking-parallel-tools"))
	status, _, body := post(t, srv.URL+"/v1/messages", `{"model":"demo-weather","max_tokens":4096,"stream":true,"thinking":{"type":"enabled","budget_tokens":2048},
	 "messages":[{"role":"user","content":"Weather in Paris and Rome?"}],"tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]}`,
		"x-api-key: "+testKey)
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	evs := parseSSE(t, body)
	anthropicSequence(t, evs)
	var blocks []string
	for _, e := range evs {
		var d struct {
			ContentBlock struct{ Type string } `json:"content_block"`
			Delta        struct {
				Type, Thinking, Signature, Text, PartialJSON string
				StopReason                                   string `json:"stop_reason"`
			} `json:"delta"`
		}
		json.Unmarshal([]byte(e.data), &d)
		switch e.event {
		case "content_block_start":
			blocks = append(blocks, d.ContentBlock.Type)
		case "content_block_delta":
			blocks[len(blocks)-1] += " " + d.Delta.Thinking + d.Delta.Signature + d.Delta.Text
		case "message_delta":
			blocks = append(blocks, d.Delta.StopReason)
		}
	}
	want := []string{"thinking Two cities,  two calls. EqQBCkgIARABGAIiQL+sig==", "text Checking both.", "tool_use  ", "tool_use ", "tool_use"}
	if strings.Join(blocks, "|") != strings.Join(want, "|") {
		t.Fatalf("blocks %q, want %q", blocks, want)
	}

	status, _, body = post(t, srv.URL+"/v1/chat/completions", `{"model":"demo-weather","max_completion_tokens":4096,
	 "messages":[{"role":"user","content":"Weather in Paris and Rome?"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]}`,
		"Authorization: Bearer "+testKey)
	var c struct {
		Choices []struct {
			Message struct {
				Content          string `json:"content"`
				ReasoningContent string `json:"reasoning_content"`
				ToolCalls        []struct {
					ID       string `json:"id"`
					Function struct{ Arguments string }
				} `json:"tool_calls"`
			} `json:"message"`
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
	}
	if err := json.Unmarshal([]byte(body), &c); err != nil || status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	m := c.Choices[0].Message
	if m.Content != "Checking both." || m.ReasoningContent != "Two cities, two calls." || len(m.ToolCalls) != 2 || m.ToolCalls[1].Function.Arguments != `{"city":"Rome"}` || c.Choices[0].FinishReason != "tool_calls" {
		t.Fatalf("completion %s", body)
	}
}

// TestOverloaded: the provider's overloaded answer is 529 for an
// Anthropic client and 503 for an OpenAI one; in the middle of a stream it
// is the dialect's in-stream error.
func TestOverloaded(t *testing.T) {
	srv, _ := newGatewayFor(t, "anthropic", "claude-sonnet-4-5", anthropicCase(t, "error-529"))
	ask := `{"model":"demo-weather","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"hi"}]}`
	if status, _, body := post(t, srv.URL+"/v1/messages", ask, "x-api-key: "+testKey); status != 529 {
		t.Fatalf("anthropic: %d %s", status, body)
	} else {
		checkErrorShape(t, "/v1/messages", body, "overloaded_error")
	}
	if status, _, body := post(t, srv.URL+"/v1/chat/completions", ask, "Authorization: Bearer "+testKey); status != 503 {
		t.Fatalf("openai: %d %s", status, body)
	}
	srv, _ = newGatewayFor(t, "anthropic", "claude-sonnet-4-5", anthropicCase(t, "stream-error-overloaded"))
	status, _, body := post(t, srv.URL+"/v1/messages", ask, "x-api-key: "+testKey)
	evs := parseSSE(t, body)
	if status != 200 || evs[len(evs)-1].event != "error" || !strings.Contains(evs[len(evs)-1].data, `"type":"overloaded_error"`) {
		t.Fatalf("status %d: %s", status, body)
	}
}

// TestShutdownDrains: a stream in flight when the server shuts down
// finishes whole; the server then refuses connections.
func TestShutdownDrains(t *testing.T) {
	h := demoHandler(t)
	got, release := make(chan struct{}), make(chan struct{})
	held := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(got)
		<-release
		h.ServeHTTP(w, r)
	})
	psrv := httptest.NewServer(held)
	defer psrv.Close()
	cfg := demoprovider.Config(demoprovider.Module, psrv.URL, config.HashKey(testKey))
	gw, err := gateway.New(context.Background(), cfg, gateway.Options{Loader: nativeLoader,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Getenv: demoprovider.Getenv(func(string) string { return "" })})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: gw}
	go srv.Serve(ln)
	url := "http://" + ln.Addr().String()
	type result struct {
		status int
		body   string
	}
	res := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("POST", url+"/v1/chat/completions", strings.NewReader(fmt.Sprintf(openAIResultTurn, true)))
		req.Header.Set("Authorization", "Bearer "+testKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			res <- result{0, err.Error()}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		res <- result{resp.StatusCode, string(b)}
	}()
	select {
	case <-got:
	case r := <-res:
		t.Fatalf("the stream ended before it reached the provider: %d %s", r.status, r.body)
	}
	shut := make(chan error, 1)
	go func() { shut <- gateway.Shutdown(srv, gw, time.Hour) }()
	close(release)
	r := <-res
	if r.status != 200 || !strings.HasSuffix(r.body, "data: [DONE]\n\n") {
		t.Fatalf("stream in flight: %d %s", r.status, r.body)
	}
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Fatal("the server still accepts connections after shutdown")
	}
}

// TestResponseFormat: an OpenAI json_schema response format reaches the
// provider; an answer that does not match the schema is output_invalid, a
// 502 for a whole answer.
func TestResponseFormat(t *testing.T) {
	cs := loadDemoCases(t)
	prov := providertest.NewHandler(cs[1:])
	srv, _ := newGateway(t, prov)
	status, _, body := post(t, srv.URL+"/v1/chat/completions", `{"model":"demo-weather","messages":[{"role":"user","content":"Weather?"}],
	 "response_format":{"type":"json_schema","json_schema":{"name":"weather","strict":true,"schema":{"type":"object","properties":{"temperature":{"type":"number"}},"required":["temperature"],"additionalProperties":false}}}}`,
		"Authorization: Bearer "+testKey)
	if status != 502 || !strings.Contains(body, `"code":"output_invalid"`) {
		t.Fatalf("status %d: %s", status, body)
	}
	status, _, body = post(t, srv.URL+"/v1/messages", `{"model":"demo-weather","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"Weather?"}]}`, "x-api-key: "+testKey)
	if evs := parseSSE(t, body); status != 200 || evs[len(evs)-1].event != "message_stop" {
		t.Fatalf("without a response format: %d %s", status, body)
	}
	status, _, body = post(t, srv.URL+"/v1/chat/completions", `{"model":"demo-weather","stream":true,"messages":[{"role":"user","content":"Weather?"}],"response_format":{"type":"json_object"}}`,
		"Authorization: Bearer "+testKey)
	if evs := parseSSE(t, body); status != 200 || !strings.Contains(evs[len(evs)-1].data, `"code":"output_invalid"`) {
		t.Fatalf("streamed: %d %s", status, body)
	}
	rs := prov.Requests()
	if len(rs) != 3 || !strings.Contains(string(rs[0].Body), `"json_schema"`) || !strings.Contains(string(rs[0].Body), `"name":"weather"`) {
		t.Fatalf("provider request %s", rs[0].Body)
	}
}

// TestCredentials: a target's key comes from its variable, its file, or
// its pool of variables, and reaches the provider; the gateway's own key
// never does.
func TestCredentials(t *testing.T) {
	cs := loadDemoCases(t)
	file := filepath.Join(t.TempDir(), "key")
	os.WriteFile(file, []byte("sk-from-file\n"), 0o600)
	tokens := providertest.NewTokenServer("ibm-key", "iam-tok")
	defer tokens.Close()
	env := map[string]string{"K": "sk-from-env", "P1": "sk-pool-1", host.EnvWatsonxAPIKey: "ibm-key"}
	for _, tc := range []struct {
		name string
		set  func(*config.Target)
		want string
	}{
		{"env", func(tg *config.Target) { tg.CredentialEnv = "K" }, "Bearer sk-from-env"},
		{"file", func(tg *config.Target) { tg.CredentialFile = file }, "Bearer sk-from-file"},
		{"pool", func(tg *config.Target) { tg.CredentialEnvs = []string{"P0", "P1"} }, "Bearer sk-pool-1"},
		{"token", func(tg *config.Target) { tg.CredentialToken, tg.CredentialTokenURL = "ibm-iam", tokens.URL }, "Bearer iam-tok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prov := providertest.NewServer(cs[1:])
			defer prov.Close()
			cfg := demoprovider.Config(demoprovider.Module, prov.URL, config.HashKey(testKey))
			cfg.Models[0].Targets[0].CredentialEnv = ""
			tc.set(&cfg.Models[0].Targets[0])
			srv, _ := build(t, cfg, func(k string) string { return env[k] })
			if status, _, body := post(t, srv.URL+"/v1/chat/completions", fmt.Sprintf(openAIResultTurn, false), "Authorization: Bearer "+testKey); status != 200 {
				t.Fatalf("status %d: %s", status, body)
			}
			if rs := prov.Requests(); len(rs) != 1 || rs[0].Header.Get("Authorization") != tc.want {
				t.Fatalf("provider saw %q, want %q", rs[0].Header.Get("Authorization"), tc.want)
			}
		})
	}
}
