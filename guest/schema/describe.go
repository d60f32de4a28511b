package schema

import (
	"encoding/json"
	"strings"
)

// BoundKeywords returns, in the order MoveToDescription states them, the
// numeric, length and count constraints that some strict modes reject:
// minimum, exclusiveMinimum, maximum, exclusiveMaximum, multipleOf,
// minLength, maxLength, minItems, maxItems, uniqueItems, minProperties,
// maxProperties.
func BoundKeywords() []string {
	return []string{"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "multipleOf",
		"minLength", "maxLength", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties"}
}

// MoveToDescription removes the given keywords from every schema in schema
// and states them at the end of the schema's description, as
// "Constraints: minimum 1, maxLength 20." (keyword order as in keywords,
// values as compact JSON; separated from an existing description by one
// space). A schema without a description gets one.
//
// This weakens the schema the provider enforces: the model only reads the
// constraint. Use it only where a target rejects the keywords and the
// adapter opts in, and have the host validate the result against the
// original schema. It does not refuse anything; combine it with Strict or
// Subset for that.
func MoveToDescription(schema json.RawMessage, keywords []string) (json.RawMessage, error) {
	root, err := Parse(schema)
	if err != nil {
		return nil, err
	}
	if err := moveNode(root, "", keywords); err != nil {
		return nil, err
	}
	return encode(root), nil
}

func moveNode(n *Node, ptr string, keywords []string) error {
	if n.Kind != Object {
		return nil
	}
	err := forEachSubschema(n, ptr, func(_ string, sub *Node, p string) error {
		return moveNode(sub, p, keywords)
	})
	if err != nil {
		return err
	}
	d := n.Get("description")
	if d != nil && d.Kind != String {
		return unsupported(at(ptr, "description"), "description must be a string")
	}
	var b []byte
	for _, k := range keywords {
		v := n.Get(k)
		if v == nil {
			continue
		}
		n.Delete(k)
		if b == nil {
			b = append(b, "Constraints: "...)
		} else {
			b = append(b, ", "...)
		}
		b = append(b, k...)
		b = append(b, ' ')
		b = v.AppendJSON(b)
	}
	if b == nil {
		return nil
	}
	b = append(b, '.')
	if d != nil {
		if d.Str != "" && !strings.HasSuffix(d.Str, " ") {
			d.Str += " "
		}
		d.Str += string(b)
		return nil
	}
	n.Set("description", Str(string(b)))
	return nil
}
