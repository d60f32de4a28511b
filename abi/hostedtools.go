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
