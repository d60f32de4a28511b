package abi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// ExportTextTemplates is optional (ABI 1.4): a function of no parameters
// that returns (as wasmadapt_selftest does) the module's text-delta
// templates, a JSON array of TextTemplate. The host calls it once per
// module, before the module's first transform, and only for a module that
// reports ABI 1.4 or later. abi/README.md, "Text-delta templates (1.4)".
const ExportTextTemplates = "wasmadapt_text_templates_v1"

// The kinds of a Shape.
const (
	// ShapeAny: any value; the module ignores it.
	ShapeAny = "any"
	// ShapeNull: null.
	ShapeNull = "null"
	// ShapeInt: the integer Shape.Int, written without fraction or
	// exponent.
	ShapeInt = "int"
	// ShapeString (ABI 1.6): the string Shape.String, written without
	// escapes (a string that spells it with escapes is no match).
	ShapeString = "string"
	// ShapeText: a string without \u escapes: the text of the event the
	// template emits (TextTemplate.Emit; none when it is empty). Exactly
	// one per template.
	ShapeText = "text"
	// ShapeObject: an object whose members are all named in Shape.Keys,
	// each key at most once, with every key of Shape.Required.
	ShapeObject = "object"
	// ShapeArray: an array of exactly len(Shape.Items) elements, each of
	// its shape.
	ShapeArray = "array"
)

// Shape is a pattern of a JSON value, matched against the host's tape of
// a chunk (see TextTemplate).
type Shape struct {
	Kind     string            `json:"kind"`
	Int      int64             `json:"int,omitempty"`
	String   string            `json:"string,omitempty"`
	Keys     map[string]*Shape `json:"keys,omitempty"`
	Required []string          `json:"required,omitempty"`
	Items    []*Shape          `json:"items,omitempty"`
}

// TextTemplate (ABI 1.4) declares a chunk the module turns into at most
// one event and no state change: when the module's transform state
// equals State, a chunk whose event name is Event and whose data is one
// JSON value matching Data gives the event of the Data's ShapeText string
// (nothing when it is empty): a text-delta of it or, from ABI 1.7, the
// tool-call-delta of tool call Index with it as the arguments' piece
// (Emit). It leaves the state as it is. The host then emits that event
// itself, without calling the module. It is data, not code: the host only
// compares bytes and walks the tape.
type TextTemplate struct {
	// Event is the chunk's event name ("" when it has none).
	Event string `json:"event"`
	// State is the state the template holds for (base64 in JSON); never
	// empty, since a stream's first call carries the context.
	State []byte `json:"state"`
	// StatePrefix (ABI 1.6) makes State a prefix: the template holds for
	// every state that begins with State. The module promises that the
	// bytes after it (say, token counts that vary from stream to stream)
	// do not change what it does with a matching chunk.
	StatePrefix bool `json:"state_prefix,omitempty"`
	// Data is the shape of the chunk's data.
	Data *Shape `json:"data"`
	// Emit (ABI 1.7) is the type of the event the text gives: "" or
	// EventTextDelta (the text-delta of the text), or EventToolCallDelta
	// (the tool-call-delta of tool call Index, the text its piece of the
	// arguments).
	Emit EventType `json:"emit,omitempty"`
	// Index (ABI 1.7) is the tool call's index of a template that emits
	// EventToolCallDelta; zero otherwise.
	Index int `json:"index,omitempty"`
}

// Emitted returns the event the template gives for the text of a matching
// chunk, and false when the text is empty (no event).
func (t *TextTemplate) Emitted(text []byte) (Event, bool) {
	if len(text) == 0 {
		return Event{}, false
	}
	if t.Emit == EventToolCallDelta {
		return Event{Type: EventToolCallDelta, Index: t.Index, Arguments: string(text)}, true
	}
	return Event{Type: EventTextDelta, Text: string(text)}, true
}

// HoldsFor reports whether the template holds for the transform state
// state: state is State or, with StatePrefix, begins with it.
func (t *TextTemplate) HoldsFor(state []byte) bool {
	if t.StatePrefix {
		return bytes.HasPrefix(state, t.State)
	}
	return bytes.Equal(state, t.State)
}

// MaxTextTemplates bounds the templates of one module (from ABI 1.7;
// MaxTextTemplatesBefore17 before it), and MaxTemplateShapes the shapes of
// one template.
const (
	MaxTextTemplates         = 64
	MaxTextTemplatesBefore17 = 16
	MaxTemplateShapes        = 256
)

// DecodeTextTemplates decodes and checks the templates a module of ABI
// minor version minor declares: valid JSON of []TextTemplate, at most
// MaxTextTemplates (MaxTextTemplatesBefore17 before 1.7), each with a
// non-empty state, known shape kinds, exactly one ShapeText, required keys
// among the keys, and at most MaxTemplateShapes shapes. ShapeString and
// StatePrefix are 1.6: from an older module the kind is unknown and
// StatePrefix is refused (a 1.5 host would ignore it and match the state
// exactly). Emit and Index are 1.7, likewise refused from an older module.
func DecodeTextTemplates(b []byte, minor uint8) ([]TextTemplate, error) {
	var ts []TextTemplate
	if err := json.Unmarshal(b, &ts); err != nil {
		return nil, fmt.Errorf("text templates are not a JSON array of templates: %v", err)
	}
	limit := MaxTextTemplates
	if minor < 7 {
		limit = MaxTextTemplatesBefore17
	}
	if len(ts) > limit {
		return nil, fmt.Errorf("%d text templates, more than %d", len(ts), limit)
	}
	for i := range ts {
		t := &ts[i]
		if len(t.State) == 0 {
			return nil, fmt.Errorf("text template %d has an empty state", i)
		}
		if t.StatePrefix && minor < 6 {
			return nil, fmt.Errorf("text template %d has a state prefix, which takes ABI 1.6", i)
		}
		if (t.Emit != "" || t.Index != 0) && minor < 7 {
			return nil, fmt.Errorf("text template %d has an emit or an index, which take ABI 1.7", i)
		}
		switch t.Emit {
		case "", EventTextDelta:
			if t.Index != 0 {
				return nil, fmt.Errorf("text template %d emits %s with index %d: only a tool-call-delta has an index", i, EventTextDelta, t.Index)
			}
		case EventToolCallDelta:
			if t.Index < 0 {
				return nil, fmt.Errorf("text template %d has the negative index %d", i, t.Index)
			}
		default:
			return nil, fmt.Errorf("text template %d emits %q: want %q or %q", i, t.Emit, EventTextDelta, EventToolCallDelta)
		}
		n, texts := 0, 0
		if err := checkShape(ts[i].Data, minor, &n, &texts); err != nil {
			return nil, fmt.Errorf("text template %d: %v", i, err)
		}
		if texts != 1 {
			return nil, fmt.Errorf("text template %d has %d text shapes, want exactly 1", i, texts)
		}
	}
	return ts, nil
}

func checkShape(s *Shape, minor uint8, n, texts *int) error {
	if s == nil {
		return fmt.Errorf("a shape is missing")
	}
	if *n++; *n > MaxTemplateShapes {
		return fmt.Errorf("more than %d shapes", MaxTemplateShapes)
	}
	switch s.Kind {
	case ShapeAny, ShapeNull, ShapeInt:
	case ShapeString:
		if minor < 6 {
			return fmt.Errorf("unknown shape kind %q (ABI 1.6)", s.Kind)
		}
	case ShapeText:
		*texts++
	case ShapeObject:
		for _, k := range s.Required {
			if s.Keys[k] == nil {
				return fmt.Errorf("required key %q is not among the keys", k)
			}
		}
		for _, c := range s.Keys {
			if err := checkShape(c, minor, n, texts); err != nil {
				return err
			}
		}
	case ShapeArray:
		for _, c := range s.Items {
			if err := checkShape(c, minor, n, texts); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("unknown shape kind %q", s.Kind)
	}
	return nil
}

// MatchTextTemplate matches a chunk's data against shape s, walking its
// tape (AppendTape). It reports whether the chunk matches, and then the
// text of the text-delta: the ShapeText string decoded (empty: no event).
// Anything the tape does not describe exactly as the shape says (a
// duplicate key, an unknown key, a \u escape in the text) is no match.
func MatchTextTemplate(s *Shape, data, tape []byte) (text []byte, ok bool) {
	t := Tape(tape)
	if t.Len() == 0 {
		return nil, false
	}
	m := matcher{data: data, t: t}
	next, ok := m.match(s, 0)
	if !ok || next != t.Len() || !m.found {
		return nil, false
	}
	return m.text, true
}

// MatchTemplateSkeleton reports whether a chunk's data matches shape s
// with every ShapeInt taken as any integer: whether some template that
// differs from s only in its integers could match it. A host uses it to
// find the chunks of a batch worth checking once the state is known.
func MatchTemplateSkeleton(s *Shape, data, tape []byte) bool {
	t := Tape(tape)
	if t.Len() == 0 {
		return false
	}
	m := matcher{data: data, t: t, anyInt: true}
	next, ok := m.match(s, 0)
	return ok && next == t.Len() && m.found
}

type matcher struct {
	data   []byte
	t      Tape
	text   []byte
	found  bool
	anyInt bool // ShapeInt matches any integer (MatchTemplateSkeleton)
}

// match matches entry i against s and returns the index after the value.
func (m *matcher) match(s *Shape, i int) (int, bool) {
	if i >= m.t.Len() {
		return 0, false
	}
	kind, pos, aux := m.t.Entry(i)
	next := i + 1
	if kind == TapeObject || kind == TapeArray {
		next = int(aux)
	}
	switch s.Kind {
	case ShapeAny:
		return next, kind != TapeEnd
	case ShapeNull:
		return next, kind == TapeNull
	case ShapeInt:
		if kind != TapeNumber || aux&TapeInteger == 0 {
			return 0, false
		}
		if m.anyInt {
			return next, true
		}
		v, err := strconv.ParseInt(string(m.data[pos:aux&TapeOffsetMask]), 10, 64)
		return next, err == nil && v == s.Int
	case ShapeString:
		return next, kind == TapeString && aux&(TapeEscaped|TapeUnicodeEscaped) == 0 &&
			string(m.data[pos+1:aux&TapeOffsetMask-1]) == s.String
	case ShapeText:
		if kind != TapeString || aux&TapeUnicodeEscaped != 0 {
			return 0, false
		}
		raw := m.data[pos+1 : aux&TapeOffsetMask-1]
		if aux&TapeEscaped != 0 && !m.anyInt {
			raw = unescapeSimple(raw)
		}
		m.text, m.found = raw, true
		return next, true
	case ShapeObject:
		if kind != TapeObject {
			return 0, false
		}
		// The keys seen so far alias the data; the array keeps the
		// usual few of them off the heap (the match runs per chunk).
		var seenArr [8][]byte
		seen := seenArr[:0]
		j := i + 1
		for j < next-1 {
			kk, kpos, kaux := m.t.Entry(j)
			if kk != TapeString || kaux&TapeEscaped != 0 {
				return 0, false
			}
			key := m.data[kpos+1 : kaux&TapeOffsetMask-1]
			cs := s.Keys[string(key)]
			if cs == nil {
				return 0, false
			}
			for _, k := range seen {
				if bytes.Equal(k, key) {
					return 0, false
				}
			}
			seen = append(seen, key)
			var ok bool
			if j, ok = m.match(cs, j+1); !ok {
				return 0, false
			}
		}
		for _, r := range s.Required {
			found := false
			for _, k := range seen {
				found = found || string(k) == r
			}
			if !found {
				return 0, false
			}
		}
		return next, true
	case ShapeArray:
		if kind != TapeArray {
			return 0, false
		}
		j := i + 1
		for _, cs := range s.Items {
			if j >= next-1 {
				return 0, false
			}
			var ok bool
			if j, ok = m.match(cs, j); !ok {
				return 0, false
			}
		}
		return next, j == next-1
	}
	return 0, false
}

// unescapeSimple decodes the backslash escapes of a string literal that
// has no \u escape (the tape checked every escape).
func unescapeSimple(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' || i+1 == len(raw) {
			out = append(out, c)
			continue
		}
		i++
		switch raw[i] {
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 't':
			c = '\t'
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		default: // '"', '\\', '/'
			c = raw[i]
		}
		out = append(out, c)
	}
	return out
}
