// Command module is the anthropic adapter built as a wasmadapt module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o anthropic.wasm ./adapters-wasm/anthropic/module
package main

import (
	"github.com/wasmadapt/wasmadapt/adapters-wasm/anthropic"
	"github.com/wasmadapt/wasmadapt/guest"
	// The Messages transform reads each event's members through
	// jsonx.Doc(c.Data, c.Tape): opt in to host-tokenized tapes.
	_ "github.com/wasmadapt/wasmadapt/guest/jsonx/usetape"
)

func init() { guest.Register(anthropic.New()) }

func main() {}
