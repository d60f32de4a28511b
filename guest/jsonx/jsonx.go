// Package jsonx is a strict, zero-allocation JSON reader for the per-chunk
// hot path of Go adapter guests.
//
// It never builds a tree. A JSON value is handled as the slice of its raw
// bytes: iterate an object's fields with ObjectIter, an array's elements with
// ArrayIter, look a key up with Lookup, and read a scalar with Str, Unescape,
// AppendUnescaped, Int, Bool or IsNull. Every value an iterator returns has
// been fully validated (strings, escapes, UTF-8, numbers, nesting), and the
// container is checked up to its closing bracket, so walking a document with
// the iterators validates it. Malformed input is an error (ErrSyntax and
// friends), never a panic; nesting deeper than MaxDepth is ErrDepth.
//
// Nothing in this package allocates: errors are sentinels, iterators are
// plain values, and unescaping appends into a buffer the caller owns.
// Valid is a strict RFC 8259 validator (invalid UTF-8 is refused).
//
// Two writers complete the reader for append-style encoders of provider
// bodies: AppendString and AppendCompact write exactly the bytes
// encoding/json writes (with or without its HTML escaping).
//
// # Tapes: reading a chunk without scanning it
//
// A Go guest scans bytes about ten times slower in Wasm than natively. Since
// ABI 1.1 the host can send each transform chunk with a tape (abi/tape.go):
// its native tokenization, one entry per JSON value with offsets and
// subtree sizes. A Value reads either form behind one API, so an adapter
// uses the tape with two changes:
//
//  1. import _ "github.com/wasmadapt/wasmadapt/guest/jsonx/usetape" (the
//     module opts in; without it the host sends no tapes), and
//  2. read each chunk as jsonx.Doc(c.Data, c.Tape) and pass jsonx.Value
//     around instead of []byte: Value.Object, Value.Array, ObjectIter.Val,
//     Value.Kind, Value.Str, Value.Int, Value.Lookup.
//
// The same code runs natively in tests (c.Tape empty: byte-backed, validated
// as it is iterated) and in the module (tape-backed: no scanning, no
// validation, subtrees skipped in one step). When a chunk has no tape
// (not JSON, like "[DONE]"), Doc is byte-backed there too. To copy text
// into an event without decoding and re-encoding it, use Value.Literal and
// guest.Output.EmitRaw. Tests should run an adapter both ways and compare
// the events once parsed (see adapters-wasm/internal/chatcompletions).
//
// In a Wasm guest every function call is expensive, more than the work of
// a short loop: prefer KeyIs chains over ObjectIter (KeyIs rejects most
// keys inline), test Exists before calling a helper on a value that is
// usually absent, and read members through the iterator rather than
// through Lookup for each key.
package jsonx

import (
	"errors"
	"unicode/utf8"

	"github.com/wasmadapt/wasmadapt/abi"
)

// MaxDepth is the deepest nesting of arrays and objects the reader accepts.
const MaxDepth = 512

// The errors the reader returns. They are sentinels so that returning one
// does not allocate; compare with errors.Is.
var (
	// ErrSyntax: the bytes are not JSON (bad token, truncated value,
	// invalid escape or UTF-8, trailing bytes after the value).
	ErrSyntax = errors.New("jsonx: malformed JSON")
	// ErrType: the value is well-formed but not of the kind asked for.
	ErrType = errors.New("jsonx: JSON value has another type")
	// ErrRange: an integer does not fit an int64.
	ErrRange = errors.New("jsonx: integer out of range")
	// ErrDepth: arrays and objects are nested deeper than MaxDepth.
	ErrDepth = errors.New("jsonx: JSON nested too deeply")
)

// Kind is the kind of a JSON value, known from its first byte.
type Kind uint8

// The kinds of JSON values.
const (
	KindInvalid Kind = iota
	KindNull
	KindFalse
	KindTrue
	KindNumber
	KindString
	KindObject
	KindArray
)

// KindOf returns the kind of the value v starts with (after whitespace),
// judged by its first byte only; use Valid to check the whole value.
func KindOf(v []byte) Kind {
	for _, c := range v {
		if c > ' ' || !isWS(c) {
			return kindByte[c]
		}
	}
	return KindInvalid
}

// kindByte is the kind each first byte of a value announces.
var kindByte = func() (t [256]Kind) {
	t['n'], t['f'], t['t'], t['"'], t['{'], t['['], t['-'] = KindNull, KindFalse, KindTrue, KindString, KindObject, KindArray, KindNumber
	for c := '0'; c <= '9'; c++ {
		t[c] = KindNumber
	}
	return t
}()

func isWS(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

func skipWS(b []byte, i int) int {
	for i < len(b) && isWS(b[i]) {
		i++
	}
	return i
}

// trim removes JSON whitespace around v.
func trim(v []byte) []byte {
	i := skipWS(v, 0)
	j := len(v)
	for j > i && isWS(v[j-1]) {
		j--
	}
	return v[i:j]
}

// Valid reports whether b is exactly one well-formed JSON value (surrounding
// whitespace allowed), with valid UTF-8 in every string.
func Valid(b []byte) bool {
	end, err := Skip(b, 0)
	return err == nil && skipWS(b, end) == len(b)
}

// Skip skips whitespace and then one JSON value starting at offset i of b,
// validating it, and returns the offset just past the value.
func Skip(b []byte, i int) (end int, err error) {
	if i < 0 || i > len(b) {
		return i, ErrSyntax
	}
	return skipValue(b, skipWS(b, i), 0)
}

// skipValue skips the value starting exactly at i (no leading whitespace).
func skipValue(b []byte, i, depth int) (int, error) {
	if i >= len(b) {
		return i, ErrSyntax
	}
	switch c := b[i]; c {
	case '"':
		return skipString(b, i)
	case '{':
		return skipObject(b, i, depth+1)
	case '[':
		return skipArray(b, i, depth+1)
	case 't':
		return skipLit(b, i, "true")
	case 'f':
		return skipLit(b, i, "false")
	case 'n':
		return skipLit(b, i, "null")
	default:
		return skipNumber(b, i)
	}
}

func skipLit(b []byte, i int, lit string) (int, error) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, ErrSyntax
	}
	return i + len(lit), nil
}

// skipNumber validates the RFC 8259 number grammar
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func skipNumber(b []byte, i int) (int, error) {
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return i, ErrSyntax
	}
	switch {
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		for i++; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
	default:
		return i, ErrSyntax
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return i, ErrSyntax
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return i, ErrSyntax
		}
	}
	return i, nil
}

// plain marks the bytes that stand for themselves inside a string: ASCII,
// not a control character, quote or backslash.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// skipString validates the string literal starting at the quote at i and
// returns the offset past its closing quote.
func skipString(b []byte, i int) (int, error) {
	i++
	for i < len(b) {
		// Fast path: a run of plain ASCII bytes.
		for i < len(b) && plain[b[i]] {
			i++
		}
		if i >= len(b) {
			break
		}
		c := b[i]
		switch {
		case c == '"':
			return i + 1, nil
		case c == '\\':
			if i+1 >= len(b) {
				return i, ErrSyntax
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(b)-i < 6 || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return i, ErrSyntax
				}
				i += 6
			default:
				return i, ErrSyntax
			}
		case c < 0x20:
			return i, ErrSyntax
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return i, ErrSyntax
			}
			i += size
		}
	}
	return i, ErrSyntax
}

func skipObject(b []byte, i, depth int) (int, error) {
	if depth > MaxDepth {
		return i, ErrDepth
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return i, ErrSyntax
		}
		var err error
		if i, err = skipString(b, i); err != nil {
			return i, err
		}
		i = skipWS(b, i)
		if i >= len(b) || b[i] != ':' {
			return i, ErrSyntax
		}
		if i, err = skipValue(b, skipWS(b, i+1), depth); err != nil {
			return i, err
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return i, ErrSyntax
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case '}':
			return i + 1, nil
		default:
			return i, ErrSyntax
		}
	}
}

func skipArray(b []byte, i, depth int) (int, error) {
	if depth > MaxDepth {
		return i, ErrDepth
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, nil
	}
	for {
		var err error
		if i, err = skipValue(b, i, depth); err != nil {
			return i, err
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return i, ErrSyntax
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case ']':
			return i + 1, nil
		default:
			return i, ErrSyntax
		}
	}
}

// ObjectIter iterates the fields of one JSON object without building
// anything. Use it as
//
//	it := jsonx.Object(v)
//	for it.Next() {
//		switch {
//		case it.KeyIs("id"):
//			...it.Value()...
//		}
//	}
//	if err := it.Err(); err != nil { ... }
//
// Each Value is validated before Next returns true; once Next returns false
// without an error, the whole object (and nothing but whitespace after it)
// was well-formed.
type ObjectIter struct {
	b     []byte
	i     int
	depth int
	key   []byte
	val   []byte
	err   error
	state uint8 // 0 before '{', 1 inside, 2 done
	// trusted: the bytes were validated by a parent iterator, so fields
	// are found by a fast structural scan.
	trusted bool
	keyEsc  bool // the current key has an escape
	// Tape-backed iteration (t != nil): b is the whole document, ti the
	// next entry, tend the container's end entry, ki and vi the current
	// key's and value's entries. key and val stay nil: Key, KeyIs and
	// Value read the entries, so Next only moves indices.
	t                []byte
	ti, tend, ki, vi int
	// klen is the current key's length when it has no escape, -1 when it
	// has, -2 when there is no current key: KeyIs rejects most keys on it
	// without a call.
	klen int
}

// Object returns an iterator over the object v (whitespace around it is
// allowed). If v is not an object, Next returns false and Err is ErrType
// (or ErrSyntax for bytes that are no JSON value).
func Object(v []byte) ObjectIter { return ObjectIter{b: v} }

// TrustedObject is Object for bytes already validated by this package: a
// Value returned by an iterator, or bytes Valid accepted. It skips nested
// values by a fast structural scan instead of validating them again. On
// other bytes it never panics, but what it returns is unspecified.
func TrustedObject(v []byte) ObjectIter { return ObjectIter{b: v, trusted: true} }

// TrustedArray is Array for bytes already validated; see TrustedObject.
func TrustedArray(v []byte) ArrayIter { return ArrayIter{b: v, n: -1, trusted: true} }

// nextBytes is Next over bytes.
func (it *ObjectIter) nextBytes() bool {
	b := it.b
	switch it.state {
	case 2:
		return false
	case 0:
		i := skipWS(b, 0)
		if i >= len(b) || b[i] != '{' {
			return it.fail(typeOrSyntax(b, i), i)
		}
		it.state = 1
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == '}' {
			return it.finish(i + 1)
		}
		it.i = i
	default:
		i := skipWS(b, it.i)
		if i >= len(b) {
			return it.fail(ErrSyntax, i)
		}
		switch b[i] {
		case ',':
			it.i = skipWS(b, i+1)
		case '}':
			return it.finish(i + 1)
		default:
			return it.fail(ErrSyntax, i)
		}
	}
	i := it.i
	if i >= len(b) || b[i] != '"' {
		return it.fail(ErrSyntax, i)
	}
	var end int
	var err error
	if it.trusted {
		if end = fastString(b, i); end-1 < i+1 {
			return it.fail(ErrSyntax, end)
		}
	} else if end, err = skipString(b, i); err != nil {
		return it.fail(err, end)
	}
	it.key = b[i+1 : end-1]
	it.keyEsc = HasEscape(it.key)
	it.klen = len(it.key)
	if it.keyEsc {
		it.klen = -1
	}
	i = skipWS(b, end)
	if i >= len(b) || b[i] != ':' {
		return it.fail(ErrSyntax, i)
	}
	i = skipWS(b, i+1)
	if it.trusted {
		end = fastSkip(b, i)
	} else if end, err = skipValue(b, i, it.depth+1); err != nil {
		return it.fail(err, end)
	}
	it.val = b[i:end]
	it.i = end
	return true
}

func typeOrSyntax(b []byte, i int) error {
	if i < len(b) && KindOf(b[i:]) != KindInvalid {
		if end, err := skipValue(b, i, 0); err == nil && skipWS(b, end) == len(b) {
			return ErrType
		}
	}
	return ErrSyntax
}

func (it *ObjectIter) fail(err error, at int) bool {
	it.err, it.i, it.state, it.klen = err, at, 2, -2
	it.key, it.val = nil, nil
	return false
}

func (it *ObjectIter) finish(end int) bool {
	it.key, it.val = nil, nil
	it.state, it.klen = 2, -2
	if skipWS(it.b, end) != len(it.b) {
		it.err, it.i = ErrSyntax, end
		return false
	}
	it.i = end
	return false
}

// Key returns the current key's raw bytes, escapes included, without the
// quotes.
func (it *ObjectIter) Key() []byte {
	if it.t != nil && it.state == 1 {
		_, pos, aux := tapeEntry(it.t, it.ki)
		return span(it.b, pos+1, aux&abi.TapeOffsetMask-1)
	}
	return it.key
}

// KeyIs reports whether the current key, unescaped, equals k.
func (it *ObjectIter) KeyIs(k string) bool {
	if it.klen != len(k) && it.klen != -1 {
		return false // the common case, decided inline
	}
	return it.keyIs(k)
}

func (it *ObjectIter) keyIs(k string) bool {
	if it.t != nil {
		if it.state != 1 {
			return false
		}
		_, pos, aux := tapeEntry(it.t, it.ki)
		key := span(it.b, pos+1, aux&abi.TapeOffsetMask-1)
		if aux&abi.TapeEscaped != 0 {
			return rawEquals(key, k)
		}
		// A byte loop, not ==: keys are short, and runtime.memequal is
		// two calls a Wasm guest pays dearly for.
		if len(key) != len(k) {
			return false
		}
		for i := range len(k) {
			if key[i] != k[i] {
				return false
			}
		}
		return true
	}
	if it.state != 1 {
		return false
	}
	if !it.keyEsc {
		return string(it.key) == k
	}
	return rawEquals(it.key, k)
}

// Value returns the current value's raw bytes (no surrounding whitespace).
func (it *ObjectIter) Value() []byte {
	if it.t != nil && it.state == 1 {
		raw, _ := tapeSpan(it.b, it.t, it.vi)
		return raw
	}
	return it.val
}

// Err returns the error that stopped the iteration, or nil.
func (it *ObjectIter) Err() error { return it.err }

// ValueObject returns an iterator over the current value, which must be an
// object (else its Err is ErrType). The value was validated by Next, so the
// child iterator does not validate it again: prefer it to Object(Value()).
func (it *ObjectIter) ValueObject() ObjectIter { return it.Val().Object() }

// ValueArray returns an iterator over the current value, which must be an
// array; see ValueObject.
func (it *ObjectIter) ValueArray() ArrayIter { return it.Val().Array() }

// ValueStr returns the raw content of the current value if it is a string
// (see Str), without validating it again.
func (it *ObjectIter) ValueStr() ([]byte, error) {
	if it.t != nil {
		return tapeStr(it.b, it.t, it.vi)
	}
	return trustedStr(it.val)
}

// Offset returns the byte offset in the iterated value where the iterator
// stands; after an error, where the error was found.
func (it *ObjectIter) Offset() int {
	if it.t != nil && it.state == 1 {
		_, pos, _ := tapeEntry(it.t, it.ki)
		return int(pos)
	}
	return it.i
}

// ArrayIter iterates the elements of one JSON array; see ObjectIter.
type ArrayIter struct {
	b       []byte
	i       int
	n       int
	val     []byte
	err     error
	state   uint8
	trusted bool
	// Tape-backed iteration; see ObjectIter (val stays nil).
	t            []byte
	ti, tend, vi int
}

// Array returns an iterator over the array v (whitespace around it is
// allowed). If v is not an array, Next returns false and Err is ErrType (or
// ErrSyntax).
func Array(v []byte) ArrayIter { return ArrayIter{b: v, n: -1} }

// nextBytes is Next over bytes.
func (it *ArrayIter) nextBytes() bool {
	b := it.b
	switch it.state {
	case 2:
		return false
	case 0:
		i := skipWS(b, 0)
		if i >= len(b) || b[i] != '[' {
			return it.fail(typeOrSyntax(b, i), i)
		}
		it.state = 1
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == ']' {
			return it.finish(i + 1)
		}
		it.i = i
	default:
		i := skipWS(b, it.i)
		if i >= len(b) {
			return it.fail(ErrSyntax, i)
		}
		switch b[i] {
		case ',':
			it.i = skipWS(b, i+1)
		case ']':
			return it.finish(i + 1)
		default:
			return it.fail(ErrSyntax, i)
		}
	}
	var end int
	if it.trusted {
		end = fastSkip(b, it.i)
	} else {
		var err error
		if end, err = skipValue(b, it.i, 1); err != nil {
			return it.fail(err, end)
		}
	}
	it.val = b[it.i:end]
	it.i = end
	it.n++
	return true
}

func (it *ArrayIter) fail(err error, at int) bool {
	it.err, it.i, it.state, it.val = err, at, 2, nil
	return false
}

func (it *ArrayIter) finish(end int) bool {
	it.val, it.state = nil, 2
	if skipWS(it.b, end) != len(it.b) {
		it.err, it.i = ErrSyntax, end
		return false
	}
	it.i = end
	return false
}

// Value returns the current element's raw bytes (no surrounding whitespace).
func (it *ArrayIter) Value() []byte {
	if it.t != nil && it.state == 1 {
		raw, _ := tapeSpan(it.b, it.t, it.vi)
		return raw
	}
	return it.val
}

// Index returns the current element's position, from 0.
func (it *ArrayIter) Index() int { return it.n }

// Err returns the error that stopped the iteration, or nil.
func (it *ArrayIter) Err() error { return it.err }

// ValueObject returns an iterator over the current element, which must be
// an object; see ObjectIter.ValueObject.
func (it *ArrayIter) ValueObject() ObjectIter { return it.Val().Object() }

// ValueArray returns an iterator over the current element, which must be an
// array; see ObjectIter.ValueObject.
func (it *ArrayIter) ValueArray() ArrayIter { return it.Val().Array() }

// ValueStr returns the raw content of the current element if it is a
// string; see ObjectIter.ValueStr.
func (it *ArrayIter) ValueStr() ([]byte, error) {
	if it.t != nil {
		return tapeStr(it.b, it.t, it.vi)
	}
	return trustedStr(it.val)
}

func trustedStr(v []byte) ([]byte, error) {
	if len(v) < 2 || v[0] != '"' {
		return nil, ErrType
	}
	return v[1 : len(v)-1], nil
}

// fastString returns the offset past the string starting at the quote at i
// of already validated bytes.
func fastString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '"':
			return i + 1
		case '\\':
			i++
		}
	}
	return len(b)
}

// fastSkip returns the offset past the value starting at i of already
// validated bytes.
func fastSkip(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return fastString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = fastString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	}
	for ; i < len(b); i++ {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
	}
	return i
}

// Lookup returns the raw value of the first field named key in the object
// obj. It validates the object up to that field only; found is false when
// the object has no such field (err is then nil only if the whole object was
// well-formed).
func Lookup(obj []byte, key string) (v []byte, found bool, err error) {
	it := Object(obj)
	for it.Next() {
		if it.KeyIs(key) {
			return it.Value(), true, nil
		}
	}
	return nil, false, it.Err()
}

// Str returns the raw content of the string value v (between the quotes,
// escapes not decoded). It fails with ErrType if v is another kind of value.
func Str(v []byte) ([]byte, error) {
	v = trim(v)
	if len(v) == 0 || v[0] != '"' {
		return nil, typeOrSyntax(v, 0)
	}
	end, err := skipString(v, 0)
	if err != nil {
		return nil, err
	}
	if end != len(v) {
		return nil, ErrSyntax
	}
	return v[1 : end-1], nil
}

// StrOrNull is Str that also accepts null, returning nil content for it.
func StrOrNull(v []byte) (raw []byte, null bool, err error) {
	if IsNull(v) {
		return nil, true, nil
	}
	raw, err = Str(v)
	return raw, false, err
}

// AppendUnescaped appends the decoded text of the string value v to dst.
func AppendUnescaped(dst, v []byte) ([]byte, error) {
	raw, err := Str(v)
	if err != nil {
		return dst, err
	}
	return Unescape(dst, raw)
}

// HasEscape reports whether the raw string content has a backslash escape.
func HasEscape(raw []byte) bool {
	for _, c := range raw {
		if c == '\\' {
			return true
		}
	}
	return false
}

func hexVal(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c - 'a' + 10)
	case c >= 'A' && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		h := hexVal(c)
		if h < 0 {
			return -1
		}
		r = r<<4 | h
	}
	return r
}

// Unescape appends the decoded form of raw string content (as returned by
// Str or ObjectIter.Key) to dst. A \u escape of a lone surrogate decodes to
// U+FFFD, as encoding/json does. Content that is not valid string content
// (bad escape, control character, invalid UTF-8) is ErrSyntax.
func Unescape(dst, raw []byte) ([]byte, error) {
	start := 0
	for i := 0; i < len(raw); {
		c := raw[i]
		if c < 0x20 || c == '"' {
			return dst, ErrSyntax
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 {
				return dst, ErrSyntax
			}
			i += size
			continue
		}
		if c != '\\' {
			i++
			continue
		}
		dst = append(dst, raw[start:i]...)
		if i+1 >= len(raw) {
			return dst, ErrSyntax
		}
		switch e := raw[i+1]; e {
		case '"', '\\', '/':
			dst = append(dst, e)
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(raw[i+2:])
			if r < 0 {
				return dst, ErrSyntax
			}
			i += 6
			if r >= 0xD800 && r < 0xDC00 {
				// A high surrogate must pair with a following low one.
				if i+1 < len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					if r2 := hex4(raw[i+2:]); r2 >= 0xDC00 && r2 < 0xE000 {
						r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
						i += 6
					} else {
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			} else if r >= 0xDC00 && r < 0xE000 {
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
			start = i
			continue
		default:
			return dst, ErrSyntax
		}
		i += 2
		start = i
	}
	return append(dst, raw[start:]...), nil
}

// rawEquals reports whether raw string content, unescaped, equals s,
// without allocating.
func rawEquals(raw []byte, s string) bool {
	if !HasEscape(raw) {
		return string(raw) == s
	}
	var buf [64]byte
	if len(raw) > len(buf) {
		// A key with escapes longer than the buffer: compare by decoding
		// rune by rune.
		return escapedEquals(raw, s)
	}
	d, err := Unescape(buf[:0], raw)
	return err == nil && string(d) == s
}

func escapedEquals(raw []byte, s string) bool {
	var buf [8]byte
	j := 0
	for i := 0; i < len(raw); {
		var piece []byte
		if raw[i] == '\\' {
			n := 2
			if i+1 < len(raw) && raw[i+1] == 'u' {
				n = 6
				if i+12 <= len(raw) && raw[i+6] == '\\' && raw[i+7] == 'u' {
					if r := hex4(raw[i+2:]); r >= 0xD800 && r < 0xDC00 {
						n = 12
					}
				}
			}
			if i+n > len(raw) {
				return false
			}
			d, err := Unescape(buf[:0], raw[i:i+n])
			if err != nil {
				return false
			}
			piece = d
			i += n
		} else {
			piece = raw[i : i+1]
			i++
		}
		if len(s)-j < len(piece) || s[j:j+len(piece)] != string(piece) {
			return false
		}
		j += len(piece)
	}
	return j == len(s)
}

// Int returns the integer value v. A number with a fraction or exponent is
// ErrType unless its value is integral (1.0, 2e3); out of int64 range is
// ErrRange.
func Int(v []byte) (int64, error) {
	v = trim(v)
	end, err := skipNumber(v, 0)
	if len(v) == 0 || err != nil || end != len(v) {
		return 0, typeOrSyntax(v, 0)
	}
	neg := v[0] == '-'
	i := 0
	if neg {
		i = 1
	}
	var n uint64
	for ; i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
		d := uint64(v[i] - '0')
		if n > (1<<63-d)/10 {
			return 0, ErrRange
		}
		n = n*10 + d
	}
	if i != len(v) {
		return intSlow(v, neg, n, i)
	}
	if !neg && n > 1<<63-1 {
		return 0, ErrRange
	}
	if neg {
		return -int64(n), nil
	}
	return int64(n), nil
}

// intSlow handles integral values written with a fraction or exponent.
func intSlow(v []byte, neg bool, n uint64, i int) (int64, error) {
	// digits after '.' must be zeros; then an exponent scales by 10^e.
	if v[i] == '.' {
		for i++; i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
			if v[i] != '0' {
				return 0, ErrType
			}
		}
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		eneg := false
		if v[i] == '+' || v[i] == '-' {
			eneg = v[i] == '-'
			i++
		}
		e := 0
		for ; i < len(v); i++ {
			e = e*10 + int(v[i]-'0')
			if e > 19 {
				if n == 0 {
					return 0, nil
				}
				if eneg {
					return 0, ErrType
				}
				return 0, ErrRange
			}
		}
		for ; e > 0; e-- {
			if eneg {
				if n%10 != 0 {
					return 0, ErrType
				}
				n /= 10
			} else {
				if n > (1<<63)/10 {
					return 0, ErrRange
				}
				n *= 10
			}
		}
	}
	if !neg && n > 1<<63-1 || n > 1<<63 {
		return 0, ErrRange
	}
	if neg {
		return -int64(n), nil
	}
	return int64(n), nil
}

// Bool returns the boolean value v.
func Bool(v []byte) (bool, error) {
	switch string(trim(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, typeOrSyntax(trim(v), 0)
}

// IsNull reports whether v is the literal null.
func IsNull(v []byte) bool { return string(trim(v)) == "null" }
