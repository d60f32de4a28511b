package gateway_test

import (
	"strings"
	"testing"
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
