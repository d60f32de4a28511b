package gateway_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/host/providertest"
)

// TestPauseTurnContinuation: a turn the provider paused (pause_turn, in a
// run of its own tools) is continued through /v1/messages: the client
// declares a server tool and an MCP server, gets stop_reason pause_turn
// with the turn's server_tool_use and web_search_tool_result blocks,
// sends the turn back, and the continuation reaching the provider carries
// those blocks as the provider sent them, with the tools and MCP servers;
// the reply streams back (or comes whole). A turn the client builds
// itself (text, and an MCP call's mcp_tool_use and mcp_tool_result
// blocks) goes back as well. Server tool blocks out of place are 400s in
// Anthropic's error shape.
func TestPauseTurnContinuation(t *testing.T) {
	const tools = `"tools":[{"type":"web_search_20250305","name":"web_search"}],"mcp_servers":[{"type":"url","url":"https://mcp.example.com/sse","name":"wiki"}]`
	const user = `{"role":"user","content":"When is high tide in Brest, and what does the wiki say?"}`
	// paused is the content of the recorded paused turn, as the gateway
	// returns it.
	const paused = `[{"type":"server_tool_use","id":"srvtoolu_014hJH82Qum7Td6UV8gDXThB","name":"web_search","input":{"query":"weather paris"}},` +
		`{"type":"web_search_tool_result","tool_use_id":"srvtoolu_014hJH82Qum7Td6UV8gDXThB","content":[{"type":"web_search_result","title":"Paris","url":"https://example.com","encrypted_content":"Eq","page_age":null}]}]`
	const built = `[{"type":"text","text":"I'll look that up."},` +
		`{"type":"server_tool_use","id":"srvtoolu_01Gap","name":"web_search","input":{"query":"tide times Brest"}},` +
		`{"type":"web_search_tool_result","tool_use_id":"srvtoolu_01Gap","content":[{"type":"web_search_result","title":"Tides","url":"https://example.org/tides","encrypted_content":"Eq","page_age":null}]},` +
		`{"type":"mcp_tool_use","id":"mcptoolu_01Wiki","name":"search_pages","server_name":"wiki","input":{"query":"tides"}},` +
		`{"type":"mcp_tool_result","tool_use_id":"mcptoolu_01Wiki","is_error":false,"content":[{"type":"text","text":"No page on tides."}]}]`
	const wantTools = `[{"type":"web_search_20250305","name":"web_search"}]`
	const wantServers = `[{"type":"url","url":"https://mcp.example.com/sse","name":"wiki"}]`
	apiKey := "x-api-key: " + testKey
	for _, tc := range []struct {
		name   string
		stream bool
		// turn is the assistant content sent back: "" for the one the
		// gateway returned.
		turn string
	}{
		{"returned turn, streamed", true, ""},
		{"returned turn, whole", false, ""},
		{"built turn with an MCP call, streamed", true, built},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prov := providertest.NewHandler([]providertest.Case{
				loadCase(t, "anthropic", "stream-pause-turn-server-tool"), loadCase(t, "anthropic", "stream-text-around-server-tool")}, providertest.WithSequence())
			srv, _ := newGatewayFor(t, "anthropic", "claude-sonnet-4-5", prov)
			s := strconv.FormatBool(tc.stream)

			status, _, body := post(t, srv.URL+"/v1/messages", `{"model":"demo-weather","max_tokens":1024,"stream":`+s+`,"messages":[`+user+`],`+tools+`}`, apiKey)
			content, stop := anthropicAnswer(t, body, tc.stream)
			if status != 200 || stop != "pause_turn" || !sameJSONValue(t, content, []byte(paused)) {
				t.Fatalf("first turn: status %d, stop %q, content %s; want 200, pause_turn and %s: %s", status, stop, content, paused, body)
			}
			turn := tc.turn
			if turn == "" {
				turn = string(content)
			}

			status, _, body = post(t, srv.URL+"/v1/messages", `{"model":"demo-weather","max_tokens":1024,"stream":`+s+`,"messages":[`+user+`,{"role":"assistant","content":`+turn+`}],`+tools+`}`, apiKey)
			content, stop = anthropicAnswer(t, body, tc.stream)
			var blocks []struct{ Type, Text string }
			json.Unmarshal(content, &blocks)
			var text string
			for _, b := range blocks {
				text += b.Text
			}
			const reply = "I'll look that up.\n\nHigh tide is at 14:05."
			if status != 200 || text != reply || stop != "end_turn" {
				t.Fatalf("continuation: status %d, text %q, stop %q; want %q and end_turn: %s", status, text, stop, reply, body)
			}

			rs := prov.Requests()
			if len(rs) != 2 {
				t.Fatalf("%d provider requests, want 2", len(rs))
			}
			for i, r := range rs {
				var got struct {
					Messages   []json.RawMessage `json:"messages"`
					Tools      json.RawMessage   `json:"tools"`
					MCPServers json.RawMessage   `json:"mcp_servers"`
				}
				if err := json.Unmarshal(r.Body, &got); err != nil {
					t.Fatal(err)
				}
				if !sameJSONValue(t, got.Tools, []byte(wantTools)) || !sameJSONValue(t, got.MCPServers, []byte(wantServers)) ||
					!strings.Contains(r.Header.Get("anthropic-beta"), "mcp-client-2025-04-04") {
					t.Fatalf("provider request %d: %s (anthropic-beta %q), want the tools %s and MCP servers %s", i, r.Body, r.Header.Get("anthropic-beta"), wantTools, wantServers)
				}
				if i == 1 && (len(got.Messages) != 2 || !sameJSONValue(t, got.Messages[1], []byte(`{"role":"assistant","content":`+turn+`}`))) {
					t.Fatalf("continuation provider messages %s, want the turn sent back %s", r.Body, turn)
				}
			}
		})
	}

	srv, _ := newGatewayFor(t, "anthropic", "claude-sonnet-4-5", providerCase(t, "anthropic", "stream-text-around-server-tool"))
	for _, tc := range []struct{ name, body, says string }{
		{"server tool in a user message", `{"model":"demo-weather","max_tokens":10,"messages":[{"role":"user","content":[{"type":"server_tool_use","id":"s","name":"web_search","input":{}}]}]}`,
			"a server_tool_use block belongs in an assistant message"},
		{"mcp_tool_use without server_name", `{"model":"demo-weather","max_tokens":10,"messages":[` + user + `,{"role":"assistant","content":[{"type":"mcp_tool_use","id":"m","name":"t","input":{}}]}]}`,
			"needs server_name"},
		{"a client tool type", `{"model":"demo-weather","max_tokens":10,"messages":[` + user + `],"tools":[{"type":"text_editor_20250728","name":"str_replace_based_edit_tool"}]}`,
			`tools.0.type: \"text_editor_20250728\" is not supported`},
		{"an MCP server's tools off", `{"model":"demo-weather","max_tokens":10,"messages":[` + user + `],"mcp_servers":[{"type":"url","url":"https://m","name":"m","tool_configuration":{"enabled":false}}]}`,
			"mcp_servers.0.tool_configuration.enabled"},
	} {
		status, _, body := post(t, srv.URL+"/v1/messages", tc.body, apiKey)
		if status != 400 || !strings.Contains(body, tc.says) {
			t.Errorf("%s: status %d, want 400 saying %q: %s", tc.name, status, tc.says, body)
		}
		checkErrorShape(t, "/v1/messages", body, "invalid_request_error")
	}
}

// TestChatWebSearch: web_search_options on /v1/chat/completions is the
// web_search provider tool: a module that projects it (openai-responses)
// sends the provider its web search tool; one that does not (openai, Chat
// Completions) refuses it with a 400 in OpenAI's shape rather than drop it.
func TestChatWebSearch(t *testing.T) {
	const body = `{"model":"demo-weather","messages":[{"role":"user","content":"Weather in Oslo?"}],` +
		`"web_search_options":{"search_context_size":"low","user_location":{"type":"approximate","approximate":{"city":"Oslo","country":"NO"}}}}`
	bearer := "Authorization: Bearer " + testKey
	for _, tc := range []struct {
		name, module, model string
		provider            *providertest.Server
		status              int
		// want is the provider's tools (200), or what the error says.
		want string
	}{
		{"projected", "openai-responses", "gpt-4.1", providerCase(t, "openai-responses", "stream-web-search-two-messages"), 200,
			`[{"type":"web_search","search_context_size":"low","user_location":{"type":"approximate","city":"Oslo","country":"NO"}}]`},
		{"refused", "openai", "gpt-4.1-mini", providerCase(t, "openai-responses", "stream-web-search-two-messages"), 400, "web_search"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := newGatewayFor(t, tc.module, tc.model, tc.provider)
			status, _, got := post(t, srv.URL+"/v1/chat/completions", body, bearer)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, got)
			}
			rs := tc.provider.Requests()
			if tc.status != 200 {
				checkErrorShape(t, "/v1/chat/completions", got, "invalid_request_error")
				if !strings.Contains(got, tc.want) || len(rs) != 0 {
					t.Fatalf("error %s, want one naming %s and no provider request (%d sent)", got, tc.want, len(rs))
				}
				return
			}
			var sent struct{ Tools json.RawMessage }
			if len(rs) != 1 || json.Unmarshal(rs[0].Body, &sent) != nil || !sameJSONValue(t, sent.Tools, []byte(tc.want)) {
				t.Fatalf("provider requests %v, want one with the tools %s", rs, tc.want)
			}
		})
	}
}

// anthropicAnswer is the content and stop reason of a Messages answer:
// of the message, or rebuilt from a stream as an SDK's accumulator does
// (each block as it started, its text and input JSON deltas applied).
func anthropicAnswer(t *testing.T, body string, stream bool) (json.RawMessage, string) {
	t.Helper()
	if !stream {
		var m struct {
			Content    json.RawMessage `json:"content"`
			StopReason string          `json:"stop_reason"`
		}
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		return m.Content, m.StopReason
	}
	var blocks []map[string]any
	var input, stop string
	for _, e := range parseSSE(t, body) {
		var d struct {
			ContentBlock map[string]any `json:"content_block"`
			Delta        struct {
				Type, Text  string
				PartialJSON string `json:"partial_json"`
				StopReason  string `json:"stop_reason"`
			} `json:"delta"`
		}
		if err := json.Unmarshal([]byte(e.data), &d); err != nil {
			t.Fatal(err)
		}
		switch e.event {
		case "content_block_start":
			blocks, input = append(blocks, d.ContentBlock), ""
		case "content_block_delta":
			b := blocks[len(blocks)-1]
			switch d.Delta.Type {
			case "text_delta":
				b["text"] = b["text"].(string) + d.Delta.Text
			case "input_json_delta":
				input += d.Delta.PartialJSON
			}
		case "content_block_stop":
			if input != "" {
				var v any
				if err := json.Unmarshal([]byte(input), &v); err != nil {
					t.Fatalf("input %q: %v", input, err)
				}
				blocks[len(blocks)-1]["input"] = v
			}
		case "message_delta":
			stop = d.Delta.StopReason
		}
	}
	b, _ := json.Marshal(blocks)
	return b, stop
}
