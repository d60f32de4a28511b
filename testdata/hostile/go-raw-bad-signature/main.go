// Command go-raw-bad-signature is a hostile test module written against the
// ABI with raw //go:wasmexport functions (no guest SDK): it exports every
// function the ABI requires, but wasmadapt_transform takes one parameter
// instead of (ptr, len). The host must refuse it at load, naming the export
// and both signatures, before calling anything.
package main

import "unsafe"

func main() {}

var (
	buf   = make([]byte, 4096)
	okRes = []byte{0}
)

func result(b []byte) uint64 {
	return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b))))<<32 | uint64(len(b))
}

//go:wasmexport wasmadapt_abi_version
func abiVersion() uint32 { return 1 << 16 }

//go:wasmexport wasmadapt_alloc
func alloc(size uint32) uint32 {
	if int(size) > len(buf) {
		buf = make([]byte, size)
	}
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))
}

//go:wasmexport wasmadapt_capabilities
func capabilities(ptr, size uint32) uint64 { return result(okRes) }

//go:wasmexport wasmadapt_project
func project(ptr, size uint32) uint64 { return result(okRes) }

// transform has the wrong signature: (i32) -> (i64).
//
//go:wasmexport wasmadapt_transform
func transform(ptr uint32) uint64 { return result(okRes) }

//go:wasmexport wasmadapt_parse_response
func parseResponse(ptr, size uint32) uint64 { return result(okRes) }

//go:wasmexport wasmadapt_map_error
func mapError(ptr, size uint32) uint64 { return result(okRes) }
