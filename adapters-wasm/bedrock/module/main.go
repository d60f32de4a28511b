// Command module is the bedrock adapter built as a wasmadapt module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o bedrock.wasm ./adapters-wasm/bedrock/module
package main

import (
	"github.com/wasmadapt/wasmadapt/adapters-wasm/bedrock"
	"github.com/wasmadapt/wasmadapt/guest"
)

func init() { guest.Register(bedrock.New()) }

func main() {}
