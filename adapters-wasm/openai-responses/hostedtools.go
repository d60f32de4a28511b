package openairesponses

import (
	"bytes"
	"encoding/json"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/servertool"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// Hosted tools: a web_search_call output item (the Responses API's own
// web search) is a server-tool-call event, its input the item's action
// without its sources, followed by a server-tool-result event whose
// content is {"status", "sources"} (is_error when the status is failed).
// url_citation and file_citation annotations of output text are source
// events: in a stream where response.output_text.annotation.added
// arrives, in a whole response after the text of the part that carries
// them.

// SourceKindFile is the source kind of a file_citation: its ID is the
// file's ID and its title the file name.
const SourceKindFile = "file"

// webSearchCall emits the events of a finished web_search_call item.
func (r *run) webSearchCall(item []byte) {
	var w struct {
		ID     string                     `json:"id"`
		Status string                     `json:"status"`
		Action map[string]json.RawMessage `json:"action"`
	}
	if err := json.Unmarshal(item, &w); err != nil || w.ID == "" {
		return
	}
	sources := w.Action["sources"]
	delete(w.Action, "sources")
	if w.Action == nil {
		w.Action = map[string]json.RawMessage{}
	}
	input, _ := json.Marshal(w.Action)
	call := abi.Event{Type: abi.EventServerToolCall, ID: w.ID, Name: abi.ProviderToolWebSearch, Input: string(input)}
	r.out.Emit(&call)
	if len(bytes.TrimSpace(sources)) == 0 {
		sources = json.RawMessage("[]")
	}
	content, _ := json.Marshal(struct {
		Status  string          `json:"status"`
		Sources json.RawMessage `json:"sources"`
	}{w.Status, sources})
	res := abi.Event{Type: abi.EventServerToolResult, ID: w.ID, Name: abi.ProviderToolWebSearch, Content: string(content), IsError: w.Status == "failed"}
	r.out.Emit(&res)
}

// annotation emits an output_text annotation as a source event, when it
// is a kind this module knows (url_citation, file_citation).
func (r *run) annotation(a []byte) {
	if jsonx.KindOf(a) != jsonx.KindObject {
		return
	}
	var v struct {
		Type     string `json:"type"`
		URL      string `json:"url"`
		Title    string `json:"title"`
		FileID   string `json:"file_id"`
		Filename string `json:"filename"`
	}
	if json.Unmarshal(a, &v) != nil {
		return
	}
	ev := abi.Event{Type: abi.EventSource}
	switch v.Type {
	case "url_citation":
		ev.ID, ev.Kind, ev.URL, ev.Title = v.URL, abi.SourceKindURL, v.URL, v.Title
	case "file_citation":
		ev.ID, ev.Kind, ev.Title = v.FileID, SourceKindFile, v.Filename
	default:
		return
	}
	if ev.ID == "" {
		return
	}
	r.out.Emit(&ev)
}

// webSearchTool is the Responses API's web search tool.
type webSearchTool struct {
	Type              string          `json:"type"`
	SearchContextSize string          `json:"search_context_size,omitempty"`
	UserLocation      json.RawMessage `json:"user_location,omitempty"`
	Filters           *webFilters     `json:"filters,omitempty"`
}

type webFilters struct {
	AllowedDomains []string `json:"allowed_domains"`
}

// hostedKinds are the provider tool kinds the module projects.
var hostedKinds = []string{abi.ProviderToolWebSearch, abi.ProviderToolCodeExecution, abi.ProviderToolFileSearch, abi.ProviderToolMCP}

// hostedTool projects a provider tool: web_search (ABI 1.2),
// code_execution, file_search and mcp (ABI 1.3). web_fetch and other kinds
// are refused with capability_unsupported.
func hostedTool(t *abi.ToolDefinition, pointer string) (any, error) {
	switch t.Name {
	case abi.ProviderToolWebSearch:
		return webSearch(t, pointer)
	case abi.ProviderToolCodeExecution:
		return codeInterpreter(t, pointer)
	case abi.ProviderToolFileSearch:
		return fileSearch(t, pointer)
	case abi.ProviderToolMCP:
		return mcpTool(t, pointer)
	}
	return nil, servertool.Refuse(pointer, "openai-responses", t.Name, hostedKinds...)
}

// webSearch projects web_search, with the options allowed_domains (array
// of strings, sent as filters.allowed_domains), user_location (an object,
// sent as is) and search_context_size ("low", "medium" or "high"). Options
// the API has no form for (max_uses, blocked_domains) are refused.
func webSearch(t *abi.ToolDefinition, pointer string) (any, error) {
	w := webSearchTool{Type: "web_search"}
	err := servertool.Each(t, pointer, func(k, op string, v json.RawMessage) error {
		switch k {
		case "allowed_domains":
			var d []string
			if err := json.Unmarshal(v, &d); err != nil {
				return invalid(op, "allowed_domains must be an array of strings")
			}
			w.Filters = &webFilters{AllowedDomains: d}
		case "user_location":
			if jsonx.KindOf(bytes.TrimSpace(v)) != jsonx.KindObject {
				return invalid(op, "user_location must be a JSON object")
			}
			w.UserLocation = v
		case "search_context_size":
			if err := json.Unmarshal(v, &w.SearchContextSize); err != nil || (w.SearchContextSize != "low" && w.SearchContextSize != "medium" && w.SearchContextSize != "high") {
				return invalid(op, `search_context_size must be "low", "medium" or "high"`)
			}
		case "max_uses", "blocked_domains":
			return guest.Unsupported(op, "the Responses API web search has no %s: remove it", k)
		default:
			return servertool.Unknown(op, "openai-responses", t.Name, k, "allowed_domains, user_location and search_context_size")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// codeInterpreterTool is the Responses API's code_interpreter tool.
type codeInterpreterTool struct {
	Type      string `json:"type"`
	Container any    `json:"container"`
}

type autoContainer struct {
	Type    string   `json:"type"`
	FileIDs []string `json:"file_ids,omitempty"`
}

// codeInterpreter projects code_execution to code_interpreter, with the
// options container (the ID of an existing container) or file_ids (files
// for a new container); without them the container is {"type": "auto"}.
func codeInterpreter(t *abi.ToolDefinition, pointer string) (any, error) {
	auto := autoContainer{Type: "auto"}
	ci := codeInterpreterTool{Type: "code_interpreter"}
	err := servertool.Each(t, pointer, func(k, op string, v json.RawMessage) (err error) {
		switch k {
		case "container":
			var id string
			id, err = servertool.String(v, op, k)
			ci.Container = id
		case "file_ids":
			auto.FileIDs, err = servertool.Strings(v, op, k)
		default:
			err = servertool.Unknown(op, "openai-responses", t.Name, k, "container and file_ids")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if ci.Container != nil && auto.FileIDs != nil {
		return nil, invalid(pointer+"/options", "code_execution takes container (an existing container) or file_ids (a new one), not both")
	}
	if ci.Container == nil {
		ci.Container = auto
	}
	return ci, nil
}

// fileSearchTool is the Responses API's file_search tool.
type fileSearchTool struct {
	Type           string          `json:"type"`
	VectorStoreIDs []string        `json:"vector_store_ids"`
	MaxNumResults  *int            `json:"max_num_results,omitempty"`
	Filters        json.RawMessage `json:"filters,omitempty"`
	RankingOptions json.RawMessage `json:"ranking_options,omitempty"`
}

// fileSearch projects file_search, with the options vector_store_ids
// (required), max_num_results (1-50), filters and ranking_options (objects,
// sent as they are).
func fileSearch(t *abi.ToolDefinition, pointer string) (any, error) {
	fs := fileSearchTool{Type: "file_search"}
	err := servertool.Each(t, pointer, func(k, op string, v json.RawMessage) (err error) {
		switch k {
		case "vector_store_ids":
			fs.VectorStoreIDs, err = servertool.Strings(v, op, k)
		case "max_num_results":
			var n int
			if json.Unmarshal(v, &n) != nil || n < 1 || n > 50 {
				err = invalid(op, "max_num_results must be an integer from 1 to 50")
			}
			fs.MaxNumResults = &n
		case "filters":
			fs.Filters, err = servertool.Object(v, op, k)
		case "ranking_options":
			fs.RankingOptions, err = servertool.Object(v, op, k)
		default:
			err = servertool.Unknown(op, "openai-responses", t.Name, k, "vector_store_ids, max_num_results, filters and ranking_options")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(fs.VectorStoreIDs) == 0 {
		return nil, invalid(pointer+"/options/vector_store_ids", "file_search needs the option vector_store_ids: the IDs of the vector stores to search")
	}
	return fs, nil
}

// mcpWireTool is the Responses API's mcp tool.
type mcpWireTool struct {
	Type            string          `json:"type"`
	ServerLabel     string          `json:"server_label"`
	ServerURL       string          `json:"server_url"`
	Authorization   string          `json:"authorization,omitempty"`
	AllowedTools    []string        `json:"allowed_tools,omitempty"`
	RequireApproval json.RawMessage `json:"require_approval,omitempty"`
	Headers         json.RawMessage `json:"headers,omitempty"`
}

// mcpTool projects mcp with every normalized option (see
// servertool.ParseMCP); require_approval is sent as is, and an approval
// the API asks for ends the turn (see the package documentation).
func mcpTool(t *abi.ToolDefinition, pointer string) (any, error) {
	m, err := servertool.ParseMCP(t, pointer)
	if err != nil {
		return nil, err
	}
	return mcpWireTool{Type: "mcp", ServerLabel: m.ServerLabel, ServerURL: m.ServerURL, Authorization: m.Authorization,
		AllowedTools: m.AllowedTools, RequireApproval: m.RequireApproval, Headers: m.Headers}, nil
}

// hostedCall emits the events of a finished built-in tool item other than
// web_search_call (ABI 1.3 kinds), and reports whether typ is one:
//   - code_interpreter_call: name code_execution, input {"code",
//     "container_id"}, content {"status", "outputs"};
//   - file_search_call: name file_search, input {"queries"}, content
//     {"status", "results"} (results are null unless the request included
//     file_search_call.results);
//   - mcp_call: name mcp, input {"server", "tool", "arguments"}, content
//     {"output", "error"};
//   - mcp_list_tools: name mcp_list_tools, input {"server"}, content
//     {"tools", "error"}.
//
// is_error is set when the status is failed or incomplete or the item
// carries an error.
func (r *run) hostedCall(typ string, item []byte) bool {
	var w struct {
		ID          string          `json:"id"`
		Status      string          `json:"status"`
		Code        *string         `json:"code"`
		ContainerID string          `json:"container_id"`
		Outputs     json.RawMessage `json:"outputs"`
		Queries     json.RawMessage `json:"queries"`
		Results     json.RawMessage `json:"results"`
		ServerLabel string          `json:"server_label"`
		Name        string          `json:"name"`
		Arguments   string          `json:"arguments"`
		Output      json.RawMessage `json:"output"`
		Error       json.RawMessage `json:"error"`
		Tools       json.RawMessage `json:"tools"`
	}
	switch typ {
	case "code_interpreter_call", "file_search_call", "mcp_call", "mcp_list_tools":
	default:
		return false
	}
	if err := json.Unmarshal(item, &w); err != nil || w.ID == "" {
		return true
	}
	orNull := func(v json.RawMessage) json.RawMessage {
		if len(bytes.TrimSpace(v)) == 0 {
			return json.RawMessage("null")
		}
		return v
	}
	failed := w.Status == "failed" || w.Status == "incomplete"
	var name string
	var input, content []byte
	switch typ {
	case "code_interpreter_call":
		name = abi.ProviderToolCodeExecution
		input, _ = json.Marshal(struct {
			Code        *string `json:"code"`
			ContainerID string  `json:"container_id,omitempty"`
		}{w.Code, w.ContainerID})
		content, _ = json.Marshal(struct {
			Status  string          `json:"status"`
			Outputs json.RawMessage `json:"outputs"`
		}{w.Status, orNull(w.Outputs)})
	case "file_search_call":
		name = abi.ProviderToolFileSearch
		input, _ = json.Marshal(struct {
			Queries json.RawMessage `json:"queries"`
		}{orNull(w.Queries)})
		content, _ = json.Marshal(struct {
			Status  string          `json:"status"`
			Results json.RawMessage `json:"results"`
		}{w.Status, orNull(w.Results)})
	case "mcp_call":
		name = servertool.MCPCallName
		in, ok := servertool.MCPCallInput(w.ServerLabel, w.Name, []byte(w.Arguments))
		if !ok {
			ev := abi.Event{Type: abi.EventError, Code: abi.CodeToolArgumentsInvalid,
				Message: Provider + ": the arguments of MCP call " + w.ID + " (" + w.Name + ") are not a JSON object: the response is malformed; retry the request"}
			r.out.Emit(&ev)
			return true
		}
		input = []byte(in)
		content, _ = json.Marshal(struct {
			Output json.RawMessage `json:"output"`
			Error  json.RawMessage `json:"error"`
		}{orNull(w.Output), orNull(w.Error)})
		failed = failed || string(orNull(w.Error)) != "null"
	case "mcp_list_tools":
		name = "mcp_list_tools"
		input, _ = json.Marshal(struct {
			Server string `json:"server"`
		}{w.ServerLabel})
		content, _ = json.Marshal(struct {
			Tools json.RawMessage `json:"tools"`
			Error json.RawMessage `json:"error"`
		}{orNull(w.Tools), orNull(w.Error)})
		failed = failed || string(orNull(w.Error)) != "null"
	}
	call := abi.Event{Type: abi.EventServerToolCall, ID: w.ID, Name: name, Input: string(input)}
	r.out.Emit(&call)
	res := abi.Event{Type: abi.EventServerToolResult, ID: w.ID, Name: name, Content: string(content), IsError: failed}
	r.out.Emit(&res)
	return true
}

// approvalRequestItem is an mcp_approval_request input item: the request
// of an earlier response, sent back with its answer.
type approvalRequestItem struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	ServerLabel string `json:"server_label"`
	Name        string `json:"name"`
	Arguments   string `json:"arguments"`
}

// approvalRequest turns an approval-request part (ABI 1.3) of this
// provider back into its mcp_approval_request item; another provider's is
// dropped (nil).
func approvalRequest(p *abi.Part, pointer string) (any, error) {
	if p.Provider != Provider {
		return nil, nil
	}
	in, ok := servertool.ParseMCPCall(p.Input)
	if p.ID == "" || !ok {
		return nil, invalid(pointer, `an approval-request part needs an id and the input {"server", "tool", "arguments"}`)
	}
	return approvalRequestItem{"mcp_approval_request", p.ID, in.Server, in.Tool, string(in.Arguments)}, nil
}

// approvalResponseItem is an mcp_approval_response input item.
type approvalResponseItem struct {
	Type              string `json:"type"`
	ApprovalRequestID string `json:"approval_request_id"`
	Approve           bool   `json:"approve"`
	Reason            string `json:"reason,omitempty"`
}

// approvalResponse projects an approval-response part (ABI 1.3) of this
// provider to an mcp_approval_response item (the reason only for a
// denial); another provider's is dropped (nil).
func approvalResponse(p *abi.Part, pointer string) (any, error) {
	if p.Provider != Provider {
		return nil, nil
	}
	if p.ToolCallID == "" {
		return nil, invalid(pointer+"/tool_call_id", "an approval-response part needs the tool_call_id of the approval request it answers")
	}
	item := approvalResponseItem{Type: "mcp_approval_response", ApprovalRequestID: p.ToolCallID, Approve: p.Approved}
	if !p.Approved {
		item.Reason = p.Content
	}
	return item, nil
}

// approvalRequestEvent emits an mcp_approval_request item as an
// approval-request event (ABI 1.3): name mcp, input {"server", "tool",
// "arguments"}, as an mcp_call's.
func (r *run) approvalRequestEvent(item []byte) {
	var w struct {
		ID          string `json:"id"`
		ServerLabel string `json:"server_label"`
		Name        string `json:"name"`
		Arguments   string `json:"arguments"`
	}
	if err := json.Unmarshal(item, &w); err != nil || w.ID == "" {
		return
	}
	in, ok := servertool.MCPCallInput(w.ServerLabel, w.Name, []byte(w.Arguments))
	if !ok {
		ev := abi.Event{Type: abi.EventError, Code: abi.CodeToolArgumentsInvalid,
			Message: Provider + ": the arguments of MCP approval request " + w.ID + " (" + w.Name + ") are not a JSON object: the response is malformed; retry the request"}
		r.out.Emit(&ev)
		return
	}
	r.st().flags |= fToolCalls
	ev := abi.Event{Type: abi.EventApprovalRequest, ID: w.ID, Name: servertool.MCPCallName, Input: in}
	r.out.Emit(&ev)
}

// mcpListToolsItem and mcpCallItem are the mcp_list_tools and mcp_call
// input items: output items of an earlier response sent back.
type mcpListToolsItem struct {
	Type        string          `json:"type"`
	ID          string          `json:"id"`
	ServerLabel string          `json:"server_label"`
	Tools       json.RawMessage `json:"tools"`
	Error       json.RawMessage `json:"error,omitempty"`
}

type mcpCallItem struct {
	Type        string          `json:"type"`
	ID          string          `json:"id"`
	ServerLabel string          `json:"server_label"`
	Name        string          `json:"name"`
	Arguments   string          `json:"arguments"`
	Output      json.RawMessage `json:"output,omitempty"`
	Error       json.RawMessage `json:"error,omitempty"`
}

// mcpItem turns a server-tool-call part of this provider named
// mcp_list_tools or mcp, with its result among rest (the parts after it),
// back into its mcp_list_tools or mcp_call item (ABI 1.3). Other calls,
// other providers' and calls without a result give nil.
func mcpItem(p *abi.Part, rest []abi.Part, pointer string) (any, error) {
	if p.Provider != Provider || (p.Name != "mcp_list_tools" && p.Name != servertool.MCPCallName) {
		return nil, nil
	}
	var content struct {
		Tools  json.RawMessage `json:"tools"`
		Output json.RawMessage `json:"output"`
		Error  json.RawMessage `json:"error"`
	}
	found := false
	for i := range rest {
		if r := &rest[i]; r.Type == abi.PartServerToolResult && r.ID == p.ID && r.Provider == Provider {
			found = json.Unmarshal([]byte(r.Content), &content) == nil
			break
		}
	}
	if !found || p.ID == "" {
		return nil, nil
	}
	in, ok := servertool.ParseMCPCall(p.Input)
	if in.Server == "" {
		return nil, invalid(pointer+"/input", `the input of a %s call must hold its "server"`, p.Name)
	}
	if string(content.Error) == "null" {
		content.Error = nil
	}
	if p.Name == "mcp_list_tools" {
		if len(content.Tools) == 0 {
			content.Tools = json.RawMessage("[]")
		}
		return mcpListToolsItem{"mcp_list_tools", p.ID, in.Server, content.Tools, content.Error}, nil
	}
	if !ok {
		return nil, invalid(pointer+"/input", `an mcp call's input must be {"server", "tool", "arguments"}`)
	}
	if string(content.Output) == "null" {
		content.Output = nil
	}
	return mcpCallItem{"mcp_call", p.ID, in.Server, in.Tool, string(in.Arguments), content.Output, content.Error}, nil
}
