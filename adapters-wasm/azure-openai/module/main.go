// Command module is the Azure OpenAI Chat Completions adapter module, built
// with GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared to
// bin/adapters/azure-openai.wasm.
package main

import (
	azureopenai "github.com/wasmadapt/wasmadapt/adapters-wasm/azure-openai"
	"github.com/wasmadapt/wasmadapt/guest"
	// The Chat Completions transform reads chunks through
	// jsonx.Doc(c.Data, c.Tape): opt in to host-tokenized tapes.
	_ "github.com/wasmadapt/wasmadapt/guest/jsonx/usetape"
)

func init() { guest.Register(azureopenai.New()) }

func main() {}
