package anthropic

import (
	"encoding/json"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/schema"
)

// refusedKeywords are JSON Schema keywords Claude's structured outputs do
// not support and that cannot be dropped without changing which values the
// schema accepts.
var refusedKeywords = map[string]bool{
	"oneOf": true, "not": true, "if": true, "then": true, "else": true,
	"patternProperties": true, "propertyNames": true, "dependentRequired": true,
	"dependentSchemas": true, "unevaluatedProperties": true, "unevaluatedItems": true,
	"contains": true, "prefixItems": true,
}

// StrictSchema turns a JSON Schema into the dialect of Claude's structured
// outputs (output_config.format and strict tools, on the Anthropic API and
// on Bedrock): numeric, length and count bounds, which Claude rejects, are
// moved into the description (the host must validate the result against
// the original schema); every object is closed with
// additionalProperties:false, which Claude requires (an absent
// additionalProperties is read as false, the convention of strict modes);
// optional properties stay optional. A keyword Claude does not support and
// that cannot be moved (oneOf, not, if/then/else, patternProperties,
// additionalProperties true or a schema, boolean schemas, ...) is refused
// with schema_unsupported and its pointer, prefixed with pointer (the
// schema's place in the normalized request).
func StrictSchema(raw json.RawMessage, pointer string) (json.RawMessage, error) {
	moved, err := schema.MoveToDescription(raw, schema.BoundKeywords())
	if err != nil {
		return nil, prefixPointer(err, pointer)
	}
	root, err := schema.Parse(moved)
	if err != nil {
		return nil, prefixPointer(err, pointer)
	}
	if err := closeObjects(root, pointer); err != nil {
		return nil, err
	}
	return root.MarshalJSON()
}

func prefixPointer(err error, pointer string) error {
	if e, ok := err.(*abi.Error); ok {
		c := *e
		c.Pointer = pointer + c.Pointer
		return &c
	}
	return err
}

var schemaErr = guest.SchemaUnsupported

func isObjectSchema(n *schema.Node) bool {
	if n.Has("properties") {
		return true
	}
	t := n.Get("type")
	if t == nil {
		return false
	}
	if t.Kind == schema.String {
		return t.Str == "object"
	}
	for _, e := range t.Arr {
		if e.Kind == schema.String && e.Str == "object" {
			return true
		}
	}
	return false
}

func closeObjects(n *schema.Node, ptr string) error {
	if n.Kind != schema.Object {
		return schemaErr(ptr, "Claude structured outputs need every schema to be a JSON object (boolean schemas are not supported)")
	}
	for _, m := range n.Obj {
		if refusedKeywords[m.Key] {
			return schemaErr(ptr+"/"+guest.PointerToken(m.Key), "Claude structured outputs do not support the %q keyword: rewrite the schema without it or do not ask for strict/structured output", m.Key)
		}
	}
	if ap := n.Get("additionalProperties"); ap != nil {
		if ap.Kind != schema.Bool || ap.Bool {
			return schemaErr(ptr+"/additionalProperties", "Claude structured outputs require additionalProperties false: open objects cannot be expressed")
		}
	} else if isObjectSchema(n) {
		n.Set("additionalProperties", schema.BoolNode(false))
	}
	for _, m := range n.Obj {
		p := ptr + "/" + guest.PointerToken(m.Key)
		switch m.Key {
		case "properties", "$defs", "definitions":
			if m.Value.Kind != schema.Object {
				return schemaErr(p, "%s must be an object of schemas", m.Key)
			}
			for _, s := range m.Value.Obj {
				if err := closeObjects(s.Value, p+"/"+guest.PointerToken(s.Key)); err != nil {
					return err
				}
			}
		case "items":
			if m.Value.Kind == schema.Array {
				return schemaErr(p, "tuple-form items is not supported by Claude structured outputs")
			}
			if err := closeObjects(m.Value, p); err != nil {
				return err
			}
		case "anyOf", "allOf":
			if m.Value.Kind != schema.Array {
				return schemaErr(p, "%s must be an array of schemas", m.Key)
			}
			for i, s := range m.Value.Arr {
				if err := closeObjects(s, p+"/"+itoa(i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
