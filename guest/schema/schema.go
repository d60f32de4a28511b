// Package schema transforms the JSON Schemas of tool parameters and
// structured outputs into what a provider accepts, at projection time.
//
// Providers accept different subsets of JSON Schema. The one rule every
// transform here follows: a schema is either converted into one that
// accepts exactly the same JSON values (up to the documented, deliberate
// changes listed below), or refused with a schema_unsupported *abi.Error
// whose Pointer (RFC 6901) names the offending keyword in the INPUT schema.
// A keyword is never dropped silently when dropping it would let the model
// produce values the schema forbids, or forbid values it allows.
//
// Three transforms:
//
//   - Strict makes a schema fit "strict" structured outputs and strict tools:
//     every object gets additionalProperties:false and lists all its
//     properties in required; a property that was optional becomes required
//     but nullable, so the model writes null where it would have omitted the
//     property. That is the one deliberate change of meaning: a consumer
//     must read null as "absent" for those properties. Keywords outside the
//     supported set, additionalProperties true or a schema, patternProperties
//     and the like are refused.
//   - Subset projects a schema onto an OpenAPI-3.0-style subset for
//     providers that accept nothing else: $ref inlined (a cycle is refused),
//     ["T","null"] becomes nullable:true, const becomes a one-value enum;
//     keywords outside the allowed set are refused, except annotations
//     (Annotations), which do not affect validation and are dropped.
//     additionalProperties:false is refused unless the caller opts into
//     dropping it (a documented widening).
//   - MoveToDescription removes constraint keywords that a provider rejects
//     in strict mode and states them in the description instead; only when
//     the adapter asks for it, since the model then only reads the
//     constraint, and the host must validate the result against the full
//     schema.
//
// All output is compact JSON written in input order (keys the transforms
// add are appended), so the same input gives the same bytes. Parsing uses
// encoding/json: these run once per request at projection, not per chunk.
package schema

import (
	"encoding/json"
	"slices"
	"strconv"

	"github.com/wasmadapt/wasmadapt/guest"
)

// Keywords is a set of JSON Schema keywords.
type Keywords map[string]bool

// NewKeywords returns the set of the given keywords.
func NewKeywords(kw ...string) Keywords {
	k := make(Keywords, len(kw))
	for _, w := range kw {
		k[w] = true
	}
	return k
}

// With returns a copy of k with more keywords.
func (k Keywords) With(kw ...string) Keywords {
	c := make(Keywords, len(k)+len(kw))
	for w := range k {
		c[w] = true
	}
	for _, w := range kw {
		c[w] = true
	}
	return c
}

// Without returns a copy of k without the given keywords.
func (k Keywords) Without(kw ...string) Keywords {
	c := make(Keywords, len(k))
	for w := range k {
		if !slices.Contains(kw, w) {
			c[w] = true
		}
	}
	return c
}

// Annotations returns the keywords that never change which values a schema
// accepts and that the transforms drop when the target does not support
// them: $schema (the dialect: the target defines its own), $comment,
// title, default and examples (documentation and hints), deprecated,
// readOnly and writeOnly (hints to the producer of a value). description is
// not in the set: it is the model's main guidance, so an adapter drops it
// only by choice.
func Annotations() Keywords {
	return NewKeywords("$schema", "$comment", "title", "default", "examples", "deprecated", "readOnly", "writeOnly")
}

// Keyword classes: where a keyword's value holds subschemas.
var (
	// keywords whose value is one schema.
	singleSchema = NewKeywords("items", "additionalProperties", "additionalItems", "not", "if", "then", "else",
		"contains", "propertyNames", "unevaluatedProperties", "unevaluatedItems", "contentSchema")
	// keywords whose value is an object of schemas.
	mapSchema = NewKeywords("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
	// keywords whose value is an array of schemas.
	listSchema = NewKeywords("anyOf", "oneOf", "allOf", "prefixItems")
)

var unsupported = guest.SchemaUnsupported

func at(ptr, key string) string { return ptr + "/" + EscapeToken(key) }

func atIndex(ptr string, i int) string { return ptr + "/" + strconv.Itoa(i) }

// forEachSubschema calls fn for each direct subschema of n (a schema
// object), with the keyword holding it and its pointer, in member order.
func forEachSubschema(n *Node, ptr string, fn func(keyword string, sub *Node, ptr string) error) error {
	for _, m := range n.Obj {
		p := at(ptr, m.Key)
		switch {
		case m.Key == "items" && m.Value.Kind == Array, listSchema[m.Key]:
			if m.Value.Kind != Array {
				return unsupported(p, "%s must be an array of schemas", m.Key)
			}
			for i, v := range m.Value.Arr {
				if err := fn(m.Key, v, atIndex(p, i)); err != nil {
					return err
				}
			}
		case singleSchema[m.Key]:
			if err := fn(m.Key, m.Value, p); err != nil {
				return err
			}
		case mapSchema[m.Key]:
			if m.Value.Kind != Object {
				return unsupported(p, "%s must be an object of schemas", m.Key)
			}
			for _, s := range m.Value.Obj {
				if err := fn(m.Key, s.Value, at(p, s.Key)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// typeNames returns the names in a "type" value (a string or an array of
// strings); ok is false for anything else.
func typeNames(t *Node) (names []string, ok bool) {
	switch t.Kind {
	case String:
		return []string{t.Str}, true
	case Array:
		for _, v := range t.Arr {
			if v.Kind != String {
				return nil, false
			}
			names = append(names, v.Str)
		}
		return names, true
	}
	return nil, false
}

// isObjectSchema reports whether a schema describes objects: it declares
// properties, or type object.
func isObjectSchema(n *Node) bool {
	if n.Has("properties") {
		return true
	}
	if t := n.Get("type"); t != nil {
		names, _ := typeNames(t)
		return slices.Contains(names, "object")
	}
	return false
}

func encode(n *Node) json.RawMessage { return json.RawMessage(n.AppendJSON(nil)) }
