//go:build wasip1

package chatcompletions

// In a Wasm instance there is one thread and the host never runs two
// calls of an instance at once, so Transform uses one scratch instead of
// scratchPool: sync.Pool's Get and Put cost about ten calls, which a Go
// guest pays dearly for in Wasm.
var wasmScratch scratch

func getScratch() *scratch { return &wasmScratch }

func putScratch(*scratch) {}
