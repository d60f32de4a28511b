// This file holds the iterators over objects and arrays, and Lookup.

package jsonx

import (
	"github.com/wasmadapt/wasmadapt/abi"
)

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
	cursor
	depth  int
	key    []byte
	keyEsc bool // the current key has an escape
	// Tape-backed, ki is the current key's entry. key stays nil: Key, KeyIs
	// and Value read the entries, so Next only moves indices.
	ki int
	// klen is the current key's length when it has no escape, -1 when it
	// has, -2 when there is no current key: KeyIs rejects most keys on it
	// without a call.
	klen int
}

// cursor is what ObjectIter and ArrayIter share: where the iteration
// stands, the current value and how the iteration ended.
type cursor struct {
	b     []byte
	i     int
	val   []byte
	err   error
	state uint8 // 0 before the opening bracket, 1 inside, 2 done
	// trusted: the bytes were validated by a parent iterator, so members
	// are found by a fast structural scan.
	trusted bool
	// Tape-backed iteration (t != nil): b is the whole document, ti the
	// next entry, tend the container's end entry, vi the current value's
	// entry. val stays nil.
	t            []byte
	ti, tend, vi int
}

// Object returns an iterator over the object v (whitespace around it is
// allowed). If v is not an object, Next returns false and Err is ErrType
// (or ErrSyntax for bytes that are no JSON value).
func Object(v []byte) ObjectIter { return ObjectIter{cursor: cursor{b: v}} }

// TrustedObject is Object for bytes already validated by this package: a
// Value returned by an iterator, or bytes Valid accepted. It skips nested
// values by a fast structural scan instead of validating them again. On
// other bytes it never panics, but what it returns is unspecified.
func TrustedObject(v []byte) ObjectIter { return ObjectIter{cursor: cursor{b: v, trusted: true}} }

// TrustedArray is Array for bytes already validated; see TrustedObject.
func TrustedArray(v []byte) ArrayIter { return ArrayIter{cursor{b: v, trusted: true}, -1} }

// nextBytes is Next over bytes.
func (it *ObjectIter) nextBytes() bool {
	if !it.step('{', '}') {
		it.key, it.klen = nil, -2
		return false
	}
	b := it.b
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
	it.key, it.klen = nil, -2
	return it.cursor.fail(err, at)
}

// step moves a byte-backed iteration over the container open...close to
// its next member: past the opening bracket on the first call, past the
// comma after a member on the next ones. It reports false, with the
// iteration done, at the closing bracket or an error.
func (c *cursor) step(open, close byte) bool {
	b := c.b
	switch c.state {
	case 2:
		return false
	case 0:
		i := skipWS(b, 0)
		if i >= len(b) || b[i] != open {
			return c.fail(typeOrSyntax(b, i), i)
		}
		c.state = 1
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == close {
			return c.finish(i + 1)
		}
		c.i = i
	default:
		i := skipWS(b, c.i)
		if i >= len(b) {
			return c.fail(ErrSyntax, i)
		}
		switch b[i] {
		case ',':
			c.i = skipWS(b, i+1)
		case close:
			return c.finish(i + 1)
		default:
			return c.fail(ErrSyntax, i)
		}
	}
	return true
}

func (c *cursor) fail(err error, at int) bool {
	c.err, c.i, c.state, c.val = err, at, 2, nil
	return false
}

func (c *cursor) finish(end int) bool {
	c.val, c.state = nil, 2
	if skipWS(c.b, end) != len(c.b) {
		c.err, c.i = ErrSyntax, end
		return false
	}
	c.i = end
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

// Value returns the current member's value, or the current element, as
// raw bytes (no surrounding whitespace).
func (c *cursor) Value() []byte {
	if c.t != nil && c.state == 1 {
		raw, _ := tapeSpan(c.b, c.t, c.vi)
		return raw
	}
	return c.val
}

// Err returns the error that stopped the iteration, or nil.
func (c *cursor) Err() error { return c.err }

// ValueObject returns an iterator over the current value or element, which
// must be an object (else its Err is ErrType). The value was validated by
// Next, so the child iterator does not validate it again: prefer it to
// Object(Value()).
func (c *cursor) ValueObject() ObjectIter { return c.Val().Object() }

// ValueArray returns an iterator over the current value or element, which
// must be an array; see ValueObject.
func (c *cursor) ValueArray() ArrayIter { return c.Val().Array() }

// ValueStr returns the raw content of the current value or element if it
// is a string (see Str), without validating it again.
func (c *cursor) ValueStr() ([]byte, error) {
	if c.t != nil {
		return tapeStr(c.b, c.t, c.vi)
	}
	return trustedStr(c.val)
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
	cursor
	n int
}

// Array returns an iterator over the array v (whitespace around it is
// allowed). If v is not an array, Next returns false and Err is ErrType (or
// ErrSyntax).
func Array(v []byte) ArrayIter { return ArrayIter{cursor{b: v}, -1} }

// nextBytes is Next over bytes.
func (it *ArrayIter) nextBytes() bool {
	if !it.step('[', ']') {
		return false
	}
	b := it.b
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

// Index returns the current element's position, from 0.
func (it *ArrayIter) Index() int { return it.n }

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
