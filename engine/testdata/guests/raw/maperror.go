//go:build !missing

package main

//go:wasmexport wasmadapt_map_error
func mapError(ptr, size uint32) uint64 { return result(okRes) }
