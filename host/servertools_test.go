package host_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
	"github.com/wasmadapt/wasmadapt/internal/testenv"
)

// builtModule loads bin/adapters/<name>.wasm, or skips when it is not
// built.
func builtModule(t *testing.T, name string) engine.Module {
	t.Helper()
	wasm, err := os.ReadFile(filepath.Join("..", "bin", "adapters", name+".wasm"))
	if err != nil {
		testenv.SkipMissing(t, "bin/adapters/%s.wasm is not built (make bin/adapters/%s.wasm)", name, name)
	}
	return loadModule(t, name, wasm)
}

// testEngine is an engine on the host tests' compilation cache, closed
// when tb ends.
func testEngine(tb testing.TB) *engine.Engine {
	tb.Helper()
	ctx := context.Background()
	eng, err := engine.New(ctx, engine.Config{CacheDir: testenv.CacheDirOr(filepath.Join(os.TempDir(), "wasmadapt-host-test-cache"))})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { eng.Close(ctx) })
	return eng
}

// loadModule loads wasm as the module name in a testEngine of its own.
func loadModule(tb testing.TB, name string, wasm []byte) engine.Module {
	tb.Helper()
	mod, err := testEngine(tb).Load(context.Background(), name, wasm)
	if err != nil {
		tb.Fatal(err)
	}
	return mod
}

// finalAnswer is an Anthropic stream that ends the turn with text.
const finalAnswer = `event: message_start
data: {"type":"message_start","message":{"id":"msg_02Final","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":60,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Paris: sunny, 21°C."}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":9}}

event: message_stop
data: {"type":"message_stop"}

`

// TestToolLoopContinuesPausedTurn: an Anthropic turn that stops with
// pause_turn after a web search (finish pause) is continued by the tool
// loop through the real module: the second request resends the paused
// turn with its server_tool_use and web_search_tool_result blocks as
// Anthropic sent them, and the session keeps them as server-tool parts of
// the provider.
func TestToolLoopContinuesPausedTurn(t *testing.T) {
	mod := builtModule(t, "anthropic")
	paused, err := providertest.LoadCase(filepath.Join("..", "testdata", "anthropic", "stream-pause-turn-server-tool"))
	if err != nil {
		t.Fatal(err)
	}
	srv := providertest.NewServer([]providertest.Case{paused, {Name: "final", Framing: "sse", Body: []byte(finalAnswer)}}, providertest.WithSequence())
	defer srv.Close()
	tools := noopTools(t)
	loop := &host.ToolLoop{Client: host.NewClient(), Tools: tools,
		Provider: host.Provider{Module: mod, BaseURL: srv.URL, Credentials: host.StaticKey("sk-test")}}
	s := host.NewSession("s-pause", "")
	s.AddUser("Weather in Paris?")
	resp, err := loop.Run(context.Background(), s, &abi.Request{Model: "claude-sonnet-4-5", Stream: true,
		Tools: []abi.ToolDefinition{{Type: abi.ToolProvider, Name: abi.ProviderToolWebSearch}}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Text != "Paris: sunny, 21°C." || resp.FinishReason != abi.FinishStop {
		t.Fatalf("final response %q, finish %s", resp.Text, resp.FinishReason)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2 (the paused turn, then its continuation)", len(reqs))
	}
	var body struct {
		Messages []struct {
			Role    string            `json:"role"`
			Content []json.RawMessage `json:"content"`
		} `json:"messages"`
		Tools []struct{ Type, Name string } `json:"tools"`
	}
	if err := json.Unmarshal(reqs[1].Body, &body); err != nil {
		t.Fatal(err)
	}
	if len(body.Tools) != 2 || body.Tools[1].Type != "web_search_20250305" {
		t.Errorf("tools of the continuation %+v, want the function tool and web search", body.Tools)
	}
	last := body.Messages[len(body.Messages)-1]
	if last.Role != "assistant" || len(last.Content) != 2 {
		t.Fatalf("last message of the continuation: %s with %d blocks, want the paused assistant turn with 2", last.Role, len(last.Content))
	}
	for i, want := range []string{
		`{"type":"server_tool_use","id":"srvtoolu_014hJH82Qum7Td6UV8gDXThB","name":"web_search","input":{"query":"weather paris"}}`,
		`{"type":"web_search_tool_result","tool_use_id":"srvtoolu_014hJH82Qum7Td6UV8gDXThB","content":[{"type":"web_search_result","title":"Paris","url":"https://example.com","encrypted_content":"Eq","page_age":null}]}`,
	} {
		if got := string(last.Content[i]); got != want {
			t.Errorf("block %d\n got %s\nwant %s", i, got, want)
		}
	}
	msgs := s.Messages()
	if len(msgs) != 3 {
		t.Fatalf("session holds %d messages, want user, paused turn, final turn", len(msgs))
	}
	var kinds []string
	for _, p := range msgs[1].Content {
		kinds = append(kinds, string(p.Type)+"/"+p.Provider)
	}
	if got := strings.Join(kinds, " "); got != "server-tool-call/anthropic server-tool-result/anthropic" {
		t.Errorf("paused turn parts %s", got)
	}
}

// mcpAnswer is a Responses API stream that runs the approved MCP call and
// answers.
const mcpAnswer = `event: response.created
data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_02","object":"response","status":"in_progress","model":"gpt-4.1-2025-04-14","output":[]}}

event: response.output_item.done
data: {"type":"response.output_item.done","sequence_number":1,"output_index":0,"item":{"id":"mcp_13","type":"mcp_call","status":"completed","server_label":"deepwiki","name":"ask_question","arguments":"{\"question\":\"What is wasmadapt?\"}","output":"An LLM contract.","error":null,"approval_request_id":"mcpr_12"}}

event: response.output_text.delta
data: {"type":"response.output_text.delta","sequence_number":2,"item_id":"msg_14","output_index":1,"content_index":0,"delta":"It is an LLM contract."}

event: response.completed
data: {"type":"response.completed","sequence_number":3,"response":{"id":"resp_02","object":"response","status":"completed","model":"gpt-4.1-2025-04-14","output":[],"usage":{"input_tokens":500,"input_tokens_details":{"cached_tokens":0},"output_tokens":12,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":512}}}

`

// TestToolLoopMCPApproval: a Responses API mcp_approval_request, through
// the real module, goes to the loop's one Gate; ErrPending pauses the loop
// (the session, saved as JSON, holds the request); Resume with Approve
// sends the mcp_list_tools and approval request items back with an
// mcp_approval_response, and a denial sends approve false with the reason.
func TestToolLoopMCPApproval(t *testing.T) {
	mod := builtModule(t, "openai-responses")
	asked, err := providertest.LoadCase(filepath.Join("..", "testdata", "openai-responses", "stream-mcp-approval-request"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		decision host.Decision
		want     string
	}{
		{"approve", host.Approve("mcpr_12"), `{"type":"mcp_approval_response","approval_request_id":"mcpr_12","approve":true}`},
		{"deny", host.Deny("mcpr_12", "not now"), `{"type":"mcp_approval_response","approval_request_id":"mcpr_12","approve":false,"reason":"the call was not allowed: not now"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.NewServer([]providertest.Case{asked, {Name: "answer", Framing: "sse", Body: []byte(mcpAnswer)}}, providertest.WithSequence())
			defer srv.Close()
			tools := noopTools(t)
			var gated []host.ToolCall
			loop := &host.ToolLoop{Client: host.NewClient(), Tools: tools,
				Provider: host.Provider{Module: mod, BaseURL: srv.URL, Credentials: host.StaticKey("sk-test")},
				Gate: func(_ context.Context, call host.ToolCall) error {
					gated = append(gated, call)
					return host.ErrPending
				}}
			s := host.NewSession("s-mcp", "")
			s.AddUser("What is wasmadapt?")
			req := &abi.Request{Model: "gpt-4.1", Stream: true, Tools: []abi.ToolDefinition{{Type: abi.ToolProvider, Name: abi.ProviderToolMCP,
				Options: json.RawMessage(`{"server_label":"deepwiki","server_url":"https://mcp.deepwiki.com/mcp","require_approval":"always"}`)}}}
			_, err = loop.Run(context.Background(), s, req)
			if !errors.Is(err, host.ErrPending) {
				t.Fatalf("Run: %v, want ErrPending", err)
			}
			if len(gated) != 1 || gated[0].Provider != "openai-responses" || gated[0].Name != "mcp" ||
				string(gated[0].Arguments) != `{"server":"deepwiki","tool":"ask_question","arguments":{"question":"What is wasmadapt?"}}` {
				t.Fatalf("gate saw %+v", gated)
			}
			_, restored := saveAndRestore(t, s)
			resp, err := loop.Resume(context.Background(), restored, tt.decision)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Text != "It is an LLM contract." {
				t.Errorf("final text %q", resp.Text)
			}
			reqs := srv.Requests()
			if len(reqs) != 2 {
				t.Fatalf("%d requests, want 2", len(reqs))
			}
			var body struct {
				Input []json.RawMessage `json:"input"`
			}
			if err := json.Unmarshal(reqs[1].Body, &body); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range body.Input {
				got = append(got, string(it))
			}
			want := []string{
				`{"role":"user","content":[{"type":"input_text","text":"What is wasmadapt?"}]}`,
				`{"type":"mcp_list_tools","id":"mcpl_11","server_label":"deepwiki","tools":[{"name":"ask_question","input_schema":{"type":"object","properties":{"question":{"type":"string"}}},"annotations":null}]}`,
				`{"type":"mcp_approval_request","id":"mcpr_12","server_label":"deepwiki","name":"ask_question","arguments":"{\"question\":\"What is wasmadapt?\"}"}`,
				tt.want,
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("input of the resumed request\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
			}
		})
	}
}
