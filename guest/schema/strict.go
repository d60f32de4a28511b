package schema

import (
	"encoding/json"
	"slices"
)

// NullStyle says how Strict makes an optional property nullable.
type NullStyle uint8

// The null styles.
const (
	// NullTypeList adds "null" to the property's type list
	// ({"type":["string","null"]}, and null to its enum if it has one);
	// properties without a type (a $ref, anyOf, const) get an anyOf with a
	// {"type":"null"} branch instead.
	NullTypeList NullStyle = iota
	// NullAnyOf always uses anyOf: {"anyOf":[S,{"type":"null"}]} (or a null
	// branch appended to an existing anyOf), for targets that reject type
	// lists.
	NullAnyOf
)

// StrictKeywords returns the default set of keywords Strict keeps: those
// the strict structured-output modes document as supported (types,
// properties/required/additionalProperties, items, enum/const, anyOf,
// local $ref with $defs/definitions, description/title, string pattern and
// format, numeric bounds and multipleOf, array minItems/maxItems). A
// target that rejects some of them (numeric and length bounds, say) passes
// a smaller set, possibly after MoveToDescription.
func StrictKeywords() Keywords {
	return NewKeywords("type", "properties", "required", "additionalProperties", "items", "enum", "const",
		"anyOf", "$ref", "$defs", "definitions", "description", "title", "pattern", "format",
		"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems")
}

// StrictOptions configure Strict. The zero value uses StrictKeywords,
// drops Annotations, uses NullTypeList and accepts any root schema.
type StrictOptions struct {
	// Keywords are the keywords the target supports; StrictKeywords()
	// when nil. A keyword outside Keywords and Drop is refused.
	Keywords Keywords
	// Drop are the keywords removed when not supported; Annotations()
	// when nil.
	Drop Keywords
	// Nullable is how optional properties become nullable.
	Nullable NullStyle
	// ObjectRoot refuses a root schema that is not {"type":"object",...}
	// (function parameters and most structured-output modes need one).
	ObjectRoot bool
}

// Strict makes schema strict-compatible. For every object schema (one with
// properties or type object):
//
//   - additionalProperties is set to false. An absent additionalProperties
//     is read as false (the convention of strict modes, which have no open
//     objects); additionalProperties true or a schema is refused, because
//     closing the object would change its meaning.
//   - every property is listed in required, in property order; a property
//     that was not required becomes nullable (see NullStyle), so the model
//     sends null instead of omitting it. A required name with no property
//     is refused (strict objects cannot have undeclared properties).
//   - an object without properties gets "properties":{} and "required":[],
//     unless it is an anyOf or a $ref, whose alternatives or target are
//     made strict where they are; an object with properties beside an anyOf
//     or a $ref is refused, since closing it would forbid the properties
//     those declare.
//
// Keywords not in the supported set are refused with their pointer
// (patternProperties, allOf, oneOf, not, if/then/else, dependentRequired,
// unevaluatedProperties, minProperties, ...), boolean subschemas and
// tuple-form items are refused, and a $ref must point into the same
// document (it is kept, not inlined; its target is made strict where it is
// defined).
func Strict(schema json.RawMessage, opts StrictOptions) (json.RawMessage, error) {
	root, err := Parse(schema)
	if err != nil {
		return nil, err
	}
	st := strictor{root: root, opts: opts}
	if st.opts.Keywords == nil {
		st.opts.Keywords = StrictKeywords()
	}
	if st.opts.Drop == nil {
		st.opts.Drop = Annotations()
	}
	if opts.ObjectRoot {
		t := root.Get("type")
		if root.Kind != Object || t == nil {
			return nil, unsupported("", `the root schema must be {"type":"object",...}`)
		}
		if t.Kind != String || t.Str != "object" {
			return nil, unsupported("/type", `the root schema must have "type":"object"`)
		}
	}
	if err := st.node(root, ""); err != nil {
		return nil, err
	}
	return encode(root), nil
}

type strictor struct {
	root *Node
	opts StrictOptions
}

func (st *strictor) node(n *Node, ptr string) error {
	switch n.Kind {
	case Bool:
		return unsupported(ptr, "boolean schema %v is not supported in strict mode: write an object schema", n.Bool)
	case Object:
	default:
		return unsupported(ptr, "a schema must be a JSON object")
	}
	for i := 0; i < len(n.Obj); {
		k := n.Obj[i].Key
		switch {
		case st.opts.Keywords[k]:
			i++
		case st.opts.Drop[k]:
			n.Obj = slices.Delete(n.Obj, i, i+1)
		default:
			return unsupported(at(ptr, k), "keyword %q is not supported in strict mode: remove it, or do not ask for strict", k)
		}
	}
	if ref := n.Get("$ref"); ref != nil {
		if ref.Kind != String {
			return unsupported(at(ptr, "$ref"), "$ref must be a string")
		}
		p, ok := localRef(ref.Str)
		if !ok {
			return unsupported(at(ptr, "$ref"), "$ref %q does not point into this schema: only local references (#/...) are supported", ref.Str)
		}
		if st.root.Resolve(p) == nil {
			return unsupported(at(ptr, "$ref"), "$ref %q points to nothing", ref.Str)
		}
	}
	if it := n.Get("items"); it != nil && it.Kind == Array {
		return unsupported(at(ptr, "items"), "tuple-form items (an array of schemas) is not supported in strict mode")
	}
	if ap := n.Get("additionalProperties"); ap != nil && !(ap.Kind == Bool && !ap.Bool) {
		return unsupported(at(ptr, "additionalProperties"), "strict mode requires closed objects (additionalProperties:false); this one is open, so it cannot be made strict without changing its meaning")
	}
	err := forEachSubschema(n, ptr, func(kw string, sub *Node, p string) error {
		if kw == "additionalProperties" {
			return nil // false, checked above
		}
		return st.node(sub, p)
	})
	if err != nil {
		return err
	}
	if isObjectSchema(n) {
		return st.object(n, ptr)
	}
	return nil
}

func (st *strictor) object(n *Node, ptr string) error {
	props := n.Get("properties")
	for _, k := range [...]string{"anyOf", "$ref"} {
		if !n.Has(k) {
			continue
		}
		if props != nil {
			return unsupported(at(ptr, k), "%s beside properties cannot be made strict: closing this object would forbid the properties the %s declares; move the shared properties into each alternative", k, k)
		}
		// The alternatives (or the target) are closed where they are
		// defined; closing this node too would forbid their properties.
		return nil
	}
	if props == nil {
		props = &Node{Kind: Object, Obj: []Member{}}
		n.Set("properties", props)
	}
	required := map[string]bool{}
	if r := n.Get("required"); r != nil {
		if r.Kind != Array {
			return unsupported(at(ptr, "required"), "required must be an array of property names")
		}
		for i, v := range r.Arr {
			if v.Kind != String {
				return unsupported(atIndex(at(ptr, "required"), i), "required must be an array of property names")
			}
			if !props.Has(v.Str) {
				return unsupported(atIndex(at(ptr, "required"), i), "required property %q is not declared in properties, and strict objects allow no other properties: declare it", v.Str)
			}
			required[v.Str] = true
		}
	}
	all := &Node{Kind: Array, Arr: make([]*Node, 0, len(props.Obj))}
	for i, m := range props.Obj {
		all.Arr = append(all.Arr, Str(m.Key))
		if required[m.Key] {
			continue
		}
		v, err := st.nullable(m.Value, at(at(ptr, "properties"), m.Key))
		if err != nil {
			return err
		}
		props.Obj[i].Value = v
	}
	n.Set("required", all)
	n.Set("additionalProperties", BoolNode(false))
	return nil
}

// allowsNull reports whether schema s visibly accepts null already.
func allowsNull(s *Node) bool {
	if t := s.Get("type"); t != nil {
		names, _ := typeNames(t)
		if slices.Contains(names, "null") {
			e := s.Get("enum")
			return e == nil || e.Kind == Array && slices.ContainsFunc(e.Arr, func(v *Node) bool { return v.Kind == Null })
		}
	}
	if a := s.Get("anyOf"); a != nil && a.Kind == Array {
		return slices.ContainsFunc(a.Arr, allowsNull)
	}
	return false
}

func nullSchema() *Node {
	return &Node{Kind: Object, Obj: []Member{{"type", Str("null")}}}
}

// nullable returns s changed to also accept null.
func (st *strictor) nullable(s *Node, ptr string) (*Node, error) {
	if allowsNull(s) {
		return s, nil
	}
	t := s.Get("type")
	if st.opts.Nullable == NullTypeList && t != nil && !s.Has("const") && !s.Has("anyOf") && !s.Has("$ref") {
		names, ok := typeNames(t)
		if !ok {
			return nil, unsupported(at(ptr, "type"), "type must be a string or an array of strings")
		}
		if !slices.Contains(names, "null") {
			names = append(names, "null")
		}
		list := &Node{Kind: Array}
		for _, name := range names {
			list.Arr = append(list.Arr, Str(name))
		}
		s.Set("type", list)
		if e := s.Get("enum"); e != nil && e.Kind == Array {
			e.Arr = append(e.Arr, &Node{Kind: Null})
		}
		return s, nil
	}
	if !st.opts.Keywords["anyOf"] {
		return nil, unsupported(ptr, "this optional property must become nullable for strict mode, which needs anyOf here, and anyOf is not supported: make the property required")
	}
	// An anyOf with nothing beside it but annotations takes a null branch.
	if a := s.Get("anyOf"); a != nil && a.Kind == Array && !slices.ContainsFunc(s.Obj, func(m Member) bool {
		return m.Key != "anyOf" && m.Key != "description" && m.Key != "title"
	}) {
		a.Arr = append(a.Arr, nullSchema())
		return s, nil
	}
	return &Node{Kind: Object, Obj: []Member{{"anyOf", &Node{Kind: Array, Arr: []*Node{s, nullSchema()}}}}}, nil
}
