package cohere

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

func TestFinish(t *testing.T) {
	for raw, want := range map[string]abi.FinishReason{"COMPLETE": abi.FinishStop, "STOP_SEQUENCE": abi.FinishStop, "MAX_TOKENS": abi.FinishLength,
		"TOOL_CALL": abi.FinishToolCalls, "ERROR": abi.FinishError, "TIMEOUT": abi.FinishError, "NEW": abi.FinishOther} {
		if got := Finish(raw); got != want {
			t.Errorf("Finish(%s) = %s", raw, got)
		}
	}
}

func TestMapError(t *testing.T) {
	guesttest.MapErrors(t, New(), []guesttest.ErrorCase{
		{Status: 400, Body: `{"id":"x","message":"too many tokens: max 128000"}`, Code: abi.CodeContextLengthExceeded, Msg: "too many tokens"},
		{Status: 402, Body: `{"message":"Please add a payment method"}`, Code: abi.CodeRateLimited, Msg: "retrying will not help"},
		{Status: 498, Body: `{"message":"invalid token"}`, Code: abi.CodeAuthentication},
		{Status: 499, Body: `{"message":"cancelled"}`, Code: abi.CodeServerError, Retryable: true},
		{Status: 502, Body: `<html>bad gateway</html>`, Code: abi.CodeServerError, Retryable: true, Msg: "not a Cohere error"},
	})
}

func TestProjectRules(t *testing.T) {
	guesttest.ProjectError(t, New(), `{"model":"command-a-vision-07-2025","tools":[{"name":"f"}],"messages":[{"role":"user","content":"hi"}]}`, abi.CodeCapabilityUnsupported, "/tools")
	guesttest.ProjectError(t, New(), `{"model":"command-a-03-2025","top_p":1,"messages":[{"role":"user","content":"hi"}]}`, abi.CodeInvalidRequest, "/top_p")
	guesttest.ProjectError(t, New(), `{"model":"command-a-03-2025","messages":[{"role":"user","content":"hi"}],"provider_options":{"logit_bias":{}}}`, abi.CodeInvalidRequest, "/provider_options/logit_bias")
	guesttest.ProjectError(t, New(), `{"model":"command-a-03-2025","reasoning":{"budget_tokens":9},"messages":[{"role":"user","content":"hi"}]}`, abi.CodeCapabilityUnsupported, "/reasoning/budget_tokens")
	pr, err := guesttest.Project(t, New(), `{"model":"command-a-vision-07-2025","messages":[{"role":"user","content":[{"type":"text","text":"what?"},{"type":"image","media_type":"image/png","data":"iVBOR"}]},{"role":"assistant","content":"a cat"},{"role":"tool","content":[{"type":"tool-result","tool_call_id":"c","content":"boom","is_error":true}]}]}`)
	if err != nil {
		t.Fatal(err)
	}
	guesttest.BodyHas(t, pr.Body, []string{`"url":"data:image/png;base64,iVBOR"`, `{"role":"assistant","content":"a cat"}`, `"content":"{\"error\":\"boom\"}"`}, []string{"tool_plan"})
}

// FuzzProvider feeds arbitrary provider bytes through Transform,
// ParseResponse and MapError (see guesttest.FuzzChunks).
func FuzzProvider(f *testing.F) {
	f.Add([]byte(`{"id":"a","type":"message-start","delta":{"message":{"content":[]}}}`), []byte(`{"type":"tool-call-start","index":0,"delta":{"message":{"tool_calls":{"id":"t","function":{"name":"f","arguments":""}}}}}`))
	f.Add([]byte(`{"type":"content-delta","index":0,"delta":{"message":{"content":{"thinking":"r"}}}}`), []byte(`{"type":"message-end","delta":{"finish_reason":"COMPLETE","usage":{"tokens":{"input_tokens":1}}}}`))
	f.Add([]byte(`{"id":"x","message":"invalid api token"}`), []byte(`{"type":"tool-call-end","index":0}`))
	guesttest.FuzzChunks(f, New(), 400, 401, 429, 498, 503)
}

func TestDetails(t *testing.T) {
	sampling := []string{abi.SamplingTemperature, abi.SamplingTopP, abi.SamplingStop, abi.SamplingSeed}
	reasoning := guesttest.Sampled(guesttest.Limits(256000, 32000, abi.ModalityText), sampling...)
	reasoning.Reasoning = &abi.ReasoningControls{Budget: true}
	for model, want := range map[string]*abi.ModelDetails{
		"command-a-03-2025":           guesttest.Sampled(guesttest.Limits(256000, 8192, abi.ModalityText), sampling...),
		"command-a-reasoning-08-2025": reasoning,
		"command-a-vision-07-2025":    nil,
		"command-r-plus":              nil,
		"":                            nil,
	} {
		guesttest.Details(t, New(), model, want)
	}
}
