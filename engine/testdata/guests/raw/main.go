// Command raw is a test module written against the ABI directly, without
// the guest SDK, so that build tags can break its contract:
//
//	wrongversion  wasmadapt_abi_version reports 2.0.0
//	missing       wasmadapt_map_error is not exported
//	forbidden     imports env.forbidden
//
// Without tags it is a minimal valid module whose exports all answer an
// empty OK result.
package main

import "unsafe"

func main() {}

var (
	buf   = make([]byte, 4096)
	okRes = []byte{0}
	// okEmptyState is an OK transform result: an empty state, no events.
	okEmptyState = []byte{0, 0, 0, 0, 0}
	result       = func(b []byte) uint64 {
		return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b))))<<32 | uint64(len(b))
	}
)

//go:wasmexport wasmadapt_alloc
func alloc(size uint32) uint32 {
	if int(size) > len(buf) {
		buf = make([]byte, size)
	}
	hook(size)
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))
}

//go:wasmexport wasmadapt_capabilities
func capabilities(ptr, size uint32) uint64 { return result(okRes) }

//go:wasmexport wasmadapt_project
func project(ptr, size uint32) uint64 { return result(okRes) }

//go:wasmexport wasmadapt_transform
func transform(ptr, size uint32) uint64 { return result(okEmptyState) }

//go:wasmexport wasmadapt_parse_response
func parseResponse(ptr, size uint32) uint64 { return result(okRes) }
