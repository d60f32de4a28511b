// Command module is the vLLM adapter module (a preset of the
// openai-compatible adapter), built with GOOS=wasip1 GOARCH=wasm go build
// -buildmode=c-shared to bin/adapters/vllm.wasm.
package main

import (
	"github.com/wasmadapt/wasmadapt/adapters-wasm/vllm"
	"github.com/wasmadapt/wasmadapt/guest"
	// The Chat Completions transform reads chunks through
	// jsonx.Doc(c.Data, c.Tape): opt in to host-tokenized tapes.
	_ "github.com/wasmadapt/wasmadapt/guest/jsonx/usetape"
)

func init() { guest.Register(vllm.New()) }

func main() {}
