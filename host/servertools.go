package host

import "github.com/wasmadapt/wasmadapt/abi"

// withoutForeignServerTools returns req without the server-tool and
// approval parts (ABI 1.3) the module must not receive: all of them for a module that
// does not report echo_server_tools, and those of another provider for
// one that does. What a provider ran itself means nothing to another one,
// and a module older than 1.3 does not know the part types. An assistant
// message left without parts is dropped. req itself is not changed.
func withoutForeignServerTools(caps *abi.Capabilities, req *abi.Request) *abi.Request {
	foreign := func(p *abi.Part) bool {
		return p.IsProviderHistory() && (!caps.EchoServerTools || p.Provider != caps.Provider)
	}
	found := false
	for _, m := range req.Messages {
		for i := range m.Content {
			found = found || foreign(&m.Content[i])
		}
	}
	if !found {
		return req
	}
	out := *req
	out.Messages = make([]abi.Message, 0, len(req.Messages))
	for _, m := range req.Messages {
		var kept []abi.Part
		for i := range m.Content {
			if !foreign(&m.Content[i]) {
				kept = append(kept, m.Content[i])
			}
		}
		if len(kept) == 0 && len(m.Content) > 0 {
			continue
		}
		m.Content = kept
		out.Messages = append(out.Messages, m)
	}
	return &out
}

// providerTools returns the provider tools of tools (ABI 1.2): a tool loop
// sends them next to its registry's function tools.
func providerTools(tools []abi.ToolDefinition) []abi.ToolDefinition {
	var out []abi.ToolDefinition
	for _, t := range tools {
		if t.IsProvider() {
			out = append(out, t)
		}
	}
	return out
}
