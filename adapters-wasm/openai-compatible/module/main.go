// Command module is the generic OpenAI-compatible Chat Completions adapter
// module (vLLM, llama.cpp server, LM Studio, Together, ...), built with
// GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared to
// bin/adapters/openai-compatible.wasm.
package main

import (
	openaicompatible "github.com/wasmadapt/wasmadapt/adapters-wasm/openai-compatible"
	"github.com/wasmadapt/wasmadapt/guest"
)

func init() { guest.Register(openaicompatible.New()) }

func main() {}
