//go:build 386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64 || wasm

package jsonx

import "unsafe"

// load64 reads the little-endian uint64 at t[o:o+8], which the caller has
// bounds-checked, with one load: on a little-endian machine that is the
// memory order. It keeps tapeEntry within the inlining budget (the Go Wasm
// backend pays dearly for calls).
func load64(t []byte, o int) uint64 {
	return *(*uint64)(unsafe.Pointer(unsafe.SliceData(t[o : o+8])))
}
