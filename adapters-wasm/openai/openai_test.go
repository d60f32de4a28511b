package openai_test

import (
	"encoding/json"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/openai"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

func TestCapabilities(t *testing.T) {
	tests := []struct {
		model             string
		reasoning, vision bool
		tools, structured string
	}{
		{"gpt-4.1-mini", false, true, abi.SupportNative, abi.SupportNative},
		{"gpt-4o-2024-08-06", false, true, abi.SupportNative, abi.SupportNative},
		{"o4-mini", true, true, abi.SupportNative, abi.SupportNative},
		{"o3", true, true, abi.SupportNative, abi.SupportNative},
		{"gpt-5-nano", true, true, abi.SupportNative, abi.SupportNative},
		{"gpt-5-chat-latest", false, true, abi.SupportNative, abi.SupportNative},
		{"o1-mini", true, false, abi.SupportNone, abi.SupportNone},
		{"gpt-3.5-turbo-0125", false, false, abi.SupportNative, abi.SupportJSONMode},
		{"gpt-4-0613", false, false, abi.SupportNative, abi.SupportNone},
		{"", false, true, abi.SupportNative, abi.SupportNative},
	}
	d := guest.NewDispatcher(openai.New())
	for _, tt := range tests {
		res := d.Capabilities([]byte(tt.model))
		if abi.Status(res[0]) != abi.StatusOK {
			t.Fatalf("%s: %s", tt.model, res[1:])
		}
		var c abi.Capabilities
		if err := json.Unmarshal(res[1:], &c); err != nil {
			t.Fatal(err)
		}
		f := c.Features
		if c.Name != "openai" || c.Provider != "openai" || c.Model != tt.model || c.Auth.Scheme != abi.AuthBearer ||
			c.DefaultBaseURL != "https://api.openai.com" || c.StateFormat == "" || c.ABIVersion != abi.VersionString(abi.Version) ||
			len(c.ProviderOptions) == 0 || !f.Streaming || !f.MultiTurn {
			t.Errorf("%s: capabilities %s", tt.model, res[1:])
		}
		if f.Reasoning != tt.reasoning || f.Vision != tt.vision || f.ToolCalling != tt.tools || f.StructuredOutput != tt.structured {
			t.Errorf("%s: features %+v, want reasoning %v vision %v tools %s structured %s", tt.model, f, tt.reasoning, tt.vision, tt.tools, tt.structured)
		}
	}
}

func TestProjectRefusesPerModel(t *testing.T) {
	msgs := []abi.Message{{Role: abi.RoleUser, Content: abi.Text("hi")}}
	temp := 0.5
	tests := []struct {
		name string
		req  abi.Request
		code abi.Code
	}{
		{"o1-mini system message", abi.Request{Model: "o1-mini", Messages: append([]abi.Message{{Role: abi.RoleSystem, Content: abi.Text("be nice")}}, msgs...)}, abi.CodeCapabilityUnsupported},
		{"o1-mini tools", abi.Request{Model: "o1-mini", Messages: msgs, Tools: []abi.ToolDefinition{{Name: "f"}}}, abi.CodeCapabilityUnsupported},
		{"o3 temperature", abi.Request{Model: "o3", Messages: msgs, Temperature: &temp}, abi.CodeCapabilityUnsupported},
		{"gpt-3.5 image", abi.Request{Model: "gpt-3.5-turbo", Messages: []abi.Message{{Role: abi.RoleUser, Content: []abi.Part{{Type: abi.PartImage, URL: "https://x/y.png"}}}}}, abi.CodeCapabilityUnsupported},
		{"gpt-3.5 json_schema", abi.Request{Model: "gpt-3.5-turbo", Messages: msgs, ResponseFormat: &abi.ResponseFormat{Type: "json_schema", Schema: json.RawMessage(`{"type":"object"}`)}}, abi.CodeCapabilityUnsupported},
		{"gpt-5-chat temperature is fine", abi.Request{Model: "gpt-5-chat-latest", Messages: msgs, Temperature: &temp}, ""},
	}
	a := openai.New()
	for _, tt := range tests {
		_, err := a.Project(&tt.req)
		if abi.CodeOf(err) != tt.code {
			t.Errorf("%s: err = %v, want code %q", tt.name, err, tt.code)
		}
		if err != nil {
			if e := (*abi.Error)(nil); !errorsAs(err, &e) || e.Message == "" {
				t.Errorf("%s: error without message", tt.name)
			}
		}
	}
}

func errorsAs(err error, e **abi.Error) bool {
	v, ok := err.(*abi.Error)
	*e = v
	return ok
}

func TestIsReasoningModelFamilies(t *testing.T) {
	tests := []struct {
		model string
		want  bool
	}{
		{"gpt-5", true},
		{"gpt-5-mini-2025-08-07", true},
		{"gpt-5.5-foo", true},
		{"gpt-6", true},
		{"gpt-10-nano", true},
		{"gpt-5-chat-latest", false},
		{"gpt-4.1-mini", false},
		{"gpt-4o", false},
		{"o3-mini", true},
		{"o9", true},
		{"omni-moderation-latest", false},
	}
	for _, tt := range tests {
		if got := openai.IsReasoningModel(tt.model); got != tt.want {
			t.Errorf("IsReasoningModel(%q) = %v, want %v", tt.model, got, tt.want)
		}
	}
}

func TestSource(t *testing.T) {
	guesttest.Sources(t, openai.New(), map[string]string{
		"gpt-4o-mini":    abi.SourceTable,
		"gpt-5":          abi.SourceTable,
		"o3-2025-04-16":  abi.SourceTable,
		"gpt-5.5-foo":    abi.SourceFamily,
		"gpt-6":          abi.SourceFamily,
		"o5-mini":        abi.SourceFamily,
		"whatever-model": abi.SourceUnknown,
		"":               "",
	})
}
