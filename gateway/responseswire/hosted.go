package responseswire

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/gateway/internal/hosted"
)

// Hosted tools: the Responses API's built-in tools are the contract's
// provider tools (ABI 1.2 and 1.3), their fields its options:
//   - web_search: search_context_size, user_location,
//     filters.allowed_domains (as allowed_domains);
//   - file_search: vector_store_ids, max_num_results, filters,
//     ranking_options;
//   - code_interpreter (code_execution): container, the ID of an existing
//     container, or {"type": "auto", "file_ids"} (file_ids);
//   - mcp: server_label, server_url, allowed_tools (an array, or
//     {"tool_names"}), authorization, require_approval, headers.
//
// Any other tool type, or field, has no form in the contract and is
// refused (invalid_request naming it), never dropped.

// hostedKinds maps a hosted tool type to its provider tool kind and the
// fields (top-level, or the dotted names the decoder gives nested ones)
// that are options.
var hostedKinds = map[string]hosted.Kind{
	"web_search":       {Kind: abi.ProviderToolWebSearch, Keys: hosted.Keys("search_context_size", "user_location", "filters.allowed_domains=allowed_domains")},
	"file_search":      {Kind: abi.ProviderToolFileSearch, Keys: hosted.Keys("vector_store_ids", "max_num_results", "filters", "ranking_options")},
	"code_interpreter": {Kind: abi.ProviderToolCodeExecution, Keys: hosted.Keys("container", "container.file_ids=file_ids")},
	"mcp": {Kind: abi.ProviderToolMCP, Keys: hosted.Keys("server_label", "server_url", "allowed_tools", "allowed_tools.tool_names=allowed_tools",
		"authorization", "require_approval", "headers")},
}

// hostedTypes lists the tool types the decoder takes, for its errors.
const hostedTypes = "function, web_search, file_search, code_interpreter and mcp"

// Function returns t as a function tool, when its type is "function"
// (hosted.Tool).
func (t tool) Function() (abi.ToolDefinition, bool) {
	return abi.ToolDefinition{Name: t.Name, Description: t.Description, Parameters: t.Parameters, Strict: t.Strict}, t.Type == "function"
}

// decodeHostedTool decodes tools[i], raw, a tool other than a function
// tool: a hosted tool as a provider tool.
func decodeHostedTool(i int, raw json.RawMessage) (abi.ToolDefinition, error) {
	var f hosted.Fields
	if err := json.Unmarshal(raw, &f); err != nil {
		return abi.ToolDefinition{}, invalid("tools[%d] must be an object", i)
	}
	var typ string
	if err := json.Unmarshal(f["type"], &typ); err != nil {
		return abi.ToolDefinition{}, invalid("tools[%d].type must be a string", i)
	}
	h, ok := hostedKinds[typ]
	if !ok {
		return abi.ToolDefinition{}, invalid("tools[%d].type %q is not supported: the gateway takes the tool types %s", i, typ, hostedTypes)
	}
	if err := flatten(f, i, typ); err != nil {
		return abi.ToolDefinition{}, err
	}
	opts, unknown := hosted.Options(f, h.Keys, "type")
	if unknown != "" {
		return abi.ToolDefinition{}, invalid("tools[%d].%s is not supported on a %s tool: the gateway has no form for it", i, unknown, typ)
	}
	return hosted.Provider(h.Kind, opts), nil
}

// flatten replaces the object fields whose members are options (filters
// of web_search, container of code_interpreter, allowed_tools of mcp) by
// dotted fields, one a member (hosted.Flatten); a member with no form is
// left as a dotted field the caller refuses. A container object's type
// must be "auto".
func flatten(f hosted.Fields, i int, typ string) error {
	field := map[string]string{"web_search": "filters", "code_interpreter": "container", "mcp": "allowed_tools"}[typ]
	if field == "" {
		return nil
	}
	if err := hosted.Flatten(f, field); err != nil {
		return invalid("tools[%d].%s: %v", i, field, err)
	}
	if t, ok := f["container.type"]; ok {
		var s string
		if json.Unmarshal(t, &s) != nil || s != "auto" {
			return invalid(`tools[%d].container.type must be "auto" (or container an existing container's ID)`, i)
		}
		delete(f, "container.type")
	}
	return nil
}

// mcpInput is an MCP input item (mcp_approval_request,
// mcp_approval_response, mcp_call, mcp_list_tools) with its fields: the
// decoder reads the input's items again as mcpInputs only when it meets
// one, so that other requests pay nothing for them.
type mcpInput struct {
	item
	mcpFields
	ID          string `json:"id"`
	ServerLabel string `json:"server_label"`
	// mcp_approval_response
	ApprovalRequestID *string         `json:"approval_request_id"`
	Approve           json.RawMessage `json:"approve"`
	Reason            *string         `json:"reason"`
}

// mcpInputs reads the input's items as mcpInputs.
func mcpInputs(raw json.RawMessage) ([]mcpInput, error) {
	var items []mcpInput
	err := json.Unmarshal(raw, &items)
	return items, err
}

// approvalRequest is an mcp_approval_request item sent back as history:
// the approval-request part of the assistant's turn (ABI 1.3), the
// inverse of approvalItem: an item with a server_label is an MCP tool's
// request (name mcp, input {"server", "tool", "arguments"}); one without
// keeps its name and takes its arguments as the input.
func approvalRequest(it *mcpInput) (abi.Part, error) {
	if it.ID == "" || it.Name == "" {
		return abi.Part{}, fmt.Errorf("an mcp_approval_request needs id and name")
	}
	p := abi.Part{Type: abi.PartApprovalRequest, ID: it.ID, Name: it.Name, Input: it.Arguments}
	if it.ServerLabel != "" {
		in, ok := hosted.MCPInput(it.ServerLabel, it.Name, []byte(it.Arguments))
		if !ok {
			return abi.Part{}, fmt.Errorf("the arguments of an mcp_approval_request must be a JSON object's text")
		}
		p.Name, p.Input = abi.ProviderToolMCP, in
	} else if c, ok := hosted.Compact([]byte(it.Arguments)); ok && c[0] == '{' {
		p.Input = c
	} else {
		return abi.Part{}, fmt.Errorf("the arguments of an mcp_approval_request must be a JSON object's text")
	}
	return p, nil
}

// approvalResponse is an mcp_approval_response item: the client's answer
// to an approval request, an approval-response part (ABI 1.3) of a tool
// message. approval_request_id and approve (a boolean) are required; the
// reason is passed on (the adapters send it for a denial only).
func approvalResponse(it *mcpInput) (abi.Part, error) {
	if it.ApprovalRequestID == nil || *it.ApprovalRequestID == "" {
		return abi.Part{}, fmt.Errorf("an mcp_approval_response needs approval_request_id")
	}
	var approve bool
	if a := bytes.TrimSpace(it.Approve); len(a) == 0 || json.Unmarshal(a, &approve) != nil || a[0] == 'n' {
		return abi.Part{}, fmt.Errorf("approve must be a boolean (true or false)")
	}
	p := abi.Part{Type: abi.PartApprovalResponse, ToolCallID: *it.ApprovalRequestID, Name: abi.ProviderToolMCP, Approved: approve}
	if it.Reason != nil {
		p.Content = *it.Reason
	}
	return p, nil
}

// mcpHistory is an mcp_call or mcp_list_tools item sent back as history:
// a server-tool-call part and its server-tool-result (ABI 1.3), as the
// adapters report them: an mcp_call is named mcp with input {"server",
// "tool", "arguments"} and content {"output", "error"}, an mcp_list_tools
// is named mcp_list_tools with input {"server"} and content {"tools",
// "error"}; is_error when error is set.
func mcpHistory(it *mcpInput) ([]abi.Part, error) {
	if it.ID == "" || it.ServerLabel == "" {
		return nil, fmt.Errorf("an %s needs id and server_label", it.Type)
	}
	orNull := func(v json.RawMessage) json.RawMessage {
		if len(bytes.TrimSpace(v)) == 0 {
			return json.RawMessage("null")
		}
		return v
	}
	isErr := string(orNull(it.Error)) != "null"
	var name, input string
	var content []byte
	var err error
	if it.Type == "mcp_call" {
		in, ok := hosted.MCPInput(it.ServerLabel, it.Name, []byte(it.Arguments))
		if it.Name == "" || !ok {
			return nil, fmt.Errorf("an mcp_call needs name, and arguments that are a JSON object's text")
		}
		name, input = abi.ProviderToolMCP, in
		content, err = json.Marshal(struct {
			Output json.RawMessage `json:"output"`
			Error  json.RawMessage `json:"error"`
		}{orNull(it.Output), orNull(it.Error)})
	} else {
		b, _ := json.Marshal(struct {
			Server string `json:"server"`
		}{it.ServerLabel})
		name, input = "mcp_list_tools", string(b)
		content, err = json.Marshal(struct {
			Tools json.RawMessage `json:"tools"`
			Error json.RawMessage `json:"error"`
		}{orNull(it.Tools), orNull(it.Error)})
	}
	if err != nil {
		return nil, fmt.Errorf("an %s's output, tools or error is not JSON: %v", it.Type, err)
	}
	c, _ := hosted.Compact(content)
	return []abi.Part{{Type: abi.PartServerToolCall, ID: it.ID, Name: name, Input: input},
		{Type: abi.PartServerToolResult, ID: it.ID, Name: name, Content: c, IsError: isErr}}, nil
}

// assistantPart appends p to the assistant message that ends out, or to a
// new one: the function calls, approval requests and MCP items of one
// turn are one assistant message.
func assistantPart(out []abi.Message, ps ...abi.Part) []abi.Message {
	if n := len(out); n > 0 && out[n-1].Role == abi.RoleAssistant {
		out[n-1].Content = append(out[n-1].Content, ps...)
		return out
	}
	// A copy, so that ps stays on the caller's stack.
	return append(out, abi.Message{Role: abi.RoleAssistant, Content: append([]abi.Part(nil), ps...)})
}

// itemTypes lists the input item types the decoder takes, for its errors.
const itemTypes = "message, function_call, function_call_output, reasoning, mcp_approval_request, mcp_approval_response, mcp_call, mcp_list_tools"
