// Command module is the ollama adapter module: build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o ollama.wasm ./adapters-wasm/ollama/module
package main

import (
	"github.com/wasmadapt/wasmadapt/adapters-wasm/ollama"
	"github.com/wasmadapt/wasmadapt/guest"
	// The transform reads chunks through jsonx.Doc(c.Data, c.Tape)
	// (internal/rawevent): opt in to host-tokenized tapes.
	_ "github.com/wasmadapt/wasmadapt/guest/jsonx/usetape"
)

func init() { guest.Register(ollama.New()) }

func main() {}
