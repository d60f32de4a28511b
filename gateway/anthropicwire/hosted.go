package anthropicwire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/gateway/internal/hosted"
)

// Server tools: the Messages API's server tools are the contract's
// provider tools (ABI 1.2 and 1.3), their fields its options, each at the
// version the adapters project:
//   - web_search_20250305 (name web_search): max_uses, allowed_domains,
//     blocked_domains, user_location;
//   - web_fetch_20250910 (name web_fetch): max_uses, allowed_domains,
//     blocked_domains, citations ({"enabled"}, as a boolean),
//     max_content_tokens;
//   - code_execution_20250825 (name code_execution): no options;
//   - an mcp_servers entry (the MCP connector) is an mcp tool: name as
//     server_label, url as server_url, authorization_token as
//     authorization, tool_configuration.allowed_tools as allowed_tools,
//     and require_approval "never" (the connector runs the server's tools
//     without asking, so no provider asks either).
//
// Other tool types (client tools such as bash or the text editor, other
// versions), and fields the contract has no form for, are refused
// (invalid_request naming them), never dropped. cache_control is skipped
// on every tool, as on custom tools.

// serverKinds maps a server tool type to its provider tool kind, the
// name the tool must have, and the fields (dotted for the members of an
// object field) that are options.
var serverKinds = map[string]hosted.Kind{
	"web_search_20250305":     {Kind: abi.ProviderToolWebSearch, Keys: hosted.Keys("max_uses", "allowed_domains", "blocked_domains", "user_location")},
	"web_fetch_20250910":      {Kind: abi.ProviderToolWebFetch, Keys: hosted.Keys("max_uses", "allowed_domains", "blocked_domains", "citations.enabled=citations", "max_content_tokens")},
	"code_execution_20250825": {Kind: abi.ProviderToolCodeExecution},
}

// serverTypes lists the tool types the decoder takes, for its errors.
const serverTypes = "custom, web_search_20250305, web_fetch_20250910 and code_execution_20250825 (and MCP servers in mcp_servers)"

// Function returns t as a function tool, when it is a custom tool (no
// type, or "custom"; hosted.Tool).
func (t tool) Function() (abi.ToolDefinition, bool) {
	return abi.ToolDefinition{Name: t.Name, Description: t.Description, Parameters: t.InputSchema}, t.Type == "" || t.Type == "custom"
}

// decodeHostedTool decodes tools.i, raw, a tool other than a custom tool:
// a server tool as a provider tool.
func decodeHostedTool(i int, raw json.RawMessage) (abi.ToolDefinition, error) {
	var f hosted.Fields
	if err := json.Unmarshal(raw, &f); err != nil {
		return abi.ToolDefinition{}, invalid("tools.%d: must be an object", i)
	}
	var typ, name string
	if v, ok := f["type"]; ok && json.Unmarshal(v, &typ) != nil {
		return abi.ToolDefinition{}, invalid("tools.%d.type: must be a string", i)
	}
	k, ok := serverKinds[typ]
	if !ok {
		return abi.ToolDefinition{}, invalid("tools.%d.type: %q is not supported: the gateway takes the tool types %s", i, typ, serverTypes)
	}
	if json.Unmarshal(f["name"], &name) != nil || name != k.Kind {
		return abi.ToolDefinition{}, invalid("tools.%d.name: a %s tool is named %q", i, typ, k.Kind)
	}
	if err := hosted.Flatten(f, "citations"); err != nil {
		return abi.ToolDefinition{}, invalid("tools.%d.citations: %v", i, err)
	}
	opts, unknown := hosted.Options(f, k.Keys, "type", "name", "cache_control")
	if unknown != "" {
		return abi.ToolDefinition{}, invalid("tools.%d.%s: not supported on a %s tool: the gateway has no form for it", i, unknown, typ)
	}
	return hosted.Provider(k.Kind, opts), nil
}

// mcpServerKeys are the fields of an mcp_servers entry that are options
// of the mcp provider tool.
var mcpServerKeys = hosted.Keys("name=server_label", "url=server_url", "authorization_token=authorization", "tool_configuration.allowed_tools=allowed_tools")

// decodeMCPServer decodes mcp_servers.i, a URL MCP server of the MCP
// connector, as an mcp provider tool that never asks approval.
func decodeMCPServer(i int, raw json.RawMessage) (abi.ToolDefinition, error) {
	var f hosted.Fields
	if err := json.Unmarshal(raw, &f); err != nil {
		return abi.ToolDefinition{}, invalid("mcp_servers.%d: must be an object", i)
	}
	var typ string
	if json.Unmarshal(f["type"], &typ) != nil || typ != "url" {
		return abi.ToolDefinition{}, invalid(`mcp_servers.%d.type: must be "url"`, i)
	}
	if err := hosted.Flatten(f, "tool_configuration"); err != nil {
		return abi.ToolDefinition{}, invalid("mcp_servers.%d.tool_configuration: %v", i, err)
	}
	if v, ok := f["tool_configuration.enabled"]; ok {
		if v := bytes.TrimSpace(v); !bytes.Equal(v, []byte("true")) && !bytes.Equal(v, []byte("null")) {
			return abi.ToolDefinition{}, invalid("mcp_servers.%d.tool_configuration.enabled: only true is supported: the gateway has no form for a server whose tools are off (leave the server out)", i)
		}
		delete(f, "tool_configuration.enabled")
	}
	opts, unknown := hosted.Options(f, mcpServerKeys, "type")
	if unknown != "" {
		return abi.ToolDefinition{}, invalid("mcp_servers.%d.%s: not supported: the gateway has no form for it", i, unknown)
	}
	var o map[string]json.RawMessage
	if err := json.Unmarshal(opts, &o); err != nil || o["server_label"] == nil || o["server_url"] == nil {
		return abi.ToolDefinition{}, invalid("mcp_servers.%d: name and url are required", i)
	}
	o["require_approval"] = json.RawMessage(`"never"`)
	opts, _ = json.Marshal(o)
	return hosted.Provider(abi.ProviderToolMCP, opts), nil
}

// serverToolBlock decodes a server tool block of an assistant's content
// (provider history, ABI 1.3), as the anthropic adapter reports them: a
// server_tool_use is a server-tool-call part, an mcp_tool_use one named
// mcp with input {"server", "tool", "arguments"}, a <name>_tool_result a
// server-tool-result part named <name> (is_error when its content is an
// *_error object), an mcp_tool_result one named mcp with its is_error.
// ok is false for a block type that is none of these.
func serverToolBlock(b *block) (p abi.Part, ok bool, err error) {
	switch {
	case b.Type == "server_tool_use" || b.Type == "mcp_tool_use":
		if b.ID == "" || b.Name == "" {
			return p, true, fmt.Errorf("a %s block needs id and name", b.Type)
		}
		p = abi.Part{Type: abi.PartServerToolCall, ID: b.ID, Name: b.Name, Input: "{}"}
		if b.Type == "mcp_tool_use" {
			in, ok := hosted.MCPInput(b.ServerName, b.Name, b.Input)
			if b.ServerName == "" || !ok {
				return p, true, fmt.Errorf("an mcp_tool_use block needs server_name, and an input that is an object")
			}
			p.Name, p.Input = abi.ProviderToolMCP, in
		} else if len(bytes.TrimSpace(b.Input)) > 0 {
			in, ok := hosted.Compact(b.Input)
			if !ok || in[0] != '{' {
				return p, true, fmt.Errorf("the input of a server_tool_use block must be an object")
			}
			p.Input = in
		}
		return p, true, nil
	case strings.HasSuffix(b.Type, "_tool_result") && b.Type != "tool_result":
		if b.ToolUseID == "" {
			return p, true, fmt.Errorf("a %s block needs tool_use_id", b.Type)
		}
		content, ok := hosted.Compact(b.Content)
		if !ok {
			content = "null"
		}
		p = abi.Part{Type: abi.PartServerToolResult, ID: b.ToolUseID, Name: strings.TrimSuffix(b.Type, "_tool_result"), Content: content, IsError: b.IsError}
		var errObj struct {
			Type string `json:"type"`
		}
		if content[0] == '{' && json.Unmarshal([]byte(content), &errObj) == nil && strings.HasSuffix(errObj.Type, "_error") {
			p.IsError = true
		}
		return p, true, nil
	}
	return p, false, nil
}

// messagesServerTools are the server tool names the Messages API has
// blocks for: the events of other names (a Responses mcp_list_tools, ...)
// are not encoded in this dialect.
var messagesServerTools = []string{"web_search", "web_fetch", "code_execution", "bash_code_execution", "text_editor_code_execution", abi.ProviderToolMCP}

// serverToolUse is the block of a server-tool call, the inverse of
// serverToolBlock: server_tool_use {id, name, input}, or for an MCP call
// mcp_tool_use {id, name: the tool, server_name, input: its arguments}.
// The block's input is {}; in is the input itself (a stream sends it as
// an input_json_delta). ok is false for a name the Messages API has no
// block for.
func serverToolUse(id, name, input string) (block map[string]any, in json.RawMessage, ok bool) {
	if !slices.Contains(messagesServerTools, name) {
		return nil, nil, false
	}
	in = json.RawMessage(input)
	if !json.Valid(in) {
		in = json.RawMessage("{}")
	}
	if name != abi.ProviderToolMCP {
		return map[string]any{"type": "server_tool_use", "id": id, "name": name, "input": map[string]any{}}, in, true
	}
	var c struct {
		Server    string          `json:"server"`
		Tool      string          `json:"tool"`
		Arguments json.RawMessage `json:"arguments"`
	}
	if json.Unmarshal(in, &c) != nil || c.Tool == "" {
		return nil, nil, false
	}
	if len(c.Arguments) == 0 {
		c.Arguments = json.RawMessage("{}")
	}
	return map[string]any{"type": "mcp_tool_use", "id": id, "name": c.Tool, "server_name": c.Server, "input": map[string]any{}}, c.Arguments, true
}

// serverToolResult is the block of a server-tool result:
// <name>_tool_result {tool_use_id, content}, or for an MCP call
// mcp_tool_result {tool_use_id, is_error, content}; the content is the
// provider's as it reported it. ok is false for a name the Messages API
// has no block for.
func serverToolResult(id, name, content string, isError bool) (block map[string]any, ok bool) {
	if !slices.Contains(messagesServerTools, name) {
		return nil, false
	}
	c := json.RawMessage(content)
	if !json.Valid(c) {
		c = json.RawMessage("null")
	}
	if name == abi.ProviderToolMCP {
		return map[string]any{"type": "mcp_tool_result", "tool_use_id": id, "is_error": isError, "content": c}, true
	}
	return map[string]any{"type": name + "_tool_result", "tool_use_id": id, "content": c}, true
}
