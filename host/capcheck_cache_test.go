package host_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/host"
)

func TestCapabilityCheckCacheMarkers(t *testing.T) {
	marked := func() *abi.Request {
		return &abi.Request{Model: "m", Messages: []abi.Message{
			{Role: abi.RoleSystem, Content: abi.Text("long"), Cache: &abi.Cache{}},
			{Role: abi.RoleUser, Content: []abi.Part{{Type: abi.PartText, Text: "q", Cache: &abi.Cache{TTL: "1h"}}}},
		}}
	}
	tests := []struct {
		name     string
		caching  string
		max      int
		opts     []host.CallOption
		want     string // substring of the error; "" = allowed
		stripped bool
	}{
		{"explicit", abi.CachingExplicit, 4, nil, "", false},
		{"explicit over the limit", abi.CachingExplicit, 1, nil, "at most 1 cache breakpoints", false},
		{"automatic refused", abi.CachingAutomatic, 0, nil, "caching: automatic", false},
		{"undeclared refused", "", 0, nil, "caching: not declared", false},
		{"automatic dropped on opt-in", abi.CachingAutomatic, 0, []host.CallOption{host.AllowDowngrade(host.DropCacheMarkers)}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			caps := &abi.Capabilities{Name: "x", Features: abi.Features{Caching: tt.caching, MaxCacheBreakpoints: tt.max}}
			req := marked()
			out, applied, err := host.CheckCapabilities(caps, req, tt.opts...)
			if tt.want != "" {
				var ae *abi.Error
				if !errors.As(err, &ae) || ae.Code != abi.CodeCapabilityUnsupported || !strings.Contains(ae.Message, tt.want) {
					t.Fatalf("err = %v, want capability_unsupported containing %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n := len(out.CacheBreakpoints()); (n == 0) != tt.stripped {
				t.Errorf("%d breakpoints left, stripped %v", n, tt.stripped)
			}
			if tt.stripped && (len(applied) != 1 || applied[0] != host.DropCacheMarkers) {
				t.Errorf("applied = %v", applied)
			}
			if len(req.CacheBreakpoints()) != 2 {
				t.Error("the capability check modified the caller's request")
			}
		})
	}
}

func TestCapabilityCheckProviderTools(t *testing.T) {
	req := &abi.Request{Model: "m", Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("q")}},
		Tools: []abi.ToolDefinition{{Type: abi.ToolProvider, Name: abi.ProviderToolWebSearch}}}
	tests := []struct {
		name  string
		tools []string
		want  string
	}{
		{"listed", []string{abi.ProviderToolWebSearch}, ""},
		{"not listed (an ABI 1.1 module lists none)", nil, `runs no such provider tool; the request asks for the provider tool "web_search"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			caps := &abi.Capabilities{Name: "x", ProviderTools: tt.tools,
				Features: abi.Features{ToolCalling: abi.SupportNative}}
			_, _, err := host.CheckCapabilities(caps, req)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if abi.CodeOf(err) != abi.CodeCapabilityUnsupported || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
