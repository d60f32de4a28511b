// Package jsonschema validates JSON values against the subset of JSON
// Schema that tool definitions use in practice. The host's tool loop checks
// every tool call's arguments with it before a handler runs.
//
// Supported keywords:
//
//   - type: a name or a list of names ("object", "array", "string",
//     "number", "integer", "boolean", "null"); a list allows any of them,
//     which is how a nullable type is written (["string","null"]);
//   - nullable: true (the OpenAPI 3.0 spelling) also admits null;
//   - properties, required, additionalProperties (false or a schema),
//     minProperties, maxProperties;
//   - items (one schema for every element), minItems, maxItems,
//     uniqueItems;
//   - enum, const (compared as JSON values: 1 and 1.0 are equal);
//   - minimum, maximum, exclusiveMinimum, exclusiveMaximum (numbers, the
//     draft 6+ form; the draft 4 boolean form is honoured too),
//     multipleOf;
//   - minLength, maxLength (in Unicode code points), pattern (Go RE2
//     syntax, unanchored, as JSON Schema specifies);
//   - anyOf, oneOf, allOf, not;
//   - $ref to a JSON pointer inside the same document ("#/$defs/x",
//     "#/definitions/x", "#").
//
// Every other keyword (format, title, description, default, examples,
// $schema, $id, if/then/else, patternProperties, dependentRequired, ...)
// is ignored: a value is never refused because of a keyword this package
// does not know. Compile refuses a schema whose supported keywords are
// malformed (a pattern that does not compile, a $ref that points nowhere).
//
// Why not a general draft 2020-12 validator such as
// santhosh-tekuri/jsonschema/v6: tool schemas in the wild are OpenAPI
// flavoured, and that validator refuses them where this package's tests
// require acceptance: it ignores "nullable": true (null is refused) and
// rejects the draft 4 boolean exclusiveMinimum at compile time.
package jsonschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Schema is a compiled schema, safe for concurrent use.
type Schema struct {
	root *node
}

// Error is a validation failure: the JSON pointer of the offending part
// of the instance and what is wrong with it.
type Error struct {
	// Pointer is the JSON pointer of the value that failed ("" for the
	// whole document).
	Pointer string
	// Message says which constraint failed.
	Message string
}

// Error implements error.
func (e *Error) Error() string {
	p := e.Pointer
	if p == "" {
		p = "(root)"
	}
	return p + ": " + e.Message
}

// ErrSchema is wrapped by every error Compile returns.
var ErrSchema = errors.New("jsonschema: invalid schema")

type node struct {
	boolean    *bool // a boolean schema: true accepts all, false none
	types      []string
	nullable   bool
	props      map[string]*node
	propOrder  []string
	required   []string
	addlFalse  bool
	addl       *node
	minProps   *int
	maxProps   *int
	items      *node
	minItems   *int
	maxItems   *int
	unique     bool
	enum       []any
	hasConst   bool
	constVal   any
	minimum    *float64
	maximum    *float64
	exclMin    *float64
	exclMax    *float64
	multipleOf *float64
	minLength  *int
	maxLength  *int
	pattern    *regexp.Regexp
	anyOf      []*node
	oneOf      []*node
	allOf      []*node
	not        *node
	ref        string
	refNode    *node
}

type compiler struct {
	doc   any
	cache map[string]*node
	refs  []*node
}

// Compile parses and compiles a schema. An empty schema (nil or "{}")
// accepts every value.
func Compile(raw []byte) (*Schema, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte("{}")
	}
	doc, err := decode(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSchema, err)
	}
	c := &compiler{doc: doc, cache: map[string]*node{}}
	root, err := c.compile(doc, "")
	if err != nil {
		return nil, err
	}
	c.cache["#"] = root
	for i := 0; i < len(c.refs); i++ { // resolve may append more refs
		n := c.refs[i]
		target, err := c.resolve(n.ref)
		if err != nil {
			return nil, err
		}
		n.refNode = target
	}
	return &Schema{root: root}, nil
}

// MustCompile is Compile that panics on error, for schemas in source code.
func MustCompile(raw string) *Schema {
	s, err := Compile([]byte(raw))
	if err != nil {
		panic(err)
	}
	return s
}

func decode(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("trailing data after the JSON value")
	}
	if _, err := d.Token(); err == nil {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

func (c *compiler) resolve(ref string) (*node, error) {
	if n, ok := c.cache[ref]; ok {
		return n, nil
	}
	if !strings.HasPrefix(ref, "#") {
		return nil, fmt.Errorf("%w: $ref %q: only references inside the schema (#/...) are supported", ErrSchema, ref)
	}
	cur := c.doc
	ptr := strings.TrimPrefix(ref, "#")
	if ptr != "" {
		if ptr[0] != '/' {
			return nil, fmt.Errorf("%w: $ref %q is not a JSON pointer", ErrSchema, ref)
		}
		for tok := range strings.SplitSeq(ptr[1:], "/") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			switch v := cur.(type) {
			case map[string]any:
				next, ok := v[tok]
				if !ok {
					return nil, fmt.Errorf("%w: $ref %q points nowhere", ErrSchema, ref)
				}
				cur = next
			case []any:
				i, err := strconv.Atoi(tok)
				if err != nil || i < 0 || i >= len(v) {
					return nil, fmt.Errorf("%w: $ref %q points nowhere", ErrSchema, ref)
				}
				cur = v[i]
			default:
				return nil, fmt.Errorf("%w: $ref %q points nowhere", ErrSchema, ref)
			}
		}
	}
	n, err := c.compile(cur, ref)
	if err != nil {
		return nil, err
	}
	c.cache[ref] = n
	return n, nil
}

func schemaErr(at, format string, args ...any) error {
	if at == "" {
		at = "#"
	}
	return fmt.Errorf("%w at %s: %s", ErrSchema, at, fmt.Sprintf(format, args...))
}

func (c *compiler) compile(v any, at string) (*node, error) {
	switch s := v.(type) {
	case bool:
		return &node{boolean: &s}, nil
	case map[string]any:
		return c.compileObject(s, at)
	default:
		return nil, schemaErr(at, "a schema must be an object or a boolean")
	}
}

func toInt(v any, at, kw string) (*int, error) {
	n, ok := v.(json.Number)
	if !ok {
		return nil, schemaErr(at, "%s must be a non-negative integer", kw)
	}
	i, err := strconv.Atoi(string(n))
	if err != nil || i < 0 {
		f, ferr := n.Float64()
		if ferr != nil || f < 0 || f != math.Trunc(f) {
			return nil, schemaErr(at, "%s must be a non-negative integer", kw)
		}
		i = int(f)
	}
	return &i, nil
}

func toNum(v any, at, kw string) (*float64, error) {
	f, ok := num(v)
	if !ok {
		return nil, schemaErr(at, "%s must be a number", kw)
	}
	return &f, nil
}

var typeNames = map[string]bool{"object": true, "array": true, "string": true, "number": true, "integer": true, "boolean": true, "null": true}

func (c *compiler) compileList(v any, at, kw string) ([]*node, error) {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return nil, schemaErr(at, "%s must be a non-empty array of schemas", kw)
	}
	out := make([]*node, len(arr))
	for i, s := range arr {
		n, err := c.compile(s, fmt.Sprintf("%s/%s/%d", at, kw, i))
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

func (c *compiler) compileObject(m map[string]any, at string) (*node, error) {
	n := &node{}
	var err error
	if v, ok := m["$ref"]; ok {
		ref, ok := v.(string)
		if !ok {
			return nil, schemaErr(at, "$ref must be a string")
		}
		n.ref = ref
		c.refs = append(c.refs, n)
	}
	if v, ok := m["type"]; ok {
		switch t := v.(type) {
		case string:
			n.types = []string{t}
		case []any:
			for _, x := range t {
				s, ok := x.(string)
				if !ok {
					return nil, schemaErr(at, "type must be a string or an array of strings")
				}
				n.types = append(n.types, s)
			}
		default:
			return nil, schemaErr(at, "type must be a string or an array of strings")
		}
		for _, t := range n.types {
			if !typeNames[t] {
				return nil, schemaErr(at, "unknown type %q", t)
			}
		}
	}
	if v, ok := m["nullable"].(bool); ok {
		n.nullable = v
	}
	if v, ok := m["properties"]; ok {
		pm, ok := v.(map[string]any)
		if !ok {
			return nil, schemaErr(at, "properties must be an object")
		}
		n.props = make(map[string]*node, len(pm))
		for k, s := range pm {
			if n.props[k], err = c.compile(s, at+"/properties/"+escape(k)); err != nil {
				return nil, err
			}
			n.propOrder = append(n.propOrder, k)
		}
	}
	if v, ok := m["required"]; ok {
		arr, ok := v.([]any)
		if !ok {
			return nil, schemaErr(at, "required must be an array of strings")
		}
		for _, x := range arr {
			s, ok := x.(string)
			if !ok {
				return nil, schemaErr(at, "required must be an array of strings")
			}
			n.required = append(n.required, s)
		}
	}
	if v, ok := m["additionalProperties"]; ok {
		if b, ok := v.(bool); ok {
			n.addlFalse = !b
		} else if n.addl, err = c.compile(v, at+"/additionalProperties"); err != nil {
			return nil, err
		}
	}
	for kw, dst := range map[string]**int{"minProperties": &n.minProps, "maxProperties": &n.maxProps,
		"minItems": &n.minItems, "maxItems": &n.maxItems, "minLength": &n.minLength, "maxLength": &n.maxLength} {
		if v, ok := m[kw]; ok {
			if *dst, err = toInt(v, at, kw); err != nil {
				return nil, err
			}
		}
	}
	if v, ok := m["items"]; ok {
		if _, isArr := v.([]any); isArr {
			// Draft 4 tuple form: not supported, ignored like an unknown keyword.
		} else if n.items, err = c.compile(v, at+"/items"); err != nil {
			return nil, err
		}
	}
	if v, ok := m["uniqueItems"].(bool); ok {
		n.unique = v
	}
	if v, ok := m["enum"]; ok {
		arr, ok := v.([]any)
		if !ok {
			return nil, schemaErr(at, "enum must be an array")
		}
		n.enum = arr
	}
	if v, ok := m["const"]; ok {
		n.hasConst, n.constVal = true, v
	}
	for kw, dst := range map[string]**float64{"minimum": &n.minimum, "maximum": &n.maximum, "multipleOf": &n.multipleOf} {
		if v, ok := m[kw]; ok {
			if *dst, err = toNum(v, at, kw); err != nil {
				return nil, err
			}
		}
	}
	for kw, dst := range map[string]**float64{"exclusiveMinimum": &n.exclMin, "exclusiveMaximum": &n.exclMax} {
		v, ok := m[kw]
		if !ok {
			continue
		}
		if b, isBool := v.(bool); isBool { // draft 4: modifies minimum/maximum
			if b && kw == "exclusiveMinimum" {
				n.exclMin, n.minimum = n.minimum, nil
			} else if b {
				n.exclMax, n.maximum = n.maximum, nil
			}
			continue
		}
		if *dst, err = toNum(v, at, kw); err != nil {
			return nil, err
		}
	}
	if n.multipleOf != nil && !(*n.multipleOf > 0) {
		return nil, schemaErr(at, "multipleOf must be greater than 0")
	}
	if v, ok := m["pattern"]; ok {
		s, ok := v.(string)
		if !ok {
			return nil, schemaErr(at, "pattern must be a string")
		}
		if n.pattern, err = regexp.Compile(s); err != nil {
			return nil, schemaErr(at, "pattern %q does not compile: %v", s, err)
		}
	}
	for _, kw := range []string{"anyOf", "oneOf", "allOf"} {
		v, ok := m[kw]
		if !ok {
			continue
		}
		list, err := c.compileList(v, at, kw)
		if err != nil {
			return nil, err
		}
		switch kw {
		case "anyOf":
			n.anyOf = list
		case "oneOf":
			n.oneOf = list
		default:
			n.allOf = list
		}
	}
	if v, ok := m["not"]; ok {
		if n.not, err = c.compile(v, at+"/not"); err != nil {
			return nil, err
		}
	}
	return n, nil
}

func escape(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

// Validate checks the JSON document b against the schema. It returns nil,
// an *Error for the first constraint that fails, or a syntax error when b
// is not one JSON value.
func (s *Schema) Validate(b []byte) error {
	v, err := decode(b)
	if err != nil {
		return &Error{Message: "not valid JSON: " + err.Error()}
	}
	return s.ValidateValue(v)
}

// ValidateValue checks an already decoded value (as encoding/json decodes
// into any, numbers as json.Number or float64).
func (s *Schema) ValidateValue(v any) error {
	if e := s.root.validate(&state{}, v, "", 0); e != nil {
		return e
	}
	return nil
}

const maxDepth = 256

func typeOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case json.Number:
		if isInteger(x) {
			return "integer"
		}
		return "number"
	case float64:
		if x == math.Trunc(x) && !math.IsInf(x, 0) {
			return "integer"
		}
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

func isInteger(n json.Number) bool {
	f, ok := num(n)
	return ok && f == math.Trunc(f) && !math.IsInf(f, 0)
}

// num converts a decoded JSON number to float64 (numbers beyond its range
// become ±Inf, which still compare correctly against bounds).
func num(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			var ne *strconv.NumError
			if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
				return f, true
			}
			return 0, false
		}
		return f, true
	case float64:
		return x, true
	}
	return 0, false
}

func (n *node) typeOK(v any) bool {
	if v == nil && n.nullable {
		return true
	}
	if len(n.types) == 0 {
		return true
	}
	t := typeOf(v)
	for _, want := range n.types {
		if want == t || (want == "number" && t == "integer") {
			return true
		}
	}
	return false
}

func fail(ptr, format string, args ...any) *Error {
	return &Error{Pointer: ptr, Message: fmt.Sprintf(format, args...)}
}

type state struct{ steps int }

// maxSteps bounds the work of one validation, so that a schema whose
// anyOf/oneOf branches recurse through $ref cannot take exponential time.
const maxSteps = 1_000_000

func (n *node) validate(st *state, v any, ptr string, depth int) *Error {
	st.steps++
	if st.steps > maxSteps {
		return fail(ptr, "validation needs more than %d steps: simplify the schema", maxSteps)
	}
	if depth > maxDepth {
		return fail(ptr, "schema recursion deeper than %d", maxDepth)
	}
	if n.boolean != nil {
		if !*n.boolean {
			return fail(ptr, "no value is allowed here")
		}
		return nil
	}
	if n.ref != "" && n.refNode != nil {
		if e := n.refNode.validate(st, v, ptr, depth+1); e != nil {
			return e
		}
	}
	if !n.typeOK(v) {
		return fail(ptr, "expected %s, got %s", strings.Join(n.types, " or "), typeOf(v))
	}
	if v == nil && n.nullable {
		return nil
	}
	if n.enum != nil {
		found := false
		for _, e := range n.enum {
			if equal(e, v) {
				found = true
				break
			}
		}
		if !found {
			return fail(ptr, "value is not one of the allowed values %s", compact(n.enum))
		}
	}
	if n.hasConst && !equal(n.constVal, v) {
		return fail(ptr, "value must be %s", compact(n.constVal))
	}
	switch x := v.(type) {
	case map[string]any:
		if e := n.validateObject(st, x, ptr, depth); e != nil {
			return e
		}
	case []any:
		if n.minItems != nil && len(x) < *n.minItems {
			return fail(ptr, "array has %d items, fewer than minItems %d", len(x), *n.minItems)
		}
		if n.maxItems != nil && len(x) > *n.maxItems {
			return fail(ptr, "array has %d items, more than maxItems %d", len(x), *n.maxItems)
		}
		if n.unique {
			for i := range x {
				for j := 0; j < i; j++ {
					if equal(x[i], x[j]) {
						return fail(ptr, "items %d and %d are equal but uniqueItems is set", j, i)
					}
				}
			}
		}
		if n.items != nil {
			for i, it := range x {
				if e := n.items.validate(st, it, ptr+"/"+strconv.Itoa(i), depth+1); e != nil {
					return e
				}
			}
		}
	case string:
		l := utf8.RuneCountInString(x)
		if n.minLength != nil && l < *n.minLength {
			return fail(ptr, "string has %d characters, fewer than minLength %d", l, *n.minLength)
		}
		if n.maxLength != nil && l > *n.maxLength {
			return fail(ptr, "string has %d characters, more than maxLength %d", l, *n.maxLength)
		}
		if n.pattern != nil && !n.pattern.MatchString(x) {
			return fail(ptr, "string does not match pattern %q", n.pattern.String())
		}
	case json.Number, float64:
		if f, ok := num(x); ok {
			if e := n.validateNumber(f, ptr); e != nil {
				return e
			}
		}
	}
	for i, s := range n.allOf {
		if e := s.validate(st, v, ptr, depth+1); e != nil {
			return fail(ptr, "allOf[%d]: %s", i, e.Error())
		}
	}
	if n.anyOf != nil {
		var first *Error
		ok := false
		for _, s := range n.anyOf {
			if e := s.validate(st, v, ptr, depth+1); e == nil {
				ok = true
				break
			} else if first == nil {
				first = e
			}
		}
		if !ok {
			return fail(ptr, "value matches none of anyOf (first: %s)", first.Error())
		}
	}
	if n.oneOf != nil {
		matches := 0
		var first *Error
		for _, s := range n.oneOf {
			if e := s.validate(st, v, ptr, depth+1); e == nil {
				matches++
			} else if first == nil {
				first = e
			}
		}
		if matches == 0 {
			return fail(ptr, "value matches none of oneOf (first: %s)", first.Error())
		}
		if matches > 1 {
			return fail(ptr, "value matches %d schemas of oneOf, exactly one is allowed", matches)
		}
	}
	if n.not != nil && n.not.validate(st, v, ptr, depth+1) == nil {
		return fail(ptr, "value matches the schema under not")
	}
	return nil
}

func (n *node) validateObject(st *state, x map[string]any, ptr string, depth int) *Error {
	for _, r := range n.required {
		if _, ok := x[r]; !ok {
			return fail(ptr, "missing required property %q", r)
		}
	}
	if n.minProps != nil && len(x) < *n.minProps {
		return fail(ptr, "object has %d properties, fewer than minProperties %d", len(x), *n.minProps)
	}
	if n.maxProps != nil && len(x) > *n.maxProps {
		return fail(ptr, "object has %d properties, more than maxProperties %d", len(x), *n.maxProps)
	}
	// Check in a stable order: declared properties first, then the rest sorted.
	for _, k := range n.propOrder {
		pv, ok := x[k]
		if !ok {
			continue
		}
		if e := n.props[k].validate(st, pv, ptr+"/"+escape(k), depth+1); e != nil {
			return e
		}
	}
	if n.addlFalse || n.addl != nil {
		var extra []string
		for k := range x {
			if _, ok := n.props[k]; !ok {
				extra = append(extra, k)
			}
		}
		sortStrings(extra)
		for _, k := range extra {
			if n.addlFalse {
				return fail(ptr+"/"+escape(k), "property %q is not allowed (additionalProperties is false)", k)
			}
			if e := n.addl.validate(st, x[k], ptr+"/"+escape(k), depth+1); e != nil {
				return e
			}
		}
	}
	return nil
}

func (n *node) validateNumber(f float64, ptr string) *Error {
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	if n.minimum != nil && f < *n.minimum {
		return fail(ptr, "%s is less than minimum %s", g(f), g(*n.minimum))
	}
	if n.maximum != nil && f > *n.maximum {
		return fail(ptr, "%s is greater than maximum %s", g(f), g(*n.maximum))
	}
	if n.exclMin != nil && f <= *n.exclMin {
		return fail(ptr, "%s is not greater than exclusiveMinimum %s", g(f), g(*n.exclMin))
	}
	if n.exclMax != nil && f >= *n.exclMax {
		return fail(ptr, "%s is not less than exclusiveMaximum %s", g(f), g(*n.exclMax))
	}
	if n.multipleOf != nil {
		q := f / *n.multipleOf
		if math.IsInf(q, 0) || math.IsNaN(q) || math.Abs(q-math.Round(q)) > 1e-9*math.Max(1, math.Abs(q)) {
			return fail(ptr, "%s is not a multiple of %s", g(f), g(*n.multipleOf))
		}
	}
	return nil
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

// equal compares two decoded JSON values; numbers compare by value.
func equal(a, b any) bool {
	if fa, ok := num(a); ok {
		fb, ok := num(b)
		return ok && fa == fb
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !equal(xv, yv) {
				return false
			}
		}
		return true
	}
	return false
}
