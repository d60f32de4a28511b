// Command module is the anthropic adapter built as a wasmadapt module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o anthropic.wasm ./adapters-wasm/anthropic/module
package main

import (
	"github.com/wasmadapt/wasmadapt/adapters-wasm/anthropic"
	"github.com/wasmadapt/wasmadapt/guest"
)

func init() { guest.Register(anthropic.New()) }

func main() {}
