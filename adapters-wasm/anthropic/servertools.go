package anthropic

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstate"
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
	input = bytes.TrimSpace(input)
	if len(input) == 0 {
		input = []byte("{}")
	}
	if input[0] != '{' || !json.Valid(input) {
		out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeToolArgumentsInvalid,
			Message: "anthropic: the input of server tool call " + id + " (" + name + ") is not a complete JSON object"})
		return
	}
	var c bytes.Buffer
	_ = json.Compact(&c, input)
	out.Emit(&abi.Event{Type: abi.EventServerToolCall, ID: id, Name: name, Input: c.String()})
}

// emitServerToolResult emits a <name>_tool_result block of the given type.
func emitServerToolResult(s *state, out *guest.Output, typ string, cb []byte) {
	var id, content []byte
	it := jsonx.Object(cb)
	for it.Next() {
		switch {
		case it.KeyIs("tool_use_id"):
			id = it.Value()
		case it.KeyIs("content"):
			content = it.Value()
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
	isError := false
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

// webSearchTool is the type of the web search server tool the module
// projects.
const webSearchTool = "web_search_20250305"

// serverTool projects a provider tool (ABI 1.2): web_search, with the
// options max_uses (integer), allowed_domains and blocked_domains (arrays
// of strings) and user_location (an object, sent as is). Other kinds are
// refused with capability_unsupported.
func serverTool(t *abi.ToolDefinition, pointer string) (wireTool, error) {
	if t.Name != abi.ProviderToolWebSearch {
		return wireTool{}, unsupported(pointer+"/name", "the anthropic module projects the provider tool web_search, not %q", t.Name)
	}
	wt := wireTool{Type: webSearchTool, Name: "web_search"}
	if t.Cache != nil {
		wt.CacheControl = cacheControl(*t.Cache)
	}
	if len(t.Options) == 0 {
		return wt, nil
	}
	var opts map[string]json.RawMessage
	if err := json.Unmarshal(t.Options, &opts); err != nil {
		return wireTool{}, invalid(pointer+"/options", "web_search options must be a JSON object")
	}
	for k, v := range opts {
		op := pointer + "/options/" + k
		var err error
		switch k {
		case "max_uses":
			var n int
			if err = json.Unmarshal(v, &n); err == nil && n < 1 {
				err = errPositive
			}
			wt.MaxUses = &n
		case "allowed_domains":
			err = json.Unmarshal(v, &wt.AllowedDomains)
		case "blocked_domains":
			err = json.Unmarshal(v, &wt.BlockedDomains)
		case "user_location":
			if jsonx.KindOf(bytes.TrimSpace(v)) != jsonx.KindObject {
				err = errObject
			}
			wt.UserLocation = v
		default:
			return wireTool{}, invalid(op, "unknown web_search option %q: the anthropic module reads max_uses, allowed_domains, blocked_domains and user_location", k)
		}
		if err != nil {
			return wireTool{}, invalid(op, "web_search option %s: %v", k, err)
		}
	}
	if len(wt.AllowedDomains) > 0 && len(wt.BlockedDomains) > 0 {
		return wireTool{}, invalid(pointer+"/options", "web_search takes allowed_domains or blocked_domains, not both")
	}
	return wt, nil
}

var (
	errPositive = errors.New("must be a positive integer")
	errObject   = errors.New("must be a JSON object")
)
