package groq

import (
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

func TestProjectRules(t *testing.T) {
	hostedtest.Rules(t, New(), []hostedtest.Rule{
		{Name: "logprobs refused", Req: `{"model":"llama-3.3-70b-versatile","messages":[{"role":"user","content":"hi"}],"provider_options":{"logprobs":true}}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "top_logprobs refused", Req: `{"model":"llama-3.3-70b-versatile","messages":[{"role":"user","content":"hi"}],"provider_options":{"top_logprobs":2}}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "logit_bias refused", Req: `{"model":"llama-3.3-70b-versatile","messages":[{"role":"user","content":"hi"}],"provider_options":{"logit_bias":{}}}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "n 3 refused", Req: `{"model":"llama-3.3-70b-versatile","messages":[{"role":"user","content":"hi"}],"provider_options":{"n":3}}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "n 1 ok", Req: `{"model":"llama-3.3-70b-versatile","messages":[{"role":"user","content":"hi"}],"provider_options":{"n":1}}`, Has: []string{`"n":1`}},
		{Name: "raw refused", Req: `{"model":"qwen/qwen3-32b","messages":[{"role":"user","content":"hi"}],"provider_options":{"reasoning_format":"raw"}}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "bogus format", Req: `{"model":"qwen/qwen3-32b","messages":[{"role":"user","content":"hi"}],"provider_options":{"reasoning_format":"x"}}`, Code: abi.CodeInvalidRequest},
		{Name: "hidden kept", Req: `{"model":"qwen/qwen3-32b","messages":[{"role":"user","content":"hi"}],"provider_options":{"reasoning_format":"hidden"}}`, Has: []string{`"reasoning_format":"hidden"`}, Not: []string{`"parsed"`}},
		{Name: "qwen gets parsed", Req: `{"model":"qwen/qwen3-32b","messages":[{"role":"user","content":"hi"}]}`, Has: []string{`"reasoning_format":"parsed"`}},
		{Name: "gpt-oss gets no format", Req: `{"model":"openai/gpt-oss-120b","reasoning":{"effort":"high"},"messages":[{"role":"user","content":"hi"}]}`, Has: []string{`"reasoning_effort":"high"`}, Not: []string{"reasoning_format"}},
		{Name: "llama effort refused", Req: `{"model":"llama-3.3-70b-versatile","reasoning":{"effort":"high"},"messages":[{"role":"user","content":"hi"}]}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "strict tool refused", Req: `{"model":"openai/gpt-oss-120b","tools":[{"name":"f","strict":true,"parameters":{"type":"object","properties":{}}}],"messages":[{"role":"user","content":"hi"}]}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "strict schema on gpt-oss", Req: `{"model":"openai/gpt-oss-120b","response_format":{"type":"json_schema","name":"x","strict":true,"schema":{"type":"object","properties":{"a":{"type":"string"}}}},"messages":[{"role":"user","content":"hi"}]}`, Has: []string{`"strict":true`, `"additionalProperties":false`}},
		{Name: "best effort schema on kimi", Req: `{"model":"moonshotai/kimi-k2-instruct","response_format":{"type":"json_schema","name":"x","schema":{"type":"object"}},"messages":[{"role":"user","content":"hi"}]}`, Has: []string{`"json_schema"`}},
		{Name: "strict schema on kimi refused", Req: `{"model":"moonshotai/kimi-k2-instruct","response_format":{"type":"json_schema","name":"x","strict":true,"schema":{"type":"object"}},"messages":[{"role":"user","content":"hi"}]}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "schema on llama-3.3 refused", Req: `{"model":"llama-3.3-70b-versatile","response_format":{"type":"json_schema","name":"x","schema":{"type":"object"}},"messages":[{"role":"user","content":"hi"}]}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "image on llama-4", Req: `{"model":"meta-llama/llama-4-maverick-17b-128e-instruct","messages":[{"role":"user","content":[{"type":"image","url":"https://x/y.png"}]}]}`, Has: []string{"image_url"}},
	})
}

func TestMapError(t *testing.T) {
	tests := []guesttest.ErrorCase{
		{Status: 400, Body: `{"error":{"message":"m","type":"invalid_request_error","code":"tool_use_failed","failed_generation":"{\"x\":1}"}}`, Code: abi.CodeToolArgumentsInvalid, Retryable: true, Msg: `failed generation "{\"x\":1}"`},
		{Status: 400, Body: `{"error":{"message":"bad","type":"invalid_request_error"}}`, Code: abi.CodeInvalidRequest, Retryable: false, Msg: "bad"},
		{Status: 404, Body: `{"error":{"message":"no model","type":"invalid_request_error","code":"model_not_found"}}`, Code: abi.CodeNotFound, Retryable: false, Msg: "no model"},
		{Status: 413, Body: `{"error":{"message":"too large","type":"tokens","code":"rate_limit_exceeded"}}`, Code: abi.CodeRateLimited, Retryable: false, Msg: "retrying will not help"},
		{Status: 413, Body: `{"error":{"message":"entity too large"}}`, Code: abi.CodeInvalidRequest, Retryable: false, Msg: "entity"},
		{Status: 429, Body: `{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}`, Code: abi.CodeRateLimited, Retryable: true, Msg: "slow"},
		{Status: 498, Body: `{"error":{"message":"Flex tier capacity exceeded.","type":"capacity_exceeded"}}`, Code: abi.CodeOverloaded, Retryable: true, Msg: "flex"},
		{Status: 500, Body: `{"error":{"message":"internal"}}`, Code: abi.CodeServerError, Retryable: true, Msg: "internal"},
		{Status: 503, Body: `{"error":{"message":"over capacity"}}`, Code: abi.CodeOverloaded, Retryable: true, Msg: "capacity"},
	}
	guesttest.MapErrors(t, New(), tests)
}

// TestStreamErrorEvent: an "event: error" chunk ends the stream with one
// error event; later chunks and the end are ignored.
func TestStreamErrorEvent(t *testing.T) {
	d := New()
	in := abi.TransformInput{Flags: abi.FlagEnd, Chunks: []abi.Chunk{
		{Data: []byte(`{"id":"c","model":"m","choices":[{"index":0,"delta":{"content":"a"}}]}`)},
		{Event: []byte("error"), Data: []byte(`{"error":{"message":"boom","type":"invalid_request_error","code":"tool_use_failed","failed_generation":""}}`)},
		{Data: []byte(`{"id":"c","model":"m","choices":[{"index":0,"delta":{"content":"late"},"finish_reason":"stop"}]}`)},
		{Data: []byte(`[DONE]`)},
	}}
	var out guest.Output
	if err := d.Transform(&in, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out.Events())), "\n")
	if len(lines) != 3 || !strings.Contains(lines[2], `"code":"tool_arguments_invalid"`) || strings.Contains(string(out.Events()), "late") || strings.Contains(string(out.Events()), "failed generation") {
		t.Errorf("events:\n%s", out.Events())
	}
}

func TestModels(t *testing.T) {
	want := map[string]guesttest.Traits{
		"openai/gpt-oss-120b":                       {Reasoning: true, Tools: abi.SupportNative, Structured: abi.SupportNative},
		"qwen/qwen3-32b":                            {Reasoning: true, Tools: abi.SupportNative, Structured: abi.SupportJSONMode},
		"llama-3.3-70b-versatile":                   {Tools: abi.SupportNative, Structured: abi.SupportJSONMode},
		"meta-llama/llama-4-scout-17b-16e-instruct": {Vision: true, Tools: abi.SupportNative, Structured: abi.SupportNative},
		"moonshotai/kimi-k2-instruct-0905":          {Tools: abi.SupportNative, Structured: abi.SupportNative},
		// Compound takes no tools of the caller's; Llama Guard is a
		// classifier.
		"groq/compound":                {Tools: abi.SupportNone, Structured: abi.SupportJSONMode},
		"meta-llama/llama-guard-4-12b": {Tools: abi.SupportNone, Structured: abi.SupportNone},
	}
	guesttest.ModelTraits(t, New(), want)
	for model := range want {
		if c := New().Capabilities(model); c.DefaultBaseURL != "https://api.groq.com/openai" {
			t.Errorf("base URL %s", c.DefaultBaseURL)
		}
	}
}

// TestDetails: Groq's models report their model cards' limits, gpt-oss
// its effort levels; guard models and names of no card none.
func TestDetails(t *testing.T) {
	text, vision := []string{abi.ModalityText}, []string{abi.ModalityText, abi.ModalityImage}
	// seed is a provider option.
	sampling := []string{abi.SamplingTemperature, abi.SamplingTopP, abi.SamplingStop, abi.SamplingSeed}
	gptOSS := guesttest.Sampled(guesttest.Limits(131072, 131072, text...), sampling...)
	gptOSS.Reasoning = &abi.ReasoningControls{Efforts: []string{"low", "medium", "high"}}
	for _, tc := range []struct {
		model string
		want  *abi.ModelDetails
	}{
		{"llama-3.3-70b-versatile", guesttest.Sampled(guesttest.Limits(131072, 0, text...), sampling...)},
		{"llama-3.1-8b-instant", guesttest.Sampled(guesttest.Limits(131072, 0, text...), sampling...)},
		{"meta-llama/llama-4-scout-17b-16e-instruct", guesttest.Sampled(guesttest.Limits(10<<20, 0, vision...), sampling...)},
		{"openai/gpt-oss-20b", gptOSS},
		{"qwen/qwen3-32b", guesttest.Sampled(guesttest.Limits(131072, 0, text...), sampling...)},
		{"moonshotai/kimi-k2-instruct-0905", guesttest.Sampled(guesttest.Limits(262144, 0, text...), sampling...)},
		{"meta-llama/llama-guard-4-12b", nil},
		{"groq/compound", nil},
	} {
		guesttest.Details(t, New(), tc.model, tc.want)
	}
}
