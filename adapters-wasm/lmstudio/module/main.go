// Command module is the LM Studio adapter module (a preset of the
// openai-compatible adapter), built with GOOS=wasip1 GOARCH=wasm go build
// -buildmode=c-shared to bin/adapters/lmstudio.wasm.
package main

import (
	"github.com/wasmadapt/wasmadapt/adapters-wasm/lmstudio"
	"github.com/wasmadapt/wasmadapt/guest"
	// The Chat Completions transform reads chunks through
	// jsonx.Doc(c.Data, c.Tape): opt in to host-tokenized tapes.
	_ "github.com/wasmadapt/wasmadapt/guest/jsonx/usetape"
)

func init() { guest.Register(lmstudio.New()) }

func main() {}
