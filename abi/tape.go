package abi

import (
	"encoding/binary"
	"unicode/utf8"
)

// This file is the tape: a compact, pre-indexed form of one JSON value that
// the host computes natively for each chunk and passes next to the chunk's
// bytes (ABI 1.1, opt-in; abi/README.md, "Tapes"), so that a guest walks the
// value without scanning or validating its bytes.
//
// A tape is a sequence of entries, one per JSON value in document order
// (an object's members as key, value, key, value ...), plus one end entry
// per object or array after its last descendant. Each entry is two
// little-endian u32 words:
//
//	word 0: kind<<28 | pos    pos: byte offset in the chunk's data where the
//	                          value starts (the opening quote or bracket,
//	                          the first byte of a literal or number); for
//	                          an end entry, the closing bracket
//	word 1: for strings:      end | TapeEscaped | TapeUnicodeEscaped
//	        for numbers:      end | TapeInteger
//	        for literals:     end
//	        for containers:   index of the entry after the matching end entry
//	        for end entries:  index of the matching container entry
//
// end is the byte offset just past the value (past the closing quote for
// strings). Entry 0 is the document's root value; the tape's length is the
// root's "next" index times 8.

// TapeKind is the kind of a tape entry. The values of JSON kinds equal
// those of guest/jsonx.Kind.
type TapeKind uint8

// The tape entry kinds.
const (
	TapeNull   TapeKind = 1
	TapeFalse  TapeKind = 2
	TapeTrue   TapeKind = 3
	TapeNumber TapeKind = 4
	TapeString TapeKind = 5
	TapeObject TapeKind = 6
	TapeArray  TapeKind = 7
	// TapeEnd closes the object or array its word 1 names.
	TapeEnd TapeKind = 8
)

// Flags in word 1 of string and number entries, above the end offset.
const (
	// TapeEscaped: the string literal contains a backslash escape.
	TapeEscaped uint32 = 1 << 31
	// TapeUnicodeEscaped: the string literal contains a \u escape. Without
	// it, the raw literal means the same to every conforming JSON parser
	// and can be copied into output as is.
	TapeUnicodeEscaped uint32 = 1 << 30
	// TapeInteger: the number has no fraction and no exponent.
	TapeInteger uint32 = 1 << 31
	// TapeOffsetMask extracts a byte offset from word 0 or word 1.
	TapeOffsetMask uint32 = 1<<28 - 1
)

// TapeEntrySize is the size of one entry in bytes.
const TapeEntrySize = 8

// TapeMaxDepth is the deepest nesting of objects and arrays a tape
// describes; the same limit as guest/jsonx.MaxDepth.
const TapeMaxDepth = 512

// TapeMaxData is the largest chunk data the host tapes: offsets have 28
// bits. Larger data travels without a tape.
const TapeMaxData = 1<<28 - 1

// MaxTapeLen is the largest tape the host sends for data of n bytes: a
// document dense in tiny values (a long array of zeros) would otherwise
// need a tape eight times its size. Such data travels without a tape.
func MaxTapeLen(n int) int { return 2*n + 64 }

// AppendTape appends the tape of data, which must be exactly one JSON value
// (RFC 8259, valid UTF-8 in every string, nested at most TapeMaxDepth deep,
// whitespace around it allowed), to dst. When data is anything else, or its
// tape would exceed MaxTapeLen(len(data)), it returns dst unchanged and
// false. It allocates nothing beyond growing dst.
func AppendTape(dst, data []byte) ([]byte, bool) {
	if len(data) == 0 || len(data) > TapeMaxData {
		return dst, false
	}
	w := tapeWriter{b: data, out: dst, base: len(dst), max: len(dst) + MaxTapeLen(len(data))}
	end, ok := w.value(w.ws(0), 0)
	if !ok || w.ws(end) != len(data) {
		return dst, false
	}
	return w.out, true
}

type tapeWriter struct {
	b    []byte
	out  []byte
	base int // offset of entry 0 in out
	max  int // out may not grow past this
	n    uint32
}

func (w *tapeWriter) ws(i int) int {
	for i < len(w.b) {
		switch w.b[i] {
		case ' ', '\t', '\n', '\r':
			i++
			continue
		}
		break
	}
	return i
}

// emit appends one entry and returns its index; ok is false past max.
func (w *tapeWriter) emit(k TapeKind, pos int, aux uint32) (uint32, bool) {
	if len(w.out)+TapeEntrySize > w.max {
		return 0, false
	}
	w.out = binary.LittleEndian.AppendUint32(w.out, uint32(k)<<28|uint32(pos))
	w.out = binary.LittleEndian.AppendUint32(w.out, aux)
	w.n++
	return w.n - 1, true
}

func (w *tapeWriter) value(i, depth int) (int, bool) {
	b := w.b
	if i >= len(b) {
		return i, false
	}
	switch b[i] {
	case '"':
		return w.str(i)
	case '{', '[':
		return w.container(i, depth+1)
	case 't':
		return w.lit(i, "true", TapeTrue)
	case 'f':
		return w.lit(i, "false", TapeFalse)
	case 'n':
		return w.lit(i, "null", TapeNull)
	}
	return w.num(i)
}

func (w *tapeWriter) lit(i int, s string, k TapeKind) (int, bool) {
	if len(w.b)-i < len(s) || string(w.b[i:i+len(s)]) != s {
		return i, false
	}
	_, ok := w.emit(k, i, uint32(i+len(s)))
	return i + len(s), ok
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// num validates -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (w *tapeWriter) num(start int) (int, bool) {
	b, i := w.b, start
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return i, false
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		i = digits(b, i+1)
	default:
		return i, false
	}
	flag := TapeInteger
	if i < len(b) && b[i] == '.' {
		d := digits(b, i+1)
		if d == i+1 {
			return i, false
		}
		i, flag = d, 0
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := digits(b, i)
		if d == i {
			return i, false
		}
		i, flag = d, 0
	}
	_, ok := w.emit(TapeNumber, start, uint32(i)|flag)
	return i, ok
}

// tapePlain marks the bytes that stand for themselves in a string.
var tapePlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func tapeHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// str validates the string literal at the quote at start and emits it.
func (w *tapeWriter) str(start int) (int, bool) {
	b := w.b
	var flags uint32
	for i := start + 1; i < len(b); {
		for i < len(b) && tapePlain[b[i]] {
			i++
		}
		if i >= len(b) {
			break
		}
		switch c := b[i]; {
		case c == '"':
			_, ok := w.emit(TapeString, start, uint32(i+1)|flags)
			return i + 1, ok
		case c == '\\':
			if i+1 >= len(b) {
				return i, false
			}
			flags |= TapeEscaped
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(b)-i < 6 || !tapeHex(b[i+2]) || !tapeHex(b[i+3]) || !tapeHex(b[i+4]) || !tapeHex(b[i+5]) {
					return i, false
				}
				flags |= TapeUnicodeEscaped
				i += 6
			default:
				return i, false
			}
		case c < 0x20:
			return i, false
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return i, false
			}
			i += size
		}
	}
	return len(b), false
}

func (w *tapeWriter) container(start, depth int) (int, bool) {
	if depth > TapeMaxDepth {
		return start, false
	}
	b := w.b
	obj := b[start] == '{'
	kind, closer := TapeArray, byte(']')
	if obj {
		kind, closer = TapeObject, '}'
	}
	idx, ok := w.emit(kind, start, 0)
	if !ok {
		return start, false
	}
	i := w.ws(start + 1)
	if i < len(b) && b[i] == closer {
		return w.end(idx, i)
	}
	for {
		if obj {
			if i >= len(b) || b[i] != '"' {
				return i, false
			}
			if i, ok = w.str(i); !ok {
				return i, false
			}
			i = w.ws(i)
			if i >= len(b) || b[i] != ':' {
				return i, false
			}
			i = w.ws(i + 1)
		}
		if i, ok = w.value(i, depth); !ok {
			return i, false
		}
		i = w.ws(i)
		if i >= len(b) {
			return i, false
		}
		switch b[i] {
		case ',':
			i = w.ws(i + 1)
		case closer:
			return w.end(idx, i)
		default:
			return i, false
		}
	}
}

// end emits the end entry of the container at idx, closed at byte i, and
// patches the container's next index.
func (w *tapeWriter) end(idx uint32, i int) (int, bool) {
	if _, ok := w.emit(TapeEnd, i, idx); !ok {
		return i, false
	}
	binary.LittleEndian.PutUint32(w.out[w.base+int(idx)*TapeEntrySize+4:], w.n)
	return i + 1, true
}

// Tape is an encoded tape (see AppendTape), read without copying.
type Tape []byte

// Len returns the number of entries.
func (t Tape) Len() int { return len(t) / TapeEntrySize }

// Entry returns entry i: its kind, word 0's offset and word 1. i must be
// less than Len.
func (t Tape) Entry(i int) (kind TapeKind, pos, aux uint32) {
	e := t[i*TapeEntrySize : i*TapeEntrySize+TapeEntrySize]
	w0 := binary.LittleEndian.Uint32(e)
	return TapeKind(w0 >> 28), w0 & TapeOffsetMask, binary.LittleEndian.Uint32(e[4:])
}

// CheckTape reports whether tape is well-formed for data of length n:
// whole entries, every offset within data, every container's next index
// after itself and within the tape, each end entry pointing back at its
// container, and entry 0's value spanning the whole tape. Guests need not
// call it (the host's tape is trusted and readers are bounds-checked);
// it serves tests and fuzzing.
func CheckTape(tape []byte, n int) bool {
	t := Tape(tape)
	if len(tape) == 0 || len(tape)%TapeEntrySize != 0 {
		return false
	}
	cnt := t.Len()
	for i := range cnt {
		k, pos, aux := t.Entry(i)
		if int(pos) >= n {
			return false
		}
		switch k {
		case TapeObject, TapeArray:
			if aux < uint32(i)+2 || int(aux) > cnt {
				return false
			}
			ek, _, back := t.Entry(int(aux) - 1)
			if ek != TapeEnd || back != uint32(i) {
				return false
			}
		case TapeEnd:
			if aux >= uint32(i) {
				return false
			}
		case TapeNull, TapeFalse, TapeTrue, TapeNumber, TapeString:
			if e := aux & TapeOffsetMask; e <= pos || int(e) > n {
				return false
			}
		default:
			return false
		}
	}
	k, _, aux := t.Entry(0)
	if k == TapeObject || k == TapeArray {
		return int(aux) == cnt
	}
	return cnt == 1 && k != TapeEnd
}
