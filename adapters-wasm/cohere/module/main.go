// Command module is the Cohere v2 Chat adapter module, built with
// GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared to
// bin/adapters/cohere.wasm.
package main

import (
	"github.com/wasmadapt/wasmadapt/adapters-wasm/cohere"
	"github.com/wasmadapt/wasmadapt/guest"
)

func init() { guest.Register(cohere.New()) }

func main() {}
