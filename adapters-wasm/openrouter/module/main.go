// Command module is the OpenRouter Chat Completions adapter module, built with
// GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared to
// bin/adapters/openrouter.wasm.
package main

import (
	"github.com/wasmadapt/wasmadapt/adapters-wasm/openrouter"
	"github.com/wasmadapt/wasmadapt/guest"
)

func init() { guest.Register(openrouter.New()) }

func main() {}
