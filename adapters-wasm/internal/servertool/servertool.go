// Package servertool holds what the modules that project provider tools
// (ABI 1.2 web_search, ABI 1.3 code_execution, web_fetch, file_search and
// mcp) share: decoding a tool's options in a stable order, reading the
// normalized options of an mcp tool, and the normalized input of an MCP
// call event.
package servertool

import (
	"bytes"
	"encoding/json"

	"maps"
	"slices"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// Each calls f for each option of provider tool t (at pointer), in key
// order so that the first bad option reported is always the same, with
// the option's key, pointer and value, and stops at the first error.
// Absent options are no options; options that are not a JSON object are
// invalid_request.
func Each(t *abi.ToolDefinition, pointer string, f func(key, pointer string, v json.RawMessage) error) error {
	if len(bytes.TrimSpace(t.Options)) == 0 {
		return nil
	}
	var opts map[string]json.RawMessage
	if err := json.Unmarshal(t.Options, &opts); err != nil {
		return guest.Invalid(pointer+"/options", "%s options must be a JSON object", t.Name)
	}
	for _, k := range slices.Sorted(maps.Keys(opts)) {
		if err := f(k, pointer+"/options/"+k, opts[k]); err != nil {
			return err
		}
	}
	return nil
}

// Strings decodes an option that must be a non-empty array of non-empty
// strings.
func Strings(v json.RawMessage, pointer, name string) ([]string, error) {
	var list []string
	if err := json.Unmarshal(v, &list); err != nil || len(list) == 0 || slices.Contains(list, "") {
		return nil, guest.Invalid(pointer, "%s must be a non-empty array of non-empty strings", name)
	}
	return list, nil
}

// String decodes an option that must be a non-empty string.
func String(v json.RawMessage, pointer, name string) (string, error) {
	var s string
	if err := json.Unmarshal(v, &s); err != nil || s == "" {
		return "", guest.Invalid(pointer, "%s must be a non-empty string", name)
	}
	return s, nil
}

// Object checks an option that must be a JSON object and returns it.
func Object(v json.RawMessage, pointer, name string) (json.RawMessage, error) {
	v = bytes.TrimSpace(v)
	if jsonx.KindOf(v) != jsonx.KindObject || !json.Valid(v) {
		return nil, guest.Invalid(pointer, "%s must be a JSON object", name)
	}
	return v, nil
}

// MCP is the normalized configuration of an mcp provider tool.
type MCP struct {
	// ServerLabel names the server (required); ServerURL is its https
	// URL (required).
	ServerLabel, ServerURL string
	// Authorization is an OAuth access token for the server ("" none).
	Authorization string
	// AllowedTools restricts the server's tools (nil: all of them).
	AllowedTools []string
	// RequireApproval is the raw require_approval option ("always",
	// "never" or an object; nil when absent).
	RequireApproval json.RawMessage
	// Headers are extra HTTP headers for the server (a JSON object; nil
	// when absent).
	Headers json.RawMessage
}

// MCPOptions lists the options ParseMCP reads.
const MCPOptions = "server_label, server_url, allowed_tools, authorization, require_approval and headers"

// ParseMCP reads the options of mcp provider tool t at pointer. It checks
// their types only; a module refuses the ones its provider has no form
// for.
func ParseMCP(t *abi.ToolDefinition, pointer string) (MCP, error) {
	var m MCP
	err := Each(t, pointer, func(k, op string, v json.RawMessage) (err error) {
		switch k {
		case "server_label":
			m.ServerLabel, err = String(v, op, k)
		case "server_url":
			m.ServerURL, err = String(v, op, k)
			if err == nil && !strings.HasPrefix(m.ServerURL, "https://") {
				err = guest.Invalid(op, "server_url must be an https:// URL, not %q", m.ServerURL)
			}
		case "authorization":
			m.Authorization, err = String(v, op, k)
		case "allowed_tools":
			m.AllowedTools, err = Strings(v, op, k)
		case "headers":
			m.Headers, err = Object(v, op, k)
		case "require_approval":
			var s string
			if json.Unmarshal(v, &s) == nil {
				if s != "always" && s != "never" {
					err = guest.Invalid(op, `require_approval must be "always", "never" or an object, not %q`, s)
				}
				m.RequireApproval = bytes.TrimSpace(v)
			} else {
				m.RequireApproval, err = Object(v, op, k)
			}
		default:
			err = guest.Invalid(op, "unknown mcp option %q: the options are %s", k, MCPOptions)
		}
		return err
	})
	if err != nil {
		return m, err
	}
	for _, req := range []struct{ key, val string }{{"server_label", m.ServerLabel}, {"server_url", m.ServerURL}} {
		if req.val == "" {
			return m, guest.Invalid(pointer+"/options/"+req.key, "an mcp provider tool needs the option %s", req.key)
		}
	}
	return m, nil
}

// Unknown is the invalid_request error of an option a module does not
// read for a tool kind; reads lists the ones it does.
func Unknown(pointer, module, kind, key, reads string) error {
	return guest.Invalid(pointer, "unknown %s option %q: the %s module reads %s", kind, key, module, reads)
}

// MCPCallName is the name of the server-tool-call and server-tool-result
// events of an MCP tool call, whatever the provider.
const MCPCallName = abi.ProviderToolMCP

// MCPCall is the normalized input of an MCP call event (and of its
// server-tool-call and approval-request parts): {"server", "tool",
// "arguments"}.
type MCPCall struct {
	Server    string          `json:"server"`
	Tool      string          `json:"tool"`
	Arguments json.RawMessage `json:"arguments"`
}

// MCPCallInput returns the normalized input of an MCP call event:
// {"server": server, "tool": tool, "arguments": args}, args being a JSON
// object's text ({} when empty). It returns false when args is not a
// JSON object.
func MCPCallInput(server, tool string, args []byte) (string, bool) {
	if len(bytes.TrimSpace(args)) == 0 {
		args = []byte("{}")
	}
	c, ok := CompactObject(args)
	if !ok {
		return "", false
	}
	b, _ := json.Marshal(MCPCall{server, tool, json.RawMessage(c)})
	return string(b), true
}

// ParseMCPCall reads input, the normalized input of an MCP call (the zero
// MCPCall when it is not that JSON); ok reports whether it names a server
// and a tool and its arguments are a JSON object.
func ParseMCPCall(input string) (c MCPCall, ok bool) {
	if json.Unmarshal([]byte(input), &c) != nil {
		return MCPCall{}, false
	}
	return c, c.Server != "" && c.Tool != "" && jsonx.KindOf(c.Arguments) == jsonx.KindObject
}

// CompactObject returns the compact text of a JSON object, and false when
// v is not one.
func CompactObject(v []byte) (string, bool) {
	v = bytes.TrimSpace(v)
	if jsonx.KindOf(v) != jsonx.KindObject || !json.Valid(v) {
		return "", false
	}
	var c bytes.Buffer
	_ = json.Compact(&c, v)
	return c.String(), true
}

// Refuse is the capability_unsupported error of a provider tool kind a
// module does not project; kinds lists the ones it does.
func Refuse(pointer, module, kind string, kinds ...string) error {
	return guest.Unsupported(pointer+"/name", "the %s module projects the provider tools %s, not %q: remove it or use a module that lists it in provider_tools",
		module, strings.Join(kinds, ", "), kind)
}

// NoOption is the capability_unsupported error of an option the provider
// has no form for.
func NoOption(pointer, provider, kind, key, what string) error {
	return guest.Unsupported(pointer, "%s %s has no %s: %s", provider, kind, key, what)
}
