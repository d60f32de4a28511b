// Command module is the gemini adapter module: build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o gemini.wasm ./adapters-wasm/gemini/module
package main

import (
	"github.com/wasmadapt/wasmadapt/adapters-wasm/gemini"
	"github.com/wasmadapt/wasmadapt/guest"
	// The transform reads chunks through jsonx.Doc(c.Data, c.Tape)
	// (internal/rawevent): opt in to host-tokenized tapes.
	_ "github.com/wasmadapt/wasmadapt/guest/jsonx/usetape"
)

func init() { guest.Register(gemini.New()) }

func main() {}
