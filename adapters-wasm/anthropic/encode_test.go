package anthropic

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

// sampleRequests are wire requests using every field the encoder writes
// (and the ones it leaves to json.Marshal), with the strings s.
func sampleRequests(s string) []wireRequest {
	text, zero := s, ""
	temp, small, big, k := 0.7, 1e-7, 1e21, 5
	sys, _ := json.Marshal(s)
	return []wireRequest{
		{Model: s},
		{Model: "m", MaxTokens: 1024, System: append(append([]byte(" "), sys...), ' '), Stream: true, StopSequences: []string{s, "\n"},
			Temperature: &temp, TopP: &small, TopK: &k, Metadata: &wireMetadata{UserID: s}, ServiceTier: "auto",
			ToolChoice: &wireToolChoice{Type: "tool", Name: s}, Thinking: &wireThinking{Type: "enabled", BudgetTokens: 2048},
			OutputConfig: &wireOutputCfg{Format: &wireFormat{Type: "json_schema", Schema: json.RawMessage(`{"type":"object"}`)}, Effort: "high"},
			Messages: []wireMessage{
				{Role: "user", Content: []wireBlock{
					{Type: "text", Text: s, CacheControl: &wireCacheControl{Type: "ephemeral", TTL: "1h"}},
					{Type: "image", Source: &wireSource{Type: "base64", MediaType: "image/png", Data: s}},
					{Type: "document", Source: &wireSource{Type: "url", URL: s}, Title: s},
					{Type: "document", Source: &wireSource{Type: "file", FileID: s}},
					{Type: "tool_result", ToolUseID: s, Content: s, IsError: true},
				}},
				{Role: "assistant", Content: []wireBlock{
					{Type: "thinking", Thinking: &text, Signature: s},
					{Type: "thinking", Thinking: &zero},
					{Type: "redacted_thinking", Data: s},
					{Type: "tool_use", ID: s, Name: "f", Input: json.RawMessage(`{ "a" : "<` + "\u2028" + `>" }`)},
					{Raw: json.RawMessage(` {"type":"server_tool_use", "id":"x"} `)},
				}},
				{Role: "user"},
			},
			Tools: []wireTool{
				{Name: s, Description: s, InputSchema: json.RawMessage(`{"type":"object", "properties":{}}`), Strict: true, CacheControl: &wireCacheControl{Type: "ephemeral"}},
				{Type: "web_search_20250305", Name: "web_search", MaxUses: &k, AllowedDomains: []string{s}},
				{Type: "web_fetch_20250910", Name: "web_fetch", Citations: &wireEnabled{true}},
			},
			MCPServers: []wireMCPServer{{Type: "url", URL: s, Name: "srv"}},
		},
		{Model: "m", Temperature: &big, OutputConfig: &wireOutputCfg{Format: &wireFormat{Type: "json_schema"}}, Messages: []wireMessage{}},
	}
}

// TestAppendRequest compares appendRequest with json.Marshal, byte for
// byte, and checks the tools block the cache stands in for.
func TestAppendRequest(t *testing.T) {
	for _, s := range []string{"", "plain", "<b>&</b> \"q\" \\ \b\f\n\r\t\x01", "é😀\u2028", "bad \xff"} {
		for i, w := range sampleRequests(s) {
			want, err := json.Marshal(&w)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := appendRequest(nil, &w, nil)
			if !ok || !bytes.Equal(got, want) {
				t.Errorf("request %d with %q: appendRequest = %s, %v\njson.Marshal = %s", i, s, got, ok, want)
			}
			if len(w.Tools) == 0 {
				continue
			}
			block, ok := appendTools(nil, w.Tools)
			if !ok {
				t.Fatalf("appendTools refused request %d's tools", i)
			}
			if got, ok := appendRequest(nil, &w, block); !ok || !bytes.Equal(got, want) {
				t.Errorf("request %d with %q and a tools block: %s, %v\nwant %s", i, s, got, ok, want)
			}
		}
	}
}

// TestAppendRequestFallback checks that what the encoder cannot write
// exactly is reported, so that Project marshals the request instead.
func TestAppendRequestFallback(t *testing.T) {
	for _, w := range []wireRequest{
		{Model: "m", System: json.RawMessage(`{"a":`)},
		{Model: "m", Messages: []wireMessage{{Role: "user", Content: []wireBlock{{Type: "tool_use", Input: json.RawMessage("\"\xff\"")}}}}},
	} {
		if got, ok := appendRequest(nil, &w, nil); ok {
			t.Errorf("appendRequest wrote %s, want ok false", got)
		}
	}
}

// TestToolsCache checks that a tools block served from the cache is the
// one projected afresh, and that the cache does not carry a strict tool
// from a model that takes strict tools to one that refuses them.
func TestToolsCache(t *testing.T) {
	req := func(model string) *abi.Request {
		return &abi.Request{Model: model, MaxOutputTokens: ptr(100), Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("hi")}},
			Tools: []abi.ToolDefinition{
				{Name: "f", Description: "cached <tool>", Parameters: json.RawMessage(`{"type":"object","properties":{"a":{"type":"string"}}}`), Strict: true},
				{Name: "g", Parameters: json.RawMessage(`{"type":"object"}`), Cache: &abi.Cache{}},
			}}
	}
	var bodies []string
	for range 2 {
		pr, err := Adapter{}.Project(req("claude-sonnet-4-5"))
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, string(pr.Body))
	}
	if bodies[0] != bodies[1] {
		t.Errorf("cached projection differs:\n%s\nfresh:\n%s", bodies[1], bodies[0])
	}
	key, block := cachedTools(req("claude-sonnet-4-5").Tools, false)
	if key == nil || block == nil {
		t.Fatal("the tools block was not cached")
	}
	if _, err := (Adapter{}).Project(req("claude-3-7-sonnet-20250219")); err == nil {
		t.Error("a model without strict tools accepted a strict tool after the cache held it")
	}
}

func ptr[T any](v T) *T { return &v }
