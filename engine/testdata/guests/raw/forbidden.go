//go:build forbidden

package main

//go:wasmimport env forbidden
func forbidden(x uint32) uint32

func hook(size uint32) {
	if size == 0xffffffff {
		forbidden(size)
	}
}
