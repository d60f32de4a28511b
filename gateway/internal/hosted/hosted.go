// Package hosted holds what the gateway's dialects share to decode a
// client's hosted (provider) tools and the provider history it sends back
// into the contract: provider tools (abi.ToolProvider, ABI 1.2 and 1.3),
// server-tool parts and approval parts (ABI 1.3).
package hosted

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
)

// Fields is a tool object of a client's request, field by field.
type Fields map[string]json.RawMessage

// Tool is what a dialect decodes a request's tools entries as: its
// function tool, with the entry's type.
type Tool interface {
	// Function reports whether the entry is a function tool, and returns
	// it; otherwise the dialect decodes the entry as a hosted tool.
	Function() (abi.ToolDefinition, bool)
}

// Tools decodes the tools of a request whose body is body and whose tools
// field decoded as tools: each function tool as it is (one pass, the
// common case), any other from its JSON, which only then is read from body
// again (field by field, by other). A function tool without a name is
// refused with noName(i), the dialect's error.
func Tools[T Tool](body []byte, tools []T, noName func(i int) error, other func(i int, raw json.RawMessage) (abi.ToolDefinition, error)) ([]abi.ToolDefinition, error) {
	var out []abi.ToolDefinition
	var raw []json.RawMessage // the entries' JSON, once one is not a function tool
	for i, t := range tools {
		def, ok := t.Function()
		if !ok {
			if raw == nil {
				raw = entries(body, "tools")
			}
			if i >= len(raw) {
				return nil, abi.Errorf(abi.CodeInvalidRequest, "tools: entry %d cannot be read", i)
			}
			var err error
			if def, err = other(i, raw[i]); err != nil {
				return nil, err
			}
		} else if def.Name == "" {
			return nil, noName(i)
		}
		out = append(out, def)
	}
	return out, nil
}

// entries returns the JSON of each element of the array field of body.
func entries(body []byte, field string) []json.RawMessage {
	var v map[string]json.RawMessage
	var elems []json.RawMessage
	if json.Unmarshal(body, &v) == nil {
		_ = json.Unmarshal(v[field], &elems)
	}
	return elems
}

// Kind is what a client API's hosted tool type is in the contract: the
// provider tool kind (abi.ProviderToolWebSearch, ...) and, for Options,
// the fields that are options, each with the option's name.
type Kind struct {
	Kind string
	Keys map[string]string
}

// Options returns the contract options of a provider tool from the
// fields of the client's tool object: each field that keys names becomes
// the option keys[field] (null fields are left out, as the client APIs
// read them), fields in skip are not options (the type, a fixed name), and
// unknown is the first other field (in sorted order, "" when there is
// none): the caller refuses it, since the contract cannot carry it.
func Options(f Fields, keys map[string]string, skip ...string) (opts json.RawMessage, unknown string) {
	names := make([]string, 0, len(f))
	for k := range f {
		names = append(names, k)
	}
	slices.Sort(names)
	out := map[string]json.RawMessage{}
	for _, k := range names {
		v := bytes.TrimSpace(f[k])
		switch opt, ok := keys[k]; {
		case slices.Contains(skip, k):
		case !ok:
			return nil, k
		case !bytes.Equal(v, []byte("null")):
			out[opt] = v
		}
	}
	if len(out) == 0 {
		return nil, ""
	}
	b, _ := json.Marshal(out)
	return b, ""
}

// Keys is the Keys of a Kind: each spec is a field that is the option of
// the same name, or "field=option".
func Keys(specs ...string) map[string]string {
	m := make(map[string]string, len(specs))
	for _, s := range specs {
		field, opt, ok := strings.Cut(s, "=")
		if !ok {
			opt = field
		}
		m[field] = opt
	}
	return m
}

// Flatten replaces field of f, when it holds an object, by one dotted
// field a member ("filters.allowed_domains"), so that Options maps or
// refuses each member by name; a null field is removed, any other value
// is left as it is. The error says why the object is not valid JSON.
func Flatten(f Fields, field string) error {
	v := bytes.TrimSpace(f[field])
	if bytes.Equal(v, []byte("null")) {
		delete(f, field)
		return nil
	}
	if len(v) == 0 || v[0] != '{' {
		return nil
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(v, &members); err != nil {
		return err
	}
	delete(f, field)
	for k, m := range members {
		f[field+"."+k] = m
	}
	return nil
}

// Provider is the provider tool of the given kind with opts.
func Provider(kind string, opts json.RawMessage) abi.ToolDefinition {
	return abi.ToolDefinition{Type: abi.ToolProvider, Name: kind, Options: opts}
}

// MCPInput is the contract's input of an MCP call or approval request
// (abi.ProviderToolMCP): {"server", "tool", "arguments"}, args being a
// JSON object ({} when empty). ok is false when args is not a JSON object.
func MCPInput(server, tool string, args []byte) (input string, ok bool) {
	args = bytes.TrimSpace(args)
	if len(args) == 0 {
		args = []byte("{}")
	}
	if args[0] != '{' || !json.Valid(args) {
		return "", false
	}
	var c bytes.Buffer
	_ = json.Compact(&c, args)
	b, _ := json.Marshal(struct {
		Server    string          `json:"server"`
		Tool      string          `json:"tool"`
		Arguments json.RawMessage `json:"arguments"`
	}{server, tool, c.Bytes()})
	return string(b), true
}

// Compact returns the compact text of v, which must be valid JSON; ok is
// false when it is not.
func Compact(v []byte) (string, bool) {
	var c bytes.Buffer
	if err := json.Compact(&c, bytes.TrimSpace(v)); err != nil || c.Len() == 0 {
		return "", false
	}
	return c.String(), true
}
