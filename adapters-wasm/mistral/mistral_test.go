package mistral

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
	"github.com/wasmadapt/wasmadapt/guest/toolid"
)

type wireBody struct {
	Messages []struct {
		Role       string `json:"role"`
		Name       string `json:"name"`
		ToolCallID string `json:"tool_call_id"`
		ToolCalls  []struct {
			ID       string `json:"id"`
			Function struct {
				Arguments string `json:"arguments"`
			} `json:"function"`
		} `json:"tool_calls"`
	} `json:"messages"`
	ToolChoice json.RawMessage `json:"tool_choice"`
}

func project(t *testing.T, req *abi.Request) wireBody {
	t.Helper()
	pr, err := New().Project(req)
	if err != nil {
		t.Fatal(err)
	}
	var b wireBody
	if err := json.Unmarshal(pr.Body, &b); err != nil {
		t.Fatal(err)
	}
	return b
}

// history builds a conversation with one assistant turn calling every id and
// one tool turn answering them (results name no tool).
func history(ids ...string) *abi.Request {
	var calls, results []abi.Part
	for i, id := range ids {
		calls = append(calls, abi.Part{Type: abi.PartToolCall, ID: id, Name: "f", Arguments: fmt.Sprintf(`{"n":%d}`, i)})
		results = append(results, abi.Part{Type: abi.PartToolResult, ToolCallID: id, Content: fmt.Sprint(i)})
	}
	return &abi.Request{Model: "mistral-small-latest",
		Tools: []abi.ToolDefinition{{Name: "f", Parameters: json.RawMessage(`{"type":"object"}`)}},
		Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("go")},
			{Role: abi.RoleAssistant, Content: calls}, {Role: abi.RoleTool, Content: results}}}
}

func TestToolIDs(t *testing.T) {
	tests := []struct {
		name string
		ids  []string
	}{
		{"openai ids", []string{"call_98660886", "call_98660887"}},
		{"shared prefix (truncation would collide)", []string{"tooluse_aaaaaaaaaaaa1", "tooluse_aaaaaaaaaaaa2", "tooluse_aaaaaaaaaaaa3"}},
		{"valid kept next to rewritten", []string{"gSIMJiOkT", "call_x", "functions.Bash:0"}},
		{"unicode and empty-ish", []string{"ü", "-", "_"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := history(tt.ids...)
			before, _ := json.Marshal(req)
			b := project(t, req)
			after, _ := json.Marshal(req)
			if string(before) != string(after) {
				t.Fatal("Project modified the caller's request")
			}
			calls := b.Messages[1].ToolCalls
			if len(calls) != len(tt.ids) {
				t.Fatalf("%d calls, want %d", len(calls), len(tt.ids))
			}
			seen := map[string]bool{}
			for i, c := range calls {
				if !toolid.IsBase62(c.ID, 9) {
					t.Errorf("call id %q is not 9 base62 characters", c.ID)
				}
				if seen[c.ID] {
					t.Errorf("call id %q used twice: mapping not injective", c.ID)
				}
				seen[c.ID] = true
				if toolid.IsBase62(tt.ids[i], 9) && c.ID != tt.ids[i] {
					t.Errorf("valid id %q rewritten to %q", tt.ids[i], c.ID)
				}
				res := b.Messages[2+i]
				if res.Role != "tool" || res.ToolCallID != c.ID || res.Name != "f" {
					t.Errorf("result %d = %+v, want tool_call_id %q and name f", i, res, c.ID)
				}
			}
			// Deterministic: the same request projects to the same ids.
			again := project(t, history(tt.ids...))
			for i := range calls {
				if again.Messages[1].ToolCalls[i].ID != calls[i].ID {
					t.Errorf("id of call %d differs between projections", i)
				}
			}
		})
	}
}

func TestProjectRules(t *testing.T) {
	base := func() *abi.Request {
		return &abi.Request{Model: "mistral-small-latest", Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("hi")}},
			Tools: []abi.ToolDefinition{{Name: "f"}}}
	}
	tests := []struct {
		name   string
		mod    func(r *abi.Request)
		code   abi.Code
		inBody string
	}{
		{"required becomes any", func(r *abi.Request) { r.ToolChoice = &abi.ToolChoice{Mode: "required"} }, "", `"tool_choice":"any"`},
		{"auto stays", func(r *abi.Request) { r.ToolChoice = &abi.ToolChoice{Mode: "auto"} }, "", `"tool_choice":"auto"`},
		{"named tool", func(r *abi.Request) { r.ToolChoice = &abi.ToolChoice{Tool: "f"} }, "", `"tool_choice":{"type":"function","function":{"name":"f"}}`},
		{"max_tokens", func(r *abi.Request) { n := 9; r.MaxOutputTokens = &n }, "", `"max_tokens":9`},
		{"random_seed", func(r *abi.Request) {
			r.ProviderOptions = map[string]json.RawMessage{"random_seed": json.RawMessage("7")}
		}, "", `"random_seed":7`},
		{"stream has no stream_options", func(r *abi.Request) { r.Stream = true }, "", `"stream":true}`},
		{"seed refused", func(r *abi.Request) { r.ProviderOptions = map[string]json.RawMessage{"seed": json.RawMessage("7")} }, abi.CodeCapabilityUnsupported, ""},
		{"logit_bias refused", func(r *abi.Request) {
			r.ProviderOptions = map[string]json.RawMessage{"logit_bias": json.RawMessage("{}")}
		}, abi.CodeCapabilityUnsupported, ""},
		{"unknown option", func(r *abi.Request) { r.ProviderOptions = map[string]json.RawMessage{"nope": json.RawMessage("1")} }, abi.CodeInvalidRequest, ""},
		{"effort on magistral", func(r *abi.Request) { r.Model = "magistral-small-2509"; r.Reasoning = &abi.Reasoning{Effort: "low"} }, abi.CodeCapabilityUnsupported, ""},
		{"effort on small", func(r *abi.Request) { r.Reasoning = &abi.Reasoning{Effort: "low"} }, abi.CodeCapabilityUnsupported, ""},
		{"image on devstral", func(r *abi.Request) {
			r.Model = "devstral-medium-latest"
			r.Messages[0].Content = []abi.Part{{Type: abi.PartImage, URL: "https://x/y.png"}}
		}, abi.CodeCapabilityUnsupported, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base()
			tt.mod(r)
			pr, err := New().Project(r)
			if tt.code != "" {
				if abi.CodeOf(err) != tt.code {
					t.Fatalf("err = %v, want %s", err, tt.code)
				}
				if tt.code == abi.CodeCapabilityUnsupported && !strings.Contains(err.Error(), r.Model) {
					t.Errorf("refusal does not name the model: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(pr.Body), tt.inBody) {
				t.Errorf("body %s lacks %s", pr.Body, tt.inBody)
			}
			if strings.Contains(string(pr.Body), "stream_options") {
				t.Errorf("stream_options sent: %s", pr.Body)
			}
		})
	}
}

func TestFinish(t *testing.T) {
	for raw, want := range map[string]abi.FinishReason{"model_length": abi.FinishLength, "error": abi.FinishError, "stop": "", "tool_calls": ""} {
		if got := Finish(raw); got != want {
			t.Errorf("Finish(%q) = %q, want %q", raw, got, want)
		}
	}
}

func TestMapError(t *testing.T) {
	tests := []guesttest.ErrorCase{
		{Status: 422, Body: `{"object":"error","message":{"detail":[{"msg":"Field required"}]},"type":"invalid_request_error","param":null,"code":null}`, Code: abi.CodeInvalidRequest, Retryable: false, Msg: "Field required"},
		{Status: 422, Body: `{"detail":[{"msg":"bad"}]}`, Code: abi.CodeInvalidRequest, Retryable: false, Msg: "bad"},
		{Status: 401, Body: `{"message":"Unauthorized","request_id":"r"}`, Code: abi.CodeAuthentication, Retryable: false, Msg: "Unauthorized"},
		{Status: 429, Body: `{"message":"Requests rate limit exceeded"}`, Code: abi.CodeRateLimited, Retryable: true, Msg: "rate limit"},
		{Status: 400, Body: `{"object":"error","message":"Prompt contains 9 tokens, too large for model with 8 maximum context length","type":"invalid_request_message_error","param":null,"code":"3051"}`, Code: abi.CodeContextLengthExceeded, Retryable: false, Msg: "maximum context length"},
		{Status: 500, Body: `upstream connect error`, Code: abi.CodeServerError, Retryable: true, Msg: "upstream connect error"},
		{Status: 503, Body: `{"object":"error","message":"Service unavailable.","type":"internal_server_error","param":null,"code":"1000"}`, Code: abi.CodeOverloaded, Retryable: true, Msg: "unavailable"},
	}
	guesttest.MapErrors(t, New(), tests)
}

func TestModel(t *testing.T) {
	guesttest.ModelTraits(t, New(), map[string]guesttest.Traits{
		"magistral-medium-2507": {Reasoning: true, Vision: true, Tools: abi.SupportNative},
		"mistral-small-latest":  {Vision: true, Tools: abi.SupportNative},
		"codestral-latest":      {Tools: abi.SupportNative},
		"pixtral-large-latest":  {Vision: true, Tools: abi.SupportNative},
		"open-mistral-nemo":     {Tools: abi.SupportNative},
	})
	if New().Capabilities("").DefaultBaseURL != "https://api.mistral.ai" {
		t.Error("base URL")
	}
}

func TestDetails(t *testing.T) {
	text, vision := []string{abi.ModalityText}, []string{abi.ModalityText, abi.ModalityImage}
	lim := func(ctx int, mods []string) *abi.ModelDetails {
		return guesttest.Sampled(guesttest.Limits(ctx, 0, mods...), abi.SamplingTemperature, abi.SamplingTopP, abi.SamplingStop)
	}
	for model, want := range map[string]*abi.ModelDetails{
		"mistral-medium-2508":   lim(131072, vision),
		"mistral-small-2501":    lim(32768, vision),
		"magistral-medium-2507": lim(40960, vision),
		"codestral-2508":        lim(262144, text),
		"open-mistral-nemo":     lim(131072, text),
		"ministral-8b-2410":     lim(131072, text),
		"mistral-large-latest":  nil,
		"codestral-latest":      nil,
		"":                      nil,
	} {
		guesttest.Details(t, New(), model, want)
	}
}
