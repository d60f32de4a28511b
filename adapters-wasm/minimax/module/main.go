// Command module is the MiniMax Chat Completions adapter module, built
// with GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared to
// bin/adapters/minimax.wasm.
package main

import (
	"github.com/wasmadapt/wasmadapt/adapters-wasm/minimax"
	"github.com/wasmadapt/wasmadapt/guest"
	// The Chat Completions transform reads chunks through
	// jsonx.Doc(c.Data, c.Tape): opt in to host-tokenized tapes.
	_ "github.com/wasmadapt/wasmadapt/guest/jsonx/usetape"
)

func init() { guest.Register(minimax.New()) }

func main() {}
