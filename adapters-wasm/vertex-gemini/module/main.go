// Command module is the Vertex AI Gemini adapter module, built with
// GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared to
// bin/adapters/vertex-gemini.wasm.
package main

import (
	vertexgemini "github.com/wasmadapt/wasmadapt/adapters-wasm/vertex-gemini"
	"github.com/wasmadapt/wasmadapt/guest"
	// The transform reads chunks through jsonx.Doc(c.Data, c.Tape)
	// (internal/rawevent): opt in to host-tokenized tapes.
	_ "github.com/wasmadapt/wasmadapt/guest/jsonx/usetape"
)

func init() { guest.Register(vertexgemini.New()) }

func main() {}
