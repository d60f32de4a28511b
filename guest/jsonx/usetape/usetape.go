// Package usetape opts a Go adapter module in to tapes (ABI 1.1): import it
// for its side effect,
//
//	import _ "github.com/wasmadapt/wasmadapt/guest/jsonx/usetape"
//
// and the module exports abi.ExportTapeMarker, so the host sends each
// transform chunk's tape (abi.Chunk.Tape) next to its data. Import it only
// from an adapter whose Transform reads chunks through jsonx.Doc(c.Data,
// c.Tape): the host spends time building each tape, which is wasted on an
// adapter that ignores it. The package does nothing outside GOOS=wasip1,
// and nothing when built with the tag wasmadapt_notape (benchmarks compare
// a module with and without tapes that way).
package usetape
