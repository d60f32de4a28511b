package abi

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestUsageCacheWriteEncoding(t *testing.T) {
	tests := []struct {
		name string
		u    Usage
		want string
	}{
		{"no cache writes encode as ABI 1.1", Usage{InputTokens: 5, OutputTokens: 1},
			`{"type":"usage","input_tokens":5,"output_tokens":1,"cached_input_tokens":0,"reasoning_tokens":0}`},
		{"cache writes", Usage{InputTokens: 105, OutputTokens: 1, CacheWriteInputTokens: 100},
			`{"type":"usage","input_tokens":105,"output_tokens":1,"cached_input_tokens":0,"reasoning_tokens":0,"cache_write_input_tokens":100}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Event{Type: EventUsage, Usage: tt.u}
			if got := e.String(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestVersionAcceptsOlderMinor(t *testing.T) {
	tests := []struct {
		v    uint32
		fail bool
	}{
		{PackVersion(1, 0, 0), false},
		{PackVersion(1, 1, 0), false},
		{PackVersion(1, 2, 0), false},
		{PackVersion(1, 3, 0), false},
		{PackVersion(1, 4, 0), false},
		{PackVersion(1, 5, 0), false},
		{PackVersion(1, 6, 0), false},
		{PackVersion(1, 7, 0), false},
		{PackVersion(1, 8, 0), true},
		{PackVersion(2, 0, 0), true},
	}
	for _, tt := range tests {
		if err := CheckVersion(tt.v); (err != nil) != tt.fail {
			t.Errorf("CheckVersion(%s) = %v, want failure %v", VersionString(tt.v), err, tt.fail)
		}
	}
}

const cachedRequest = `{
  "model": "m",
  "tools": [{"name": "a"}, {"name": "b", "cache": {"ttl": "1h"}}],
  "messages": [
    {"role": "system", "content": "long", "cache": {}},
    {"role": "user", "content": [{"type": "text", "text": "doc", "cache": {"ttl": "5m"}}, {"type": "text", "text": "q"}]}
  ]
}`

func TestCacheMarkers(t *testing.T) {
	var r Request
	if err := json.Unmarshal([]byte(cachedRequest), &r); err != nil {
		t.Fatal(err)
	}
	got := r.CacheBreakpoints()
	want := []CacheBreakpoint{
		{"/tools/1/cache", Cache{TTL: "1h"}},
		{"/messages/0/cache", Cache{}},
		{"/messages/1/content/0/cache", Cache{TTL: "5m"}},
	}
	if len(got) != len(want) {
		t.Fatalf("CacheBreakpoints() = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("breakpoint %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	// The markers survive a round trip, and a cached single text part
	// keeps its array form.
	b, err := json.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	var back Request
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if n := len(back.CacheBreakpoints()); n != 3 {
		t.Errorf("after a round trip %d breakpoints, want 3: %s", n, b)
	}
	stripped := r.WithoutCache()
	if n := len(stripped.CacheBreakpoints()); n != 0 {
		t.Errorf("WithoutCache left %d breakpoints", n)
	}
	if n := len(r.CacheBreakpoints()); n != 3 {
		t.Errorf("WithoutCache changed the original: %d breakpoints", n)
	}
}

func TestCheckCacheTTL(t *testing.T) {
	for _, ttl := range []string{"", "5m", "1h"} {
		if err := CheckCacheTTL(&Cache{TTL: ttl}, "/x"); err != nil {
			t.Errorf("ttl %q: %v", ttl, err)
		}
	}
	err := CheckCacheTTL(&Cache{TTL: "2h"}, "/messages/0/cache")
	var ae *Error
	if !errors.As(err, &ae) || ae.Code != CodeInvalidRequest || ae.Pointer != "/messages/0/cache/ttl" {
		t.Errorf("ttl 2h: %v", err)
	}
}

func TestRefuseProviderTools(t *testing.T) {
	tests := []struct {
		name  string
		tools []ToolDefinition
		code  Code
	}{
		{"function tools", []ToolDefinition{{Name: "f"}, {Type: ToolFunction, Name: "g"}}, ""},
		{"a provider tool", []ToolDefinition{{Name: "f"}, {Type: ToolProvider, Name: ProviderToolWebSearch}}, CodeCapabilityUnsupported},
		{"an unknown tool type", []ToolDefinition{{Type: "mcp", Name: "f"}}, CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Request{Tools: tt.tools}
			if got := CodeOf(r.RefuseProviderTools("API")); got != tt.code {
				t.Errorf("code %q, want %q", got, tt.code)
			}
		})
	}
}
