// Command module is the Vertex AI Anthropic adapter module, built with
// GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared to
// bin/adapters/vertex-anthropic.wasm.
package main

import (
	vertexanthropic "github.com/wasmadapt/wasmadapt/adapters-wasm/vertex-anthropic"
	"github.com/wasmadapt/wasmadapt/guest"
	// The wrapped Messages transform reads each event's members through
	// jsonx.Doc(c.Data, c.Tape): opt in to host-tokenized tapes.
	_ "github.com/wasmadapt/wasmadapt/guest/jsonx/usetape"
)

func init() { guest.Register(vertexanthropic.New()) }

func main() {}
