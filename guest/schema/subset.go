package schema

import (
	"encoding/json"
	"slices"
)

// OpenAPIKeywords returns the keywords of the OpenAPI-3.0-style schema
// subset that some providers accept for function parameters and response
// schemas: anyOf, default, description, enum, example, format, items,
// maxItems, maxLength, maxProperties, maximum, minItems, minLength,
// minProperties, minimum, nullable, pattern, properties, propertyOrdering,
// required, title, type. Adapters pass it to Subset, trimmed to what their
// model accepts.
func OpenAPIKeywords() Keywords {
	return NewKeywords("anyOf", "default", "description", "enum", "example", "format", "items",
		"maxItems", "maxLength", "maxProperties", "maximum", "minItems", "minLength", "minProperties",
		"minimum", "nullable", "pattern", "properties", "propertyOrdering", "required", "title", "type")
}

// ClosedObjects says what Subset does with additionalProperties:false when
// the allowed set lacks additionalProperties.
type ClosedObjects uint8

// The ClosedObjects policies.
const (
	// RefuseClosed refuses the schema (schema_unsupported at the keyword):
	// the safe default.
	RefuseClosed ClosedObjects = iota
	// DropClosed drops additionalProperties:false. This widens the schema:
	// the model may then add properties the schema forbids, so the caller
	// must validate the result against the original schema (and strip or
	// reject extra properties). Choose it knowingly.
	DropClosed
)

// SubsetOptions configure Subset. The zero value drops Annotations and
// refuses additionalProperties:false.
type SubsetOptions struct {
	// Drop are keywords removed when not in the allowed set; Annotations()
	// when nil. Subset also always removes $defs, definitions, $id and
	// $anchor once every $ref is inlined.
	Drop Keywords
	// Closed is the policy for additionalProperties:false.
	Closed ClosedObjects
	// NonEmptyEnumStrings refuses an enum value "" (some targets reject
	// it).
	NonEmptyEnumStrings bool
	// MaxNodes bounds the size of the result after $ref inlining (which
	// can grow a schema exponentially); 10000 when 0.
	MaxNodes int
}

// Subset projects schema onto the allowed keywords (for example
// OpenAPIKeywords()):
//
//   - every local $ref is replaced by a copy of its target (a cycle is
//     refused at the $ref that closes it, a reference to another document
//     is refused); beside a $ref only annotations and description are
//     allowed, and a description there overrides the target's;
//   - "type":["T","null"] becomes "type":"T","nullable":true; a type list
//     of two or more non-null types, or of null alone, is refused;
//   - an anyOf with a {"type":"null"} branch loses that branch and gains
//     nullable:true (on the single remaining branch, merged into the
//     schema when nothing else conflicts, or on every remaining branch);
//   - "const":v becomes "enum":[v];
//   - a boolean schema true becomes {} (any value); false is refused;
//   - additionalProperties true (or {}) is dropped: it is the default;
//     false follows SubsetOptions.Closed; a schema is refused;
//   - a keyword outside the allowed set is dropped if it is in Drop, and
//     refused otherwise, with its pointer.
//
// Pointers in errors name the keyword's place in the input schema (inside
// the $defs entry for inlined definitions).
func Subset(schema json.RawMessage, allowed Keywords, opts SubsetOptions) (json.RawMessage, error) {
	root, err := Parse(schema)
	if err != nil {
		return nil, err
	}
	sb := subsetter{root: root, allowed: allowed, opts: opts}
	if sb.opts.Drop == nil {
		sb.opts.Drop = Annotations()
	}
	if sb.opts.MaxNodes == 0 {
		sb.opts.MaxNodes = 10000
	}
	out, err := sb.node(root, "", nil)
	if err != nil {
		return nil, err
	}
	return encode(out), nil
}

type subsetter struct {
	root    *Node
	allowed Keywords
	opts    SubsetOptions
	nodes   int
}

// refSiblingOK reports whether a keyword may sit beside $ref.
func (sb *subsetter) refSiblingOK(k string) bool {
	switch k {
	case "$defs", "definitions", "$id", "$anchor":
		return true
	case "description":
		return sb.allowed[k] || sb.opts.Drop[k]
	}
	return sb.opts.Drop[k]
}

// node returns the projection of schema n found at ptr; stack holds the
// pointers of the $ref targets being inlined (for cycle detection).
func (sb *subsetter) node(n *Node, ptr string, stack []string) (*Node, error) {
	sb.nodes++
	if sb.nodes > sb.opts.MaxNodes {
		return nil, unsupported(ptr, "the schema grows beyond %d schemas once $ref is inlined: simplify it", sb.opts.MaxNodes)
	}
	switch n.Kind {
	case Bool:
		if n.Bool {
			return &Node{Kind: Object, Obj: []Member{}}, nil
		}
		return nil, unsupported(ptr, "boolean schema false (no value allowed) cannot be expressed in this subset")
	case Object:
	default:
		return nil, unsupported(ptr, "a schema must be a JSON object")
	}
	if ref := n.Get("$ref"); ref != nil {
		return sb.ref(n, ref, ptr, stack)
	}
	out := &Node{Kind: Object, Obj: make([]Member, 0, len(n.Obj))}
	var nullable bool
	var single *Node // the only non-null branch of an anyOf with a null branch
	for _, m := range n.Obj {
		k, v, p := m.Key, m.Value, at(ptr, m.Key)
		switch k {
		case "$defs", "definitions", "$id", "$anchor":
			// Only reachable through $ref, which is inlined.
			continue
		case "type":
			names, ok := typeNames(v)
			if !ok {
				return nil, unsupported(p, "type must be a string or an array of strings")
			}
			if v.Kind == String {
				if v.Str == "null" {
					return nil, unsupported(p, "type null on its own cannot be expressed here (only as nullable beside another type)")
				}
				break
			}
			rest := slices.DeleteFunc(slices.Clone(names), func(s string) bool { return s == "null" })
			if len(rest) != 1 {
				return nil, unsupported(p, "type list %v cannot be expressed: only a single type, optionally with \"null\", is supported; use anyOf", names)
			}
			v = Str(rest[0])
			nullable = nullable || len(rest) < len(names)
		case "const":
			if !sb.allowed["const"] {
				if !sb.allowed["enum"] {
					return nil, unsupported(p, "const is not supported, nor enum to express it")
				}
				k, v = "enum", &Node{Kind: Array, Arr: []*Node{v}}
			}
		case "additionalProperties":
			if v.Kind == Bool && v.Bool || v.Kind == Object && len(v.Obj) == 0 {
				continue // the default: any additional property
			}
			if !sb.allowed[k] {
				if v.Kind == Bool && sb.opts.Closed == DropClosed {
					continue
				}
				if v.Kind == Bool {
					return nil, unsupported(p, "additionalProperties:false is not supported here; dropping it would let the model add properties: allow the downgrade explicitly (DropClosed) or remove it")
				}
				return nil, unsupported(p, "additionalProperties with a schema is not supported here")
			}
		case "anyOf":
			if !sb.allowed[k] {
				return nil, unsupported(p, "anyOf is not supported here")
			}
			if v.Kind != Array {
				return nil, unsupported(p, "anyOf must be an array of schemas")
			}
			branches := make([]*Node, 0, len(v.Arr))
			hadNull := false
			for i, b := range v.Arr {
				if sb.isNullSchema(b) {
					hadNull = true
					continue
				}
				c, err := sb.node(b, atIndex(p, i), stack)
				if err != nil {
					return nil, err
				}
				branches = append(branches, c)
			}
			if len(branches) == 0 {
				return nil, unsupported(p, "an anyOf that only allows null cannot be expressed")
			}
			if hadNull {
				if !sb.allowed["nullable"] {
					return nil, unsupported(p, "this anyOf allows null, which needs nullable, and nullable is not supported here")
				}
				if len(branches) == 1 {
					single = branches[0] // merged below if nothing conflicts
					continue
				}
				for _, b := range branches {
					b.Set("nullable", BoolNode(true))
				}
			}
			v = &Node{Kind: Array, Arr: branches}
			out.Obj = append(out.Obj, Member{k, v})
			continue
		}
		if !sb.allowed[k] {
			if sb.opts.Drop[k] {
				continue
			}
			return nil, unsupported(p, "keyword %q is not supported by this provider's schema subset, and dropping it would change what the schema accepts: remove it", k)
		}
		if k == "enum" && sb.opts.NonEmptyEnumStrings && v.Kind == Array {
			for i, e := range v.Arr {
				if e.Kind == String && e.Str == "" {
					return nil, unsupported(atIndex(p, i), "the empty string is not accepted as an enum value here")
				}
			}
		}
		switch {
		case k == "items" && v.Kind == Array:
			return nil, unsupported(p, "tuple-form items (an array of schemas) is not supported here")
		case singleSchema[k]:
			c, err := sb.node(v, p, stack)
			if err != nil {
				return nil, err
			}
			v = c
		case mapSchema[k]:
			if v.Kind != Object {
				return nil, unsupported(p, "%s must be an object of schemas", k)
			}
			c := &Node{Kind: Object, Obj: make([]Member, 0, len(v.Obj))}
			for _, s := range v.Obj {
				cs, err := sb.node(s.Value, at(p, s.Key), stack)
				if err != nil {
					return nil, err
				}
				c.Obj = append(c.Obj, Member{s.Key, cs})
			}
			v = c
		case listSchema[k]:
			if v.Kind != Array {
				return nil, unsupported(p, "%s must be an array of schemas", k)
			}
			c := &Node{Kind: Array, Arr: make([]*Node, 0, len(v.Arr))}
			for i, s := range v.Arr {
				cs, err := sb.node(s, atIndex(p, i), stack)
				if err != nil {
					return nil, err
				}
				c.Arr = append(c.Arr, cs)
			}
			v = c
		default:
			v = v.Clone()
		}
		out.Obj = append(out.Obj, Member{k, v})
	}
	if single != nil {
		if mergeable(out, single) {
			out.Obj = append(out.Obj, single.Obj...)
			nullable = true
		} else {
			single.Set("nullable", BoolNode(true))
			out.Obj = append(out.Obj, Member{"anyOf", &Node{Kind: Array, Arr: []*Node{single}}})
		}
	}
	if nullable && !out.Has("nullable") {
		if !sb.allowed["nullable"] {
			return nil, unsupported(ptr, "this schema allows null, which needs nullable, and nullable is not supported here")
		}
		out.Obj = append(out.Obj, Member{"nullable", BoolNode(true)})
	}
	return out, nil
}

// mergeable reports whether the single non-null branch b of an anyOf can
// be merged into out, the rest of its schema: no keyword in both.
func mergeable(out, b *Node) bool {
	for _, m := range b.Obj {
		if out.Has(m.Key) || m.Key == "nullable" {
			return false
		}
	}
	return true
}

// ref inlines the target of n's $ref.
func (sb *subsetter) ref(n, ref *Node, ptr string, stack []string) (*Node, error) {
	rp := at(ptr, "$ref")
	if ref.Kind != String {
		return nil, unsupported(rp, "$ref must be a string")
	}
	target, ok := localRef(ref.Str)
	if !ok {
		return nil, unsupported(rp, "$ref %q does not point into this schema: only local references (#/...) can be inlined", ref.Str)
	}
	if slices.Contains(stack, target) {
		return nil, unsupported(rp, "$ref %q is recursive; a recursive schema cannot be inlined", ref.Str)
	}
	t := sb.root.Resolve(target)
	if t == nil {
		return nil, unsupported(rp, "$ref %q points to nothing", ref.Str)
	}
	for _, m := range n.Obj {
		if m.Key != "$ref" && !sb.refSiblingOK(m.Key) {
			return nil, unsupported(at(ptr, m.Key), "keyword %q beside $ref cannot be merged into the inlined schema: move it into the referenced schema", m.Key)
		}
	}
	out, err := sb.node(t, target, append(stack[:len(stack):len(stack)], target))
	if err != nil {
		return nil, err
	}
	if d := n.Get("description"); d != nil && sb.allowed["description"] {
		if out.Kind == Object {
			out.Set("description", d.Clone())
		}
	}
	return out, nil
}

// isNullSchema reports whether b is {"type":"null"}, possibly with a
// description or droppable annotations.
func (sb *subsetter) isNullSchema(b *Node) bool {
	t := b.Get("type")
	if t == nil || t.Kind != String || t.Str != "null" {
		return false
	}
	for _, m := range b.Obj {
		if m.Key != "type" && m.Key != "description" && !sb.opts.Drop[m.Key] {
			return false
		}
	}
	return true
}
