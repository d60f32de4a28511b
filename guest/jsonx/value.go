package jsonx

import "github.com/wasmadapt/wasmadapt/abi"

// Value is one JSON value, backed either by its bytes or by a tape the
// host computed (ABI 1.1, abi/tape.go). Adapter code written against Value
// and the iterators runs unchanged on both: tape-backed, a value's kind,
// extent, string content and members are known in O(1) without scanning a
// byte, and skipping a subtree costs nothing; byte-backed, the iterators
// validate as they go, exactly as Object and Array do.
//
// The zero Value is "absent": Exists reports false, Kind is KindInvalid,
// IsNull is false and every accessor fails with ErrType.
type Value struct {
	// b: byte-backed, the value's bytes; tape-backed, the whole document.
	b []byte
	// t: the tape, nil for a byte-backed value.
	t []byte
	// i: tape-backed, the value's entry.
	i int
	// trusted: byte-backed bytes that an iterator already validated.
	trusted bool
}

// Doc returns the JSON document data as a Value: tape-backed when tape is
// the non-empty tape the host sent with data (abi.Chunk.Tape), byte-backed
// otherwise. A transform reads each chunk as
//
//	v := jsonx.Doc(c.Data, c.Tape)
//	it := v.Object()
//	for it.Next() { ... it.KeyIs("choices") ... it.Val() ... }
//	if err := it.Err(); err != nil { ... } // only byte-backed values fail
//
// Offsets an iterator reports (ObjectIter.Offset) are byte offsets in data
// either way; Raw of a byte-backed document includes the whitespace around
// it. A non-empty tape means the host validated data as one JSON value, so a
// tape-backed document never yields ErrSyntax; only ErrType (data is JSON
// of another kind) remains. A byte-backed document is validated lazily by
// its iterators, as with Object.
func Doc(data, tape []byte) Value {
	if len(tape) >= abi.TapeEntrySize {
		return Value{b: data, t: tape}
	}
	// Not trimmed: iterator offsets are offsets in data either way.
	return Value{b: data}
}

// Bytes returns a byte-backed Value for v (without the whitespace around
// it), validated lazily by its iterators and accessors.
func Bytes(v []byte) Value {
	if t := trim(v); len(t) > 0 || v == nil {
		return Value{b: t}
	}
	return Value{b: v[:0]}
}

// tapeEntry reads entry i of t; kind 0 when i is out of range, so that a
// malformed tape reads as nothing rather than panicking.
func tapeEntry(t []byte, i int) (k abi.TapeKind, pos, aux uint32) {
	if uint(i) >= uint(len(t)/abi.TapeEntrySize) {
		return 0, 0, 0
	}
	e := load64(t, i*abi.TapeEntrySize)
	return abi.TapeKind(uint32(e) >> 28), uint32(e) & abi.TapeOffsetMask, uint32(e >> 32)
}

// span returns b[lo:hi], or nil when the range is not inside b.
func span(b []byte, lo, hi uint32) []byte {
	if lo > hi || int(hi) > len(b) {
		return nil
	}
	return b[lo:hi]
}

// tapeSpan returns the raw bytes of the value at entry i of t over the
// document b, and the index of the entry after it.
func tapeSpan(b, t []byte, i int) (raw []byte, next int) {
	k, pos, aux := tapeEntry(t, i)
	switch k {
	case abi.TapeObject, abi.TapeArray:
		next = int(aux)
		if next <= i+1 {
			return nil, len(t) / abi.TapeEntrySize // malformed: stop
		}
		_, end, _ := tapeEntry(t, next-1)
		return span(b, pos, end+1), next
	case 0, abi.TapeEnd:
		return nil, len(t) / abi.TapeEntrySize
	}
	return span(b, pos, aux&abi.TapeOffsetMask), i + 1
}

// Exists reports whether v is a value (not the zero Value).
func (v Value) Exists() bool { return v.b != nil }

// Tape reports whether v is tape-backed.
func (v Value) Tape() bool { return v.t != nil }

// Kind returns v's kind; KindInvalid for the zero Value. Byte-backed, it is
// judged from the first byte, as KindOf does.
func (v Value) Kind() Kind {
	if v.t != nil {
		return tapeKind(v.t, v.i)
	}
	return KindOf(v.b)
}

// tapeKind returns the JSON kind of entry i: the top four bits of word 0,
// read as one byte (small enough to inline: calls are what a Go guest
// pays for most in Wasm).
func tapeKind(t []byte, i int) Kind {
	if o := i*abi.TapeEntrySize + 3; uint(o) < uint(len(t)) {
		return tapeKinds[t[o]>>4]
	}
	return KindInvalid
}

// tapeKinds maps a tape entry kind to a JSON kind (END and unknown kinds
// are KindInvalid).
var tapeKinds = [16]Kind{KindInvalid, KindNull, KindFalse, KindTrue, KindNumber, KindString, KindObject, KindArray}

// Raw returns v's bytes (without surrounding whitespace when tape-backed or
// taken from an iterator).
func (v Value) Raw() []byte {
	if v.t == nil {
		return v.b
	}
	raw, _ := tapeSpan(v.b, v.t, v.i)
	return raw
}

// IsNull reports whether v is the literal null.
func (v Value) IsNull() bool {
	if v.t != nil {
		return tapeKind(v.t, v.i) == KindNull
	}
	return v.b != nil && IsNull(v.b)
}

// Str returns the raw content of the string v (between the quotes, escapes
// not decoded); see Str.
func (v Value) Str() ([]byte, error) {
	if v.t == nil {
		if v.trusted {
			return trustedStr(v.b)
		}
		return Str(v.b)
	}
	return tapeStr(v.b, v.t, v.i)
}

// tapeStr returns the raw content of the string at entry i.
func tapeStr(b, t []byte, i int) ([]byte, error) {
	k, pos, aux := tapeEntry(t, i)
	if k != abi.TapeString {
		return nil, ErrType
	}
	return span(b, pos+1, aux&abi.TapeOffsetMask-1), nil
}

// StrOrNull is Str that also accepts null, returning nil content for it.
func (v Value) StrOrNull() (raw []byte, null bool, err error) {
	if v.IsNull() {
		return nil, true, nil
	}
	raw, err = v.Str()
	return raw, false, err
}

// Literal returns the string v as its raw JSON literal, quotes included,
// when that literal can be copied into JSON output as is: v is a string
// whose escapes (if any) are all short ones (\n, \", \\ ...), which every
// JSON parser decodes the same way. ok is false for other values, and for
// strings with \u escapes, which an adapter decodes with Unescape instead
// (a lone surrogate's decoding differs between parsers). Copying literals
// is how an adapter passes text through without decoding and re-encoding
// it: the host re-parses every event anyway.
func (v Value) Literal() (lit []byte, ok bool) {
	if v.t != nil {
		k, pos, aux := tapeEntry(v.t, v.i)
		if k != abi.TapeString || aux&abi.TapeUnicodeEscaped != 0 {
			return nil, false
		}
		lit = span(v.b, pos, aux&abi.TapeOffsetMask)
		return lit, len(lit) >= 2
	}
	raw, err := v.Str()
	if err != nil {
		return nil, false
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] == '\\' {
			if i+1 < len(raw) && raw[i+1] == 'u' {
				return nil, false
			}
			i++
		}
	}
	return trim(v.b), true
}

// Int returns the integer v; see Int.
func (v Value) Int() (int64, error) {
	if v.t == nil {
		return Int(v.b)
	}
	if v.Kind() != KindNumber {
		return 0, ErrType
	}
	return Int(v.Raw())
}

// Bool returns the boolean v.
func (v Value) Bool() (bool, error) {
	if v.t == nil {
		return Bool(v.b)
	}
	switch v.Kind() {
	case KindTrue:
		return true, nil
	case KindFalse:
		return false, nil
	}
	return false, ErrType
}

// Object returns an iterator over the object v; see ObjectIter. For a
// value that is not an object, Next returns false and Err is ErrType.
func (v Value) Object() ObjectIter {
	if v.t != nil {
		return ObjectIter{cursor: cursor{b: v.b, t: v.t, ti: v.i}}
	}
	return ObjectIter{cursor: cursor{b: v.b, trusted: v.trusted}}
}

// Array returns an iterator over the array v; see ArrayIter.
func (v Value) Array() ArrayIter {
	if v.t != nil {
		return ArrayIter{cursor{b: v.b, t: v.t, ti: v.i}, -1}
	}
	return ArrayIter{cursor{b: v.b, trusted: v.trusted}, -1}
}

// Lookup returns the value of the first member named key of the object v;
// see Lookup.
func (v Value) Lookup(key string) (Value, bool, error) {
	it := v.Object()
	for it.Next() {
		if it.KeyIs(key) {
			return it.Val(), true, nil
		}
	}
	return Value{}, false, it.Err()
}

// Val returns the current member's value, or the current element, as a
// Value (tape-backed when the iterator is).
func (c *cursor) Val() Value {
	if c.t != nil {
		if c.state != 1 {
			return Value{}
		}
		return Value{b: c.b, t: c.t, i: c.vi}
	}
	if c.val == nil {
		return Value{}
	}
	return Value{b: c.val, trusted: true}
}

// tapeEnter starts a tape-backed iteration over a container of kind k: it
// moves into the container (state 1) or, when entry ti is no such
// container, fails with ErrType. In state 2 it reports false.
func (c *cursor) tapeEnter(k abi.TapeKind) bool {
	if c.state == 2 {
		return false
	}
	kind, pos, aux := tapeEntry(c.t, c.ti)
	if kind != k {
		return c.fail(ErrType, int(pos))
	}
	c.state = 1
	// A corrupted tape's end index must not outrun the tape.
	c.tend = min(int(aux)-1, len(c.t)/abi.TapeEntrySize)
	c.ti++
	return true
}

// tapeAfter returns the entry after the value at entry i of t, a member
// of a container whose end entry is tend: a container's entry names the
// entry after it; a malformed entry stops the iteration (tend).
func tapeAfter(t []byte, i, tend int) int {
	if uint(i) >= uint(len(t)/abi.TapeEntrySize) {
		return tend
	}
	e := load64(t, i*abi.TapeEntrySize)
	k, next := abi.TapeKind(uint32(e)>>28), int(e>>32)
	if k > 0 && k < abi.TapeObject {
		return i + 1
	}
	if k > abi.TapeArray || next <= i+1 {
		return tend
	}
	return next
}

// Next advances to the next field and reports whether there is one.
func (it *ObjectIter) Next() bool {
	if it.t == nil {
		return it.nextBytes()
	}
	if it.state != 1 && !it.tapeEnter(abi.TapeObject) || it.ti >= it.tend {
		it.state, it.klen = 2, -2
		return false
	}
	it.ki = it.ti
	_, pos, aux := tapeEntry(it.t, it.ki)
	it.klen = int(aux&abi.TapeOffsetMask) - int(pos) - 2
	if aux&abi.TapeEscaped != 0 {
		it.klen = -1
	}
	it.vi = it.ti + 1
	it.ti = tapeAfter(it.t, it.vi, it.tend)
	return true
}

// Next advances to the next element and reports whether there is one.
func (it *ArrayIter) Next() bool {
	if it.t == nil {
		return it.nextBytes()
	}
	if it.state != 1 && !it.tapeEnter(abi.TapeArray) || it.ti >= it.tend {
		it.state = 2
		return false
	}
	it.vi = it.ti
	it.ti = tapeAfter(it.t, it.vi, it.tend)
	it.n++
	return true
}
