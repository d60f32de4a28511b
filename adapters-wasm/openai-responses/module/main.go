// Command module is the OpenAI Responses API adapter module, built with
// GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared to
// bin/adapters/openai-responses.wasm.
package main

import (
	openairesponses "github.com/wasmadapt/wasmadapt/adapters-wasm/openai-responses"
	"github.com/wasmadapt/wasmadapt/guest"
	// The transform reads chunks through jsonx.Doc(c.Data, c.Tape): opt
	// in to host-tokenized tapes.
	_ "github.com/wasmadapt/wasmadapt/guest/jsonx/usetape"
)

func init() { guest.Register(openairesponses.New()) }

func main() {}
