package abi

// Provider tool kinds added in ABI 1.3 (see abi/README.md, "Hosted tool
// kinds (1.3)"). A module lists the ones it projects for a model in the
// capability provider_tools; a 1.2 host that does not know a kind refuses
// it like any kind a module does not list.
const (
	// ProviderToolCodeExecution runs code in the provider's sandbox
	// (Anthropic code execution, OpenAI code_interpreter, Gemini
	// codeExecution).
	ProviderToolCodeExecution = "code_execution"
	// ProviderToolWebFetch reads the pages of URLs the prompt names
	// (Anthropic web_fetch, Gemini urlContext).
	ProviderToolWebFetch = "web_fetch"
	// ProviderToolFileSearch searches the caller's vector stores (OpenAI
	// file_search); its citations are source events of kind "file".
	ProviderToolFileSearch = "file_search"
	// ProviderToolMCP connects the provider to a remote MCP server
	// (Anthropic MCP connector, OpenAI mcp tool). Its calls are
	// server-tool-call events named "mcp" whose input is
	// {"server": label, "tool": name, "arguments": object}.
	ProviderToolMCP = "mcp"
)

// The part types of server tools in the history (ABI 1.3): what a provider
// ran itself during an assistant turn, kept so that it can be sent back to
// the same provider (Anthropic requires server_tool_use blocks and their
// results in the history, and resends them to continue a paused turn).
// Their fields are those of the events of the same name plus Provider:
// ID, Name and Input for a call; ID, Name, Content and IsError for a
// result. A module that reports EchoServerTools sends its own provider's
// back; every other module drops them (the host drops them first).
const (
	PartServerToolCall   PartType = "server-tool-call"
	PartServerToolResult PartType = "server-tool-result"
)

// IsServerTool reports whether p is a server-tool-call or
// server-tool-result part.
func (p *Part) IsServerTool() bool {
	return p.Type == PartServerToolCall || p.Type == PartServerToolResult
}

// EventApprovalRequest (ABI 1.3) is a provider's request for consent
// before it runs a tool of its own (OpenAI mcp_approval_request): ID,
// Name and Input as in server-tool-call. The response waits for an
// approval-response part in the next request; the finish reason is
// tool-calls.
const EventApprovalRequest EventType = "approval-request"

// The part types of provider approvals (ABI 1.3): an approval-request part
// (in an assistant message: ID, Name, Input, Provider) keeps the request,
// an approval-response part (in a tool or user message: ToolCallID the
// request's ID, Approved, Content the reason, Provider) answers it. A
// module that emits approval requests sends both back to its provider;
// the host drops them, like server-tool parts, for other modules.
const (
	PartApprovalRequest  PartType = "approval-request"
	PartApprovalResponse PartType = "approval-response"
)

// IsProviderHistory reports whether p is a part only its provider's module
// takes back: server-tool-call, server-tool-result, approval-request or
// approval-response.
func (p *Part) IsProviderHistory() bool {
	switch p.Type {
	case PartServerToolCall, PartServerToolResult, PartApprovalRequest, PartApprovalResponse:
		return true
	}
	return false
}
