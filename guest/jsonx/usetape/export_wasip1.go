//go:build wasip1 && !wasmadapt_notape

package usetape

// tapeMarker is the abi.ExportTapeMarker export: its presence is the
// opt-in; the host never calls it.
//
//go:wasmexport wasmadapt_tape_v1
func tapeMarker() {}
