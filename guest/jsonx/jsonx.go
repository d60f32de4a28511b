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
// A transform reads its chunks through Value (Doc, below), which is backed
// by the chunk's bytes or by its tape behind the same methods. The
// functions over []byte (Object, Array, Lookup, Str, Int, Bool, IsNull)
// are the same reads of bytes that never come with a tape, such as a whole
// response body or the stream context.
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
// the events (guesttest.Stable and guesttest.CheckAdapter do, with
// guesttest.Taped chunks).
//
// The reader is laid out by what it does: scan.go (kinds, Valid, Skip),
// iterate.go (ObjectIter, ArrayIter, Lookup), scalar.go (Str, Unescape,
// Int, Bool, IsNull) and value.go (Value, over bytes or a tape).
//
// In a Wasm guest every function call is expensive, more than the work of
// a short loop: prefer KeyIs chains over ObjectIter (KeyIs rejects most
// keys inline), test Exists before calling a helper on a value that is
// usually absent, and read members through the iterator rather than
// through Lookup for each key.
package jsonx

import "errors"

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
