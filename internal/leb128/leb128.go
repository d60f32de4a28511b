// Package leb128 writes the signed LEB128 integers of the WebAssembly
// binary format (i32.const and i64.const immediates) for the engine's
// instrumentation and the tests that build modules by hand. Unsigned
// LEB128 is encoding/binary's AppendUvarint.
package leb128

// AppendSigned appends v to dst in signed LEB128: seven bits a byte, low
// bits first, the high bit set on every byte but the last, as few bytes
// as keep the sign.
func AppendSigned(dst []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(dst, c)
		}
		dst = append(dst, c|0x80)
	}
}
