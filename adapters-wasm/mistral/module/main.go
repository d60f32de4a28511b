// Command module is the Mistral Chat Completions adapter module, built with
// GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared to
// bin/adapters/mistral.wasm.
package main

import (
	"github.com/wasmadapt/wasmadapt/adapters-wasm/mistral"
	"github.com/wasmadapt/wasmadapt/guest"
)

func init() { guest.Register(mistral.New()) }

func main() {}
