package openaiwire

import (
	"bytes"
	"encoding/json"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/gateway/internal/hosted"
)

// webSearch decodes web_search_options, the one hosted tool of Chat
// Completions (its search models), as the contract's web_search provider
// tool: search_context_size is the option of that name, and user_location
// {"type": "approximate", "approximate": {city, country, region,
// timezone}} the option user_location {"type": "approximate", city, ...},
// the form the Responses and Messages APIs take. Other fields are refused
// naming them.
func webSearch(raw json.RawMessage) (abi.ToolDefinition, error) {
	var f hosted.Fields
	if err := json.Unmarshal(raw, &f); err != nil {
		return abi.ToolDefinition{}, invalid("web_search_options must be an object")
	}
	if loc := bytes.TrimSpace(f["user_location"]); len(loc) > 0 && !bytes.Equal(loc, []byte("null")) {
		var l struct {
			Type        string                     `json:"type"`
			Approximate map[string]json.RawMessage `json:"approximate"`
		}
		if err := json.Unmarshal(loc, &l); err != nil || l.Type != "approximate" {
			return abi.ToolDefinition{}, invalid(`web_search_options.user_location must be {"type":"approximate","approximate":{...}}`)
		}
		flat := map[string]json.RawMessage{"type": json.RawMessage(`"approximate"`)}
		for k, v := range l.Approximate {
			if k == "type" {
				return abi.ToolDefinition{}, invalid("web_search_options.user_location.approximate.type is not supported")
			}
			flat[k] = v
		}
		f["user_location"], _ = json.Marshal(flat)
	}
	opts, unknown := hosted.Options(f, hosted.Keys("search_context_size", "user_location"))
	if unknown != "" {
		return abi.ToolDefinition{}, invalid("web_search_options.%s is not supported: the gateway has no form for it", unknown)
	}
	return hosted.Provider(abi.ProviderToolWebSearch, opts), nil
}
