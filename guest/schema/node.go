package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Kind is the JSON type of a Node.
type Kind uint8

// The node kinds.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

// Node is a parsed JSON value that keeps the order of object members, so
// that a transformed schema is written back in the order it came in and the
// same input always gives the same bytes.
type Node struct {
	// Kind is the JSON type; it says which other field holds the value.
	Kind Kind
	// Bool is the value of a Bool node.
	Bool bool
	// Num is the literal text of a Number node, written back unchanged.
	Num string
	// Str is the value of a String node.
	Str string
	// Arr holds the elements of an Array node.
	Arr []*Node
	// Obj holds the members of an Object node, in order.
	Obj []Member
}

// Member is one member of an object.
type Member struct {
	// Key is the member name.
	Key string
	// Value is the member value.
	Value *Node
}

// MaxDepth is the deepest nesting Parse accepts.
const MaxDepth = 256

// Parse parses one JSON value. Duplicate object keys, trailing data and
// nesting deeper than MaxDepth are refused with a schema_unsupported
// *abi.Error (with the pointer of the duplicate key where there is one).
func Parse(raw []byte) (*Node, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	n, err := parseValue(dec, "", 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, abi.Errorf(abi.CodeSchemaUnsupported, "schema is not a single JSON value: remove the trailing data")
	}
	return n, nil
}

func syntaxErr(err error) error {
	return abi.Wrap(abi.CodeSchemaUnsupported, err, "schema is not valid JSON")
}

func parseValue(dec *json.Decoder, ptr string, depth int) (*Node, error) {
	if depth > MaxDepth {
		return nil, &abi.Error{Code: abi.CodeSchemaUnsupported, Message: "schema nests deeper than " + strconv.Itoa(MaxDepth) + " levels", Pointer: ptr}
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, syntaxErr(err)
	}
	switch t := tok.(type) {
	case nil:
		return &Node{Kind: Null}, nil
	case bool:
		return &Node{Kind: Bool, Bool: t}, nil
	case json.Number:
		return &Node{Kind: Number, Num: string(t)}, nil
	case string:
		return &Node{Kind: String, Str: t}, nil
	case json.Delim:
		if t == '[' {
			n := &Node{Kind: Array, Arr: []*Node{}}
			for dec.More() {
				v, err := parseValue(dec, ptr+"/"+strconv.Itoa(len(n.Arr)), depth+1)
				if err != nil {
					return nil, err
				}
				n.Arr = append(n.Arr, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, syntaxErr(err)
			}
			return n, nil
		}
		n := &Node{Kind: Object, Obj: []Member{}}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, syntaxErr(err)
			}
			k, _ := kt.(string)
			if n.Get(k) != nil {
				return nil, &abi.Error{Code: abi.CodeSchemaUnsupported, Message: "duplicate key " + strconv.Quote(k) + ": its meaning is ambiguous, keep one", Pointer: ptr + "/" + EscapeToken(k)}
			}
			v, err := parseValue(dec, ptr+"/"+EscapeToken(k), depth+1)
			if err != nil {
				return nil, err
			}
			n.Obj = append(n.Obj, Member{k, v})
		}
		if _, err := dec.Token(); err != nil {
			return nil, syntaxErr(err)
		}
		return n, nil
	}
	return nil, syntaxErr(errors.New("unexpected token"))
}

// Get returns the value of member key of an object node, or nil.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != Object {
		return nil
	}
	for _, m := range n.Obj {
		if m.Key == key {
			return m.Value
		}
	}
	return nil
}

// Has reports whether an object node has member key.
func (n *Node) Has(key string) bool { return n.Get(key) != nil }

// Set replaces the value of member key in place, or appends the member.
func (n *Node) Set(key string, v *Node) {
	for i := range n.Obj {
		if n.Obj[i].Key == key {
			n.Obj[i].Value = v
			return
		}
	}
	n.Obj = append(n.Obj, Member{key, v})
}

// Delete removes member key and returns its value (nil if absent).
func (n *Node) Delete(key string) *Node {
	for i, m := range n.Obj {
		if m.Key == key {
			n.Obj = append(n.Obj[:i], n.Obj[i+1:]...)
			return m.Value
		}
	}
	return nil
}

// Clone returns a deep copy.
func (n *Node) Clone() *Node {
	c := *n
	if n.Arr != nil {
		c.Arr = make([]*Node, len(n.Arr))
		for i, v := range n.Arr {
			c.Arr[i] = v.Clone()
		}
	}
	if n.Obj != nil {
		c.Obj = make([]Member, len(n.Obj))
		for i, m := range n.Obj {
			c.Obj[i] = Member{m.Key, m.Value.Clone()}
		}
	}
	return &c
}

// Equal reports whether two nodes are the same JSON value (numbers compared
// by literal text, object members in order).
func (n *Node) Equal(o *Node) bool {
	if n.Kind != o.Kind {
		return false
	}
	switch n.Kind {
	case Bool:
		return n.Bool == o.Bool
	case Number:
		return n.Num == o.Num
	case String:
		return n.Str == o.Str
	case Array:
		if len(n.Arr) != len(o.Arr) {
			return false
		}
		for i := range n.Arr {
			if !n.Arr[i].Equal(o.Arr[i]) {
				return false
			}
		}
	case Object:
		if len(n.Obj) != len(o.Obj) {
			return false
		}
		for i := range n.Obj {
			if n.Obj[i].Key != o.Obj[i].Key || !n.Obj[i].Value.Equal(o.Obj[i].Value) {
				return false
			}
		}
	}
	return true
}

// AppendJSON appends the compact JSON encoding of n to dst. Strings are
// written with abi.AppendString, numbers with their original literal.
func (n *Node) AppendJSON(dst []byte) []byte {
	switch n.Kind {
	case Null:
		return append(dst, "null"...)
	case Bool:
		return strconv.AppendBool(dst, n.Bool)
	case Number:
		return append(dst, n.Num...)
	case String:
		return abi.AppendString(dst, n.Str)
	case Array:
		dst = append(dst, '[')
		for i, v := range n.Arr {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = v.AppendJSON(dst)
		}
		return append(dst, ']')
	}
	dst = append(dst, '{')
	for i, m := range n.Obj {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = abi.AppendString(dst, m.Key)
		dst = append(dst, ':')
		dst = m.Value.AppendJSON(dst)
	}
	return append(dst, '}')
}

// MarshalJSON returns the compact encoding.
func (n *Node) MarshalJSON() ([]byte, error) { return n.AppendJSON(nil), nil }

// Str returns a String node.
func Str(s string) *Node { return &Node{Kind: String, Str: s} }

// BoolNode returns a Bool node.
func BoolNode(b bool) *Node { return &Node{Kind: Bool, Bool: b} }

// EscapeToken escapes a JSON pointer reference token (RFC 6901): "~" as
// "~0" and "/" as "~1". It is guest.PointerToken, kept under this name for
// the package's callers.
func EscapeToken(s string) string { return guest.PointerToken(s) }

func unescapeToken(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
}

// Resolve returns the node at a JSON pointer (RFC 6901) below n, or nil.
func (n *Node) Resolve(pointer string) *Node {
	if pointer == "" {
		return n
	}
	if pointer[0] != '/' {
		return nil
	}
	cur := n
	for _, tok := range strings.Split(pointer[1:], "/") {
		tok = unescapeToken(tok)
		switch cur.Kind {
		case Object:
			cur = cur.Get(tok)
		case Array:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(cur.Arr) || tok != strconv.Itoa(i) {
				return nil
			}
			cur = cur.Arr[i]
		default:
			return nil
		}
		if cur == nil {
			return nil
		}
	}
	return cur
}

// localRef turns a "$ref" value into a JSON pointer into the same document:
// "#" and "#/..." (percent-decoded, as URI fragments are). ok is false for
// anything else (other documents, anchors).
func localRef(ref string) (pointer string, ok bool) {
	if ref == "" || ref[0] != '#' {
		return "", false
	}
	frag := ref[1:]
	if frag != "" && frag[0] != '/' {
		return "", false
	}
	if !strings.Contains(frag, "%") {
		return frag, true
	}
	var b strings.Builder
	for i := 0; i < len(frag); i++ {
		if frag[i] == '%' && i+2 < len(frag) {
			if v, err := strconv.ParseUint(frag[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		if frag[i] == '%' {
			return "", false
		}
		b.WriteByte(frag[i])
	}
	return b.String(), true
}
