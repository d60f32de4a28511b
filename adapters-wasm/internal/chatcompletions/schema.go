package chatcompletions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// node is a parsed JSON value that keeps object key order: *object, []any,
// string, json.Number, bool or nil.
type node = any

type object struct {
	keys []string
	vals []node
}

func (o *object) get(k string) (node, bool) {
	for i, key := range o.keys {
		if key == k {
			return o.vals[i], true
		}
	}
	return nil, false
}

func (o *object) set(k string, v node) {
	for i, key := range o.keys {
		if key == k {
			o.vals[i] = v
			return
		}
	}
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

// MarshalJSON writes the object with its keys in order.
func (o *object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, err := marshal(k)
		if err != nil {
			return nil, err
		}
		buf.Write(kb)
		buf.WriteByte(':')
		vb, err := marshal(o.vals[i])
		if err != nil {
			return nil, err
		}
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func parseNode(b []byte) (node, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := decodeNode(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after the schema")
	}
	return n, nil
}

func decodeNode(dec *json.Decoder) (node, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := t.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &object{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeNode(dec)
				if err != nil {
					return nil, err
				}
				o.set(kt.(string), v)
			}
			_, err := dec.Token()
			return o, err
		case '[':
			a := []any{}
			for dec.More() {
				v, err := decodeNode(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := dec.Token()
			return a, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		return t, nil
	}
}

// strictUnsupported are the JSON Schema keywords OpenAI's strict mode
// (structured outputs, strict tools) does not accept.
var strictUnsupported = map[string]bool{
	"allOf": true, "oneOf": true, "not": true, "if": true, "then": true, "else": true,
	"dependentRequired": true, "dependentSchemas": true, "patternProperties": true,
	"unevaluatedProperties": true, "propertyNames": true, "minProperties": true,
	"maxProperties": true, "unevaluatedItems": true, "contains": true,
	"minContains": true, "maxContains": true, "uniqueItems": true,
	"minLength": true, "maxLength": true,
}

// StrictSchema turns a JSON Schema into the form strict mode accepts without
// changing which values it allows beyond what strict mode itself implies:
// every object gets additionalProperties:false and lists all its properties
// in required, optional properties becoming nullable. A schema that cannot
// be made strict-compatible is refused with schema_unsupported; ptr is the
// JSON pointer of the schema in the request and prefixes the error's
// pointer.
func StrictSchema(schema json.RawMessage, ptr string) (json.RawMessage, error) {
	if len(bytes.TrimSpace(schema)) == 0 {
		schema = json.RawMessage(`{"type":"object","properties":{}}`)
	}
	n, err := parseNode(schema)
	if err != nil {
		return nil, &abi.Error{Code: abi.CodeInvalidRequest, Message: "schema is not valid JSON: " + err.Error(), Pointer: ptr}
	}
	root, ok := n.(*object)
	if !ok {
		return nil, &abi.Error{Code: abi.CodeSchemaUnsupported, Message: "strict mode needs an object schema at the root", Pointer: ptr}
	}
	if t, _ := root.get("type"); t != "object" {
		return nil, &abi.Error{Code: abi.CodeSchemaUnsupported, Message: `strict mode needs "type":"object" at the root of the schema: set it, or send the tool without strict`, Pointer: ptr + "/type"}
	}
	if err := strictify(root, ptr); err != nil {
		return nil, err
	}
	return marshal(root)
}

func schemaErr(ptr, format string, args ...any) error {
	return guest.SchemaUnsupported(ptr, format+": rewrite the schema, or send it without strict", args...)
}

func strictify(o *object, ptr string) error {
	for _, k := range o.keys {
		if strictUnsupported[k] {
			return schemaErr(ptr+"/"+guest.PointerToken(k), "strict mode does not support the keyword %q", k)
		}
	}
	isObject := false
	if t, ok := o.get("type"); ok {
		switch t := t.(type) {
		case string:
			isObject = t == "object"
		case []any:
			for _, x := range t {
				isObject = isObject || x == "object"
			}
		}
	}
	propsNode, hasProps := o.get("properties")
	if hasProps {
		isObject = true
	}
	if isObject {
		if ap, ok := o.get("additionalProperties"); ok && ap != false {
			return schemaErr(ptr+"/additionalProperties", "strict mode needs additionalProperties:false, and this object allows other properties")
		}
		props, ok := propsNode.(*object)
		if hasProps && !ok {
			return &abi.Error{Code: abi.CodeInvalidRequest, Message: `"properties" must be an object`, Pointer: ptr + "/properties"}
		}
		if props == nil {
			props = &object{}
		}
		required := map[string]bool{}
		if r, ok := o.get("required"); ok {
			arr, ok := r.([]any)
			if !ok {
				return &abi.Error{Code: abi.CodeInvalidRequest, Message: `"required" must be an array of names`, Pointer: ptr + "/required"}
			}
			for _, x := range arr {
				s, ok := x.(string)
				if !ok {
					return &abi.Error{Code: abi.CodeInvalidRequest, Message: `"required" must be an array of names`, Pointer: ptr + "/required"}
				}
				required[s] = true
			}
		}
		all := make([]any, 0, len(props.keys))
		for i, k := range props.keys {
			pptr := ptr + "/properties/" + guest.PointerToken(k)
			p, ok := props.vals[i].(*object)
			if !ok {
				return schemaErr(pptr, "strict mode needs every property schema to be an object (not true/false)")
			}
			if err := strictify(p, pptr); err != nil {
				return err
			}
			if !required[k] {
				props.vals[i] = nullable(p)
			}
			all = append(all, k)
		}
		o.set("properties", props)
		o.set("required", all)
		o.set("additionalProperties", false)
	}
	if items, ok := o.get("items"); ok {
		it, ok := items.(*object)
		if !ok {
			return schemaErr(ptr+"/items", "strict mode needs items to be one schema object")
		}
		if err := strictify(it, ptr+"/items"); err != nil {
			return err
		}
	}
	if alt, ok := o.get("anyOf"); ok {
		arr, ok := alt.([]any)
		if !ok {
			return &abi.Error{Code: abi.CodeInvalidRequest, Message: `"anyOf" must be an array`, Pointer: ptr + "/anyOf"}
		}
		for i, x := range arr {
			xo, ok := x.(*object)
			if !ok {
				return schemaErr(fmt.Sprintf("%s/anyOf/%d", ptr, i), "strict mode needs anyOf members to be schema objects")
			}
			if err := strictify(xo, fmt.Sprintf("%s/anyOf/%d", ptr, i)); err != nil {
				return err
			}
		}
	}
	for _, defs := range []string{"$defs", "definitions"} {
		if d, ok := o.get(defs); ok {
			do, ok := d.(*object)
			if !ok {
				return &abi.Error{Code: abi.CodeInvalidRequest, Message: defs + " must be an object", Pointer: ptr + "/" + defs}
			}
			for i, k := range do.keys {
				dptr := ptr + "/" + defs + "/" + guest.PointerToken(k)
				x, ok := do.vals[i].(*object)
				if !ok {
					return schemaErr(dptr, "strict mode needs definitions to be schema objects")
				}
				if err := strictify(x, dptr); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// nullable makes an optional property accept null, the strict-mode form of
// "may be absent".
func nullable(p *object) *object {
	_, hasRef := p.get("$ref")
	_, hasConst := p.get("const")
	t, hasType := p.get("type")
	if hasRef || hasConst || !hasType {
		if isNullSchema(p) {
			return p
		}
		return &object{keys: []string{"anyOf"}, vals: []node{[]any{p, &object{keys: []string{"type"}, vals: []node{"null"}}}}}
	}
	switch tt := t.(type) {
	case string:
		if tt != "null" {
			p.set("type", []any{tt, "null"})
		}
	case []any:
		has := false
		for _, x := range tt {
			has = has || x == "null"
		}
		if !has {
			p.set("type", append(tt, "null"))
		}
	}
	if e, ok := p.get("enum"); ok {
		if arr, ok := e.([]any); ok {
			has := false
			for _, x := range arr {
				has = has || x == nil
			}
			if !has {
				p.set("enum", append(arr, nil))
			}
		}
	}
	return p
}

func isNullSchema(p *object) bool {
	t, _ := p.get("type")
	return t == "null"
}
