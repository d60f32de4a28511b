package gemini

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
)

// This file projects a JSON Schema onto the OpenAPI subset that Gemini's
// Schema object (functionDeclarations[].parameters, responseSchema) accepts.
// It is private to the adapter until a shared guest/schema package exists.

// object is a JSON object that keeps its key order (property order matters
// to Gemini's generation, and the projection must be deterministic).
type object struct {
	keys []string
	vals map[string]any
}

func (o *object) get(k string) (any, bool) {
	v, ok := o.vals[k]
	return v, ok
}

func (o *object) set(k string, v any) {
	if o.vals == nil {
		o.vals = map[string]any{}
	}
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

// MarshalJSON writes the fields in insertion order.
func (o *object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(o.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// decodeOrdered decodes JSON keeping object key order; numbers stay
// json.Number so that they are written back unchanged.
func decodeOrdered(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("trailing data after the schema")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := t.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &object{vals: map[string]any{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				o.set(k, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return o, nil
		case '[':
			a := []any{}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return a, nil
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		return t, nil
	}
}

// escapePointer escapes one JSON pointer reference token.
func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func unescapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

func unsupported(ptr, format string, args ...any) error {
	e := abi.Errorf(abi.CodeSchemaUnsupported, format, args...)
	e.Pointer = ptr
	return e
}

// Keywords that carry no validation meaning (annotations) or that Gemini's
// subset expresses implicitly: dropped by the projection.
var droppedKeywords = map[string]bool{
	"$schema": true, "$id": true, "$comment": true, "$defs": true, "definitions": true,
	"title": true, "default": true, "examples": true, "example": true,
	"deprecated": true, "readOnly": true, "writeOnly": true, "$anchor": true,
}

// Keywords kept as they are.
var keptKeywords = map[string]bool{
	"description": true, "pattern": true, "minimum": true, "maximum": true,
	"minItems": true, "maxItems": true, "minLength": true, "maxLength": true,
	"minProperties": true, "maxProperties": true, "nullable": true, "required": true,
	"propertyOrdering": true,
}

// Formats Gemini's subset accepts; "format" is an annotation in JSON Schema
// (2019-09 and later), so other formats are dropped.
var keptFormats = map[string]bool{"enum": true, "date-time": true, "int32": true, "int64": true, "float": true, "double": true}

type projector struct {
	root  *object
	stack []string
}

// toOpenAPI projects schema (raw JSON Schema) to Gemini's OpenAPI subset.
// ptr is the JSON pointer of schema in the normalized request, used in
// schema_unsupported errors.
func toOpenAPI(schema json.RawMessage, ptr string) (json.RawMessage, error) {
	v, err := decodeOrdered(schema)
	if err != nil {
		e := abi.Errorf(abi.CodeInvalidRequest, "schema is not valid JSON: %v", err)
		e.Pointer = ptr
		return nil, e
	}
	root, ok := v.(*object)
	if !ok {
		return nil, unsupported(ptr, "a schema must be a JSON object for Gemini's OpenAPI subset")
	}
	p := &projector{root: root}
	out, err := p.node(root, ptr)
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

func (p *projector) resolve(ref, ptr string) (*object, error) {
	var rest string
	switch {
	case strings.HasPrefix(ref, "#/$defs/"):
		rest = ref[len("#/$defs/"):]
		if d, ok := p.root.get("$defs"); ok {
			return p.walk(d, "$defs", rest, ref, ptr)
		}
	case strings.HasPrefix(ref, "#/definitions/"):
		rest = ref[len("#/definitions/"):]
		if d, ok := p.root.get("definitions"); ok {
			return p.walk(d, "definitions", rest, ref, ptr)
		}
	case ref == "#":
		return p.root, nil
	default:
		return nil, unsupported(ptr, "$ref %q is not a local reference into $defs or definitions: Gemini's schema subset needs it inlined", ref)
	}
	return nil, unsupported(ptr, "$ref %q points to nothing in this schema", ref)
}

func (p *projector) walk(d any, _ string, rest, ref, ptr string) (*object, error) {
	cur := d
	for _, tok := range strings.Split(rest, "/") {
		o, ok := cur.(*object)
		if !ok {
			return nil, unsupported(ptr, "$ref %q points to nothing in this schema", ref)
		}
		if cur, ok = o.get(unescapePointer(tok)); !ok {
			return nil, unsupported(ptr, "$ref %q points to nothing in this schema", ref)
		}
	}
	o, ok := cur.(*object)
	if !ok {
		return nil, unsupported(ptr, "$ref %q does not point to a schema object", ref)
	}
	return o, nil
}

func (p *projector) node(v any, ptr string) (*object, error) {
	switch n := v.(type) {
	case *object:
		return p.object(n, ptr)
	case bool:
		if n {
			return &object{vals: map[string]any{}}, nil
		}
		return nil, unsupported(ptr, "the schema false (nothing is valid) cannot be expressed in Gemini's schema subset")
	}
	return nil, unsupported(ptr, "a schema must be a JSON object")
}

func (p *projector) object(n *object, ptr string) (*object, error) {
	if r, ok := n.get("$ref"); ok {
		ref, _ := r.(string)
		for _, s := range p.stack {
			if s == ref {
				return nil, unsupported(ptr+"/$ref", "recursive $ref %q cannot be inlined for Gemini's schema subset", ref)
			}
		}
		target, err := p.resolve(ref, ptr+"/$ref")
		if err != nil {
			return nil, err
		}
		p.stack = append(p.stack, ref)
		out, err := p.object(target, ptr+"/$ref")
		p.stack = p.stack[:len(p.stack)-1]
		if err != nil {
			return nil, err
		}
		// Siblings of $ref: annotations only.
		for _, k := range n.keys {
			switch {
			case k == "$ref" || droppedKeywords[k] || strings.HasPrefix(k, "x-"):
			case k == "description":
				out.set(k, n.vals[k])
			default:
				return nil, unsupported(ptr+"/"+escapePointer(k), "keyword %q next to $ref cannot be merged into the inlined schema", k)
			}
		}
		return out, nil
	}
	out := &object{vals: map[string]any{}}
	for _, k := range n.keys {
		v := n.vals[k]
		kp := ptr + "/" + escapePointer(k)
		switch {
		case droppedKeywords[k] || strings.HasPrefix(k, "x-"):
		case keptKeywords[k]:
			out.set(k, v)
		case k == "type":
			switch t := v.(type) {
			case string:
				if t == "null" {
					return nil, unsupported(kp, `type "null" alone cannot be expressed in Gemini's schema subset`)
				}
				out.set("type", t)
			case []any:
				var types []string
				null := false
				for _, e := range t {
					s, _ := e.(string)
					if s == "null" {
						null = true
					} else {
						types = append(types, s)
					}
				}
				if len(types) != 1 {
					return nil, unsupported(kp, `a type list other than [T] or [T, "null"] cannot be expressed in Gemini's schema subset`)
				}
				out.set("type", types[0])
				if null {
					out.set("nullable", true)
				}
			default:
				return nil, unsupported(kp, "type must be a string or an array of strings")
			}
		case k == "format":
			if s, ok := v.(string); ok && keptFormats[s] {
				out.set(k, v)
			}
		case k == "const":
			s, ok := v.(string)
			if !ok || s == "" {
				return nil, unsupported(kp, "only a non-empty string const can be expressed (as a one-value enum) in Gemini's schema subset")
			}
			out.set("enum", []any{s})
		case k == "enum":
			a, ok := v.([]any)
			if !ok {
				return nil, unsupported(kp, "enum must be an array")
			}
			for i, e := range a {
				if s, ok := e.(string); !ok || s == "" {
					return nil, unsupported(kp+"/"+strconv.Itoa(i), "Gemini's schema subset accepts only non-empty string enum values")
				}
			}
			out.set(k, v)
		case k == "properties":
			props, ok := v.(*object)
			if !ok {
				return nil, unsupported(kp, "properties must be an object")
			}
			po := &object{vals: map[string]any{}}
			for _, name := range props.keys {
				pv, err := p.node(props.vals[name], kp+"/"+escapePointer(name))
				if err != nil {
					return nil, err
				}
				po.set(name, pv)
			}
			out.set(k, po)
		case k == "items":
			if _, ok := v.([]any); ok {
				return nil, unsupported(kp, "tuple items (an array of schemas) cannot be expressed in Gemini's schema subset")
			}
			iv, err := p.node(v, kp)
			if err != nil {
				return nil, err
			}
			out.set(k, iv)
		case k == "anyOf":
			a, ok := v.([]any)
			if !ok || len(a) == 0 {
				return nil, unsupported(kp, "anyOf must be a non-empty array of schemas")
			}
			var list []any
			for i, e := range a {
				ev, err := p.node(e, kp+"/"+strconv.Itoa(i))
				if err != nil {
					return nil, err
				}
				list = append(list, ev)
			}
			out.set(k, list)
		case k == "allOf":
			a, ok := v.([]any)
			if !ok || len(a) != 1 {
				return nil, unsupported(kp, "allOf with more than one schema cannot be expressed in Gemini's schema subset")
			}
			ev, err := p.node(a[0], kp+"/0")
			if err != nil {
				return nil, err
			}
			for _, ek := range ev.keys {
				if _, dup := out.get(ek); dup {
					return nil, unsupported(kp, "allOf repeats keyword %q of its parent schema", ek)
				}
				out.set(ek, ev.vals[ek])
			}
		case k == "additionalProperties":
			if b, ok := v.(bool); ok && !b {
				// Gemini's subset generates declared properties only.
				continue
			}
			return nil, unsupported(kp, "additionalProperties other than false cannot be expressed in Gemini's schema subset")
		default:
			return nil, unsupported(kp, "keyword %q cannot be expressed in Gemini's schema subset; use a model that takes full JSON Schema (gemini-2.5 or later) or remove it", k)
		}
	}
	return out, nil
}

// emptyObjectSchema reports whether a projected parameters schema is an
// object without properties (Gemini refuses such a declaration; a function
// without parameters omits them).
func emptyObjectSchema(raw json.RawMessage) bool {
	var s struct {
		Type       string          `json:"type"`
		Properties json.RawMessage `json:"properties"`
	}
	if json.Unmarshal(raw, &s) != nil {
		return false
	}
	p := bytes.TrimSpace(s.Properties)
	return s.Type == "object" && (len(p) == 0 || bytes.Equal(p, []byte("{}")))
}
