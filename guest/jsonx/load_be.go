//go:build !(386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64 || wasm)

package jsonx

import "encoding/binary"

// load64 reads the little-endian uint64 at t[o:o+8].
func load64(t []byte, o int) uint64 { return binary.LittleEndian.Uint64(t[o:]) }
