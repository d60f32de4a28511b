// Command module is the generic OpenAI-compatible Chat Completions adapter
// module (vLLM, llama.cpp server, LM Studio, Together, ...), built with
// GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared to
// bin/adapters/openai-compatible.wasm.
package main

import (
	openaicompatible "github.com/wasmadapt/wasmadapt/adapters-wasm/openai-compatible"
	"github.com/wasmadapt/wasmadapt/guest"
	// The Chat Completions transform reads chunks through
	// jsonx.Doc(c.Data, c.Tape): opt in to host-tokenized tapes.
	_ "github.com/wasmadapt/wasmadapt/guest/jsonx/usetape"
)

func init() { guest.Register(openaicompatible.New()) }

func main() {}
