//go:build wasip1

package guest

import (
	"unsafe"

	"github.com/wasmadapt/wasmadapt/abi"
)

var (
	registered *Dispatcher
	// input is the one input buffer of this instance: wasmadapt_alloc
	// hands out its address, and every call reads from it.
	input []byte
)

// Register makes a the adapter this module serves. Call it once, from an
// init function of the module's main package.
func Register(a Adapter) {
	if registered != nil {
		panic("guest: Register called twice")
	}
	registered = NewDispatcher(a)
	registered.SplitProjections()
}

func dispatcher() *Dispatcher {
	if registered == nil {
		panic("guest: no adapter registered: call guest.Register from an init function of package main")
	}
	return registered
}

// result packs the address and length of a result for the host. The buffer
// stays reachable through the dispatcher until the next call.
func result(b []byte) uint64 {
	return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b))))<<32 | uint64(len(b))
}

func view(ptr, size uint32) []byte {
	if size == 0 {
		return nil
	}
	if uint32(uintptr(unsafe.Pointer(unsafe.SliceData(input)))) != ptr || int(size) > len(input) {
		panic("guest: host passed a buffer that wasmadapt_alloc did not return")
	}
	return input[:size]
}

//go:wasmexport wasmadapt_abi_version
func exportABIVersion() uint32 { return abi.Version }

//go:wasmexport wasmadapt_alloc
func exportAlloc(size uint32) uint32 {
	if cap(input) < int(size) || cap(input) == 0 {
		n := max(int(size), 4096)
		input = make([]byte, n)
	}
	input = input[:cap(input)]
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(input))))
}

// requestTapeMarker is the abi.ExportRequestTapeMarker export: the
// Dispatcher reads taped requests, so every Go module opts in.
//
//go:wasmexport wasmadapt_request_tape_v1
func requestTapeMarker() {}

//go:wasmexport wasmadapt_capabilities
func exportCapabilities(ptr, size uint32) uint64 {
	return result(dispatcher().Capabilities(view(ptr, size)))
}

//go:wasmexport wasmadapt_project
func exportProject(ptr, size uint32) uint64 {
	return result(dispatcher().Project(view(ptr, size)))
}

//go:wasmexport wasmadapt_transform
func exportTransform(ptr, size uint32) uint64 {
	return result(dispatcher().Transform(view(ptr, size)))
}

//go:wasmexport wasmadapt_parse_response
func exportParseResponse(ptr, size uint32) uint64 {
	return result(dispatcher().ParseResponse(view(ptr, size)))
}

//go:wasmexport wasmadapt_map_error
func exportMapError(ptr, size uint32) uint64 {
	return result(dispatcher().MapError(view(ptr, size)))
}

//go:wasmexport wasmadapt_text_templates_v1
func exportTextTemplates() uint64 {
	return result(dispatcher().TextTemplates())
}

//go:wasmexport wasmadapt_selftest
func exportSelfTest() uint64 {
	return result(dispatcher().SelfTest())
}

//go:wasmexport wasmadapt_project_op
func exportProjectOp(ptr, size uint32) uint64 {
	return result(dispatcher().ProjectOp(view(ptr, size)))
}

//go:wasmexport wasmadapt_parse_op
func exportParseOp(ptr, size uint32) uint64 {
	return result(dispatcher().ParseOp(view(ptr, size)))
}
