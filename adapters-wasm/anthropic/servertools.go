package anthropic

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstate"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/servertool"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// Server tools: Anthropic runs web search, web fetch and code execution
// itself. A server_tool_use block is a server-tool-call event (its input
// streamed as input_json_delta, emitted whole when the block stops); a
// <name>_tool_result block is a server-tool-result event with the block's
// content as is (is_error when the content is an *_error object). Citations
// on text blocks (citations_delta, or a whole block's citations) are
// source events, emitted before the text of the block that cites them.

// emitServerToolCall emits a server tool call whose input is complete; an
// input that is not a JSON object (a stream cut short) is reported as an
// error event instead.
func emitServerToolCall(out *guest.Output, id, name string, input []byte) {
	if len(bytes.TrimSpace(input)) == 0 {
		input = []byte("{}")
	}
	c, ok := servertool.CompactObject(input)
	if !ok {
		out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeToolArgumentsInvalid,
			Message: "anthropic: the input of server tool call " + id + " (" + name + ") is not a complete JSON object"})
		return
	}
	out.Emit(&abi.Event{Type: abi.EventServerToolCall, ID: id, Name: name, Input: c})
}

// emitMCPToolCall emits an mcp_tool_use block whose input is complete as
// the server-tool-call "mcp" with input {"server", "tool", "arguments"};
// an input that is not a JSON object is reported as an error event.
func emitMCPToolCall(out *guest.Output, id, server, tool string, input []byte) {
	in, ok := servertool.MCPCallInput(server, tool, input)
	if !ok {
		out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeToolArgumentsInvalid,
			Message: "anthropic: the input of MCP tool call " + id + " (" + tool + ") is not a complete JSON object"})
		return
	}
	out.Emit(&abi.Event{Type: abi.EventServerToolCall, ID: id, Name: servertool.MCPCallName, Input: in})
}

// emitServerToolResult emits a <name>_tool_result block of the given type.
func emitServerToolResult(s *state, out *guest.Output, typ string, cb []byte) {
	var id, content, flag []byte
	it := jsonx.Object(cb)
	for it.Next() {
		switch {
		case it.KeyIs("tool_use_id"):
			id = it.Value()
		case it.KeyIs("content"):
			content = it.Value()
		case it.KeyIs("is_error"):
			flag = it.Value()
		}
	}
	tid := s.Str(id)
	if tid == "" {
		return
	}
	content = bytes.TrimSpace(content)
	if len(content) == 0 || !json.Valid(content) {
		content = []byte("null")
	}
	var c bytes.Buffer
	_ = json.Compact(&c, content)
	isError := string(bytes.TrimSpace(flag)) == "true" // mcp_tool_result
	if jsonx.KindOf(content) == jsonx.KindObject {
		if t, _, _ := jsonx.Lookup(content, "type"); strings.HasSuffix(s.Str(t), "_error") {
			isError = true
		}
	}
	out.Emit(&abi.Event{Type: abi.EventServerToolResult, ID: tid, Name: strings.TrimSuffix(typ, "_tool_result"), Content: c.String(), IsError: isError})
}

// isServerToolResult reports whether a block type is a server tool's
// result (web_search_tool_result, code_execution_tool_result, ...).
func isServerToolResult(typ string) bool {
	return strings.HasSuffix(typ, "_tool_result") && typ != "tool_result"
}

// emitCitations emits the citations of a whole text block (a JSON array or
// null).
func emitCitations(s *state, out *guest.Output, citations []byte) {
	it := jsonx.Array(citations)
	for it.Next() {
		emitCitation(s, out, it.Value())
	}
}

// emitCitation emits one citation as a source event: a web search result
// (kind url, ID its URL) or a passage of a request document (kind
// document, ID "document-<index>", title the document's title).
func emitCitation(s *state, out *guest.Output, citation []byte) {
	var typ, url, title, cited, docIndex, docTitle []byte
	it := jsonx.Object(citation)
	for it.Next() {
		switch {
		case it.KeyIs("type"):
			typ = it.Value()
		case it.KeyIs("url"):
			url = it.Value()
		case it.KeyIs("title"):
			title = it.Value()
		case it.KeyIs("cited_text"):
			cited = it.Value()
		case it.KeyIs("document_index"):
			docIndex = it.Value()
		case it.KeyIs("document_title"):
			docTitle = it.Value()
		}
	}
	ev := abi.Event{Type: abi.EventSource, CitedText: s.Str(cited)}
	switch s.Str(typ) {
	case "web_search_result_location":
		ev.Kind, ev.URL, ev.Title = abi.SourceKindURL, s.Str(url), s.Str(title)
		ev.ID = ev.URL
	case "char_location", "page_location", "content_block_location":
		n, ok := blockstate.Uint(docIndex)
		if !ok {
			return
		}
		ev.Kind, ev.Title = SourceKindDocument, s.Str(docTitle)
		ev.ID = "document-" + strconv.FormatUint(n, 10)
	default:
		return // citation kinds this module does not know yet
	}
	if ev.ID == "" {
		return
	}
	out.Emit(&ev)
}

// SourceKindDocument is the source kind of a citation of a document of the
// request; its ID is "document-<n>", n counting the request's documents
// from 0.
const SourceKindDocument = "document"

// The server tool types the module projects, and the betas they need.
const (
	webSearchTool     = "web_search_20250305"
	webFetchTool      = "web_fetch_20250910"
	webFetchBeta      = "web-fetch-2025-09-10"
	codeExecutionTool = "code_execution_20250825"
	codeExecutionBeta = "code-execution-2025-08-25"
	mcpClientBeta     = "mcp-client-2025-04-04"
)

// serverKinds are the provider tool kinds the module projects.
var serverKinds = []string{abi.ProviderToolWebSearch, abi.ProviderToolWebFetch, abi.ProviderToolCodeExecution, abi.ProviderToolMCP}

// serverTool projects a provider tool other than mcp (see mcpServer) and
// returns the beta it needs ("" none):
//   - web_search (ABI 1.2): options max_uses (integer), allowed_domains and
//     blocked_domains (arrays of strings) and user_location (an object,
//     sent as is);
//   - web_fetch (ABI 1.3): max_uses, allowed_domains, blocked_domains,
//     citations (boolean, sent as {"enabled": ...}) and max_content_tokens
//     (integer); beta web-fetch-2025-09-10;
//   - code_execution (ABI 1.3): no options; beta code-execution-2025-08-25.
//
// Other kinds (file_search) are refused with capability_unsupported.
func serverTool(t *abi.ToolDefinition, pointer string) (wireTool, string, error) {
	var wt wireTool
	var beta, reads string
	switch t.Name {
	case abi.ProviderToolWebSearch:
		wt, reads = wireTool{Type: webSearchTool, Name: "web_search"}, "max_uses, allowed_domains, blocked_domains and user_location"
	case abi.ProviderToolWebFetch:
		wt, beta, reads = wireTool{Type: webFetchTool, Name: "web_fetch"}, webFetchBeta, "max_uses, allowed_domains, blocked_domains, citations and max_content_tokens"
	case abi.ProviderToolCodeExecution:
		wt, beta, reads = wireTool{Type: codeExecutionTool, Name: "code_execution"}, codeExecutionBeta, "no options"
	default:
		return wireTool{}, "", servertool.Refuse(pointer, "anthropic", t.Name, serverKinds...)
	}
	if t.Cache != nil {
		wt.CacheControl = cacheControl(*t.Cache)
	}
	err := servertool.Each(t, pointer, func(k, op string, v json.RawMessage) error {
		var err error
		switch {
		case k == "max_uses" && t.Name != abi.ProviderToolCodeExecution:
			wt.MaxUses, err = positive(v)
		case k == "allowed_domains" && t.Name != abi.ProviderToolCodeExecution:
			err = json.Unmarshal(v, &wt.AllowedDomains)
		case k == "blocked_domains" && t.Name != abi.ProviderToolCodeExecution:
			err = json.Unmarshal(v, &wt.BlockedDomains)
		case k == "user_location" && t.Name == abi.ProviderToolWebSearch:
			if jsonx.KindOf(bytes.TrimSpace(v)) != jsonx.KindObject {
				err = errObject
			}
			wt.UserLocation = v
		case k == "citations" && t.Name == abi.ProviderToolWebFetch:
			var on bool
			err = json.Unmarshal(v, &on)
			wt.Citations = &wireEnabled{Enabled: on}
		case k == "max_content_tokens" && t.Name == abi.ProviderToolWebFetch:
			wt.MaxContentTokens, err = positive(v)
		default:
			return servertool.Unknown(op, "anthropic", t.Name, k, reads)
		}
		if err != nil {
			return invalid(op, "%s option %s: %v", t.Name, k, err)
		}
		return nil
	})
	if err != nil {
		return wireTool{}, "", err
	}
	if len(wt.AllowedDomains) > 0 && len(wt.BlockedDomains) > 0 {
		return wireTool{}, "", invalid(pointer+"/options", "%s takes allowed_domains or blocked_domains, not both", t.Name)
	}
	return wt, beta, nil
}

// positive decodes a positive integer.
func positive(v json.RawMessage) (*int, error) {
	var n int
	if err := json.Unmarshal(v, &n); err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, errPositive
	}
	return &n, nil
}

// wireEnabled is {"enabled": bool}.
type wireEnabled struct {
	Enabled bool `json:"enabled"`
}

// wireMCPServer is an entry of mcp_servers (the MCP connector).
type wireMCPServer struct {
	Type               string             `json:"type"`
	URL                string             `json:"url"`
	Name               string             `json:"name"`
	AuthorizationToken string             `json:"authorization_token,omitempty"`
	ToolConfiguration  *wireMCPToolConfig `json:"tool_configuration,omitempty"`
}

type wireMCPToolConfig struct {
	AllowedTools []string `json:"allowed_tools"`
}

// mcpServer projects an mcp provider tool (ABI 1.3) to an mcp_servers
// entry of the MCP connector (beta mcp-client-2025-04-04): server_label
// as name, server_url as url, authorization as authorization_token,
// allowed_tools as tool_configuration.allowed_tools. The connector runs
// tools without asking, so require_approval other than "never" and
// headers (it has no form for them) are refused.
func mcpServer(t *abi.ToolDefinition, pointer string) (wireMCPServer, error) {
	m, err := servertool.ParseMCP(t, pointer)
	if err != nil {
		return wireMCPServer{}, err
	}
	if len(m.RequireApproval) > 0 && string(m.RequireApproval) != `"never"` {
		return wireMCPServer{}, servertool.NoOption(pointer+"/options/require_approval", "the Anthropic MCP connector", "tool", "approvals: it runs the server's tools without asking",
			`remove require_approval (or set it to "never"), or restrict the tools with allowed_tools`)
	}
	if len(m.Headers) > 0 {
		return wireMCPServer{}, servertool.NoOption(pointer+"/options/headers", "the Anthropic MCP connector", "tool", "headers", "pass a bearer token as authorization")
	}
	srv := wireMCPServer{Type: "url", URL: m.ServerURL, Name: m.ServerLabel, AuthorizationToken: m.Authorization}
	if m.AllowedTools != nil {
		srv.ToolConfiguration = &wireMCPToolConfig{AllowedTools: m.AllowedTools}
	}
	return srv, nil
}

// addBeta adds beta to the anthropic-beta header unless it is there.
func addBeta(headers map[string]string, beta string) {
	b := headers["anthropic-beta"]
	switch {
	case beta == "" || slices.Contains(strings.Split(b, ","), beta):
	case b == "":
		headers["anthropic-beta"] = beta
	default:
		headers["anthropic-beta"] = b + "," + beta
	}
}

var (
	errPositive = errors.New("must be a positive integer")
	errObject   = errors.New("must be a JSON object")
)

// serverToolBlock turns a server-tool part (ABI 1.3) of an assistant
// message back into the block Anthropic sent: a call is a server_tool_use
// block (an mcp call: mcp_tool_use, from the normalized input), a result
// a <name>_tool_result block (mcp: mcp_tool_result with is_error). Parts
// of another provider are dropped.
func serverToolBlock(role abi.Role, p *abi.Part, pointer string) (wireBlock, bool, error) {
	if role != abi.RoleAssistant {
		return wireBlock{}, false, invalid(pointer, "a %s message cannot hold a %s part", role, p.Type)
	}
	if p.Provider != Provider {
		return wireBlock{}, false, nil
	}
	if p.Cache != nil {
		return wireBlock{}, false, unsupported(pointer+"/cache", "a cache marker cannot be placed on a server tool block: mark a text part instead")
	}
	if p.ID == "" || p.Name == "" {
		return wireBlock{}, false, invalid(pointer, "a %s part needs an id and a name", p.Type)
	}
	var v any
	if p.Type == abi.PartServerToolCall {
		if len(bytes.TrimSpace([]byte(p.Input))) == 0 {
			p.Input = "{}"
		}
		input, ok := servertool.CompactObject([]byte(p.Input))
		if !ok {
			return wireBlock{}, false, invalid(pointer+"/input", "a server tool call's input must be a JSON object")
		}
		v = struct {
			Type  string          `json:"type"`
			ID    string          `json:"id"`
			Name  string          `json:"name"`
			Input json.RawMessage `json:"input"`
		}{"server_tool_use", p.ID, p.Name, json.RawMessage(input)}
		if p.Name == servertool.MCPCallName {
			in, ok := servertool.ParseMCPCall(input)
			if !ok {
				return wireBlock{}, false, invalid(pointer+"/input", `an mcp call's input must be {"server", "tool", "arguments"}`)
			}
			v = struct {
				Type       string          `json:"type"`
				ID         string          `json:"id"`
				Name       string          `json:"name"`
				ServerName string          `json:"server_name"`
				Input      json.RawMessage `json:"input"`
			}{"mcp_tool_use", p.ID, in.Tool, in.Server, in.Arguments}
		}
	} else {
		content := bytes.TrimSpace([]byte(p.Content))
		if !json.Valid(content) {
			return wireBlock{}, false, invalid(pointer+"/content", "a server tool result's content must be JSON")
		}
		v = struct {
			Type      string          `json:"type"`
			ToolUseID string          `json:"tool_use_id"`
			Content   json.RawMessage `json:"content"`
		}{p.Name + "_tool_result", p.ID, content}
		if p.Name == servertool.MCPCallName {
			v = struct {
				Type      string          `json:"type"`
				ToolUseID string          `json:"tool_use_id"`
				IsError   bool            `json:"is_error"`
				Content   json.RawMessage `json:"content"`
			}{"mcp_tool_result", p.ID, p.IsError, content}
		}
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return wireBlock{}, false, invalid(pointer, "the %s part cannot be encoded: %v", p.Type, err)
	}
	return wireBlock{Raw: raw}, true, nil
}
