package main

import _ "embed"

// wasmCostSection holds the measurements of the Wasm path's fixed cost per
// request (ABI 1.5's split and taped requests and the guest changes beside
// them): numbers measured by hand, not in the raw file, so the section is
// fixed text that a regeneration keeps (writeReport writes it last).
//
//go:embed wasmcost.md
var wasmCostSection string

// toolCallsSection holds the measurements of ABI 1.7's tool-call templates
// and the host serving chunks anywhere in a call (fixed text that a
// regeneration keeps, after the ABI 1.6 section).
//
//go:embed toolcalls.md
var toolCallsSection string
