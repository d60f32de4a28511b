//go:build wrongversion

package main

//go:wasmexport wasmadapt_abi_version
func abiVersion() uint32 { return 2 << 16 }
