package openairesponses

import (
	"bytes"
	"encoding/json"
	"sort"

	"github.com/wasmadapt/wasmadapt/abi"
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

// hostedTool projects a provider tool (ABI 1.2): web_search, with the
// options allowed_domains (array of strings, sent as
// filters.allowed_domains), user_location (an object, sent as is) and
// search_context_size ("low", "medium" or "high"). Options the API has no
// form for (max_uses, blocked_domains) and other kinds are refused.
func hostedTool(t *abi.ToolDefinition, pointer string) (any, error) {
	if t.Name != abi.ProviderToolWebSearch {
		return nil, guest.Unsupported(pointer+"/name", "the openai-responses module projects the provider tool web_search, not %q", t.Name)
	}
	w := webSearchTool{Type: "web_search"}
	if len(t.Options) == 0 {
		return w, nil
	}
	var opts map[string]json.RawMessage
	if err := json.Unmarshal(t.Options, &opts); err != nil {
		return nil, invalid(pointer+"/options", "web_search options must be a JSON object")
	}
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, op := opts[k], pointer+"/options/"+k
		switch k {
		case "allowed_domains":
			var d []string
			if err := json.Unmarshal(v, &d); err != nil {
				return nil, invalid(op, "allowed_domains must be an array of strings")
			}
			w.Filters = &webFilters{AllowedDomains: d}
		case "user_location":
			if jsonx.KindOf(bytes.TrimSpace(v)) != jsonx.KindObject {
				return nil, invalid(op, "user_location must be a JSON object")
			}
			w.UserLocation = v
		case "search_context_size":
			if err := json.Unmarshal(v, &w.SearchContextSize); err != nil || (w.SearchContextSize != "low" && w.SearchContextSize != "medium" && w.SearchContextSize != "high") {
				return nil, invalid(op, `search_context_size must be "low", "medium" or "high"`)
			}
		case "max_uses", "blocked_domains":
			return nil, guest.Unsupported(op, "the Responses API web search has no %s: remove it", k)
		default:
			return nil, invalid(op, "unknown web_search option %q: the openai-responses module reads allowed_domains, user_location and search_context_size", k)
		}
	}
	return w, nil
}
