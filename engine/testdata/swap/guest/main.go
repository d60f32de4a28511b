// Command guest is the hot-swap test module: the OpenAI Chat Completions
// adapter with its declared name and version set at link time, so that two
// builds behave the same but have different bytes and versions:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared \
//	  -ldflags "-X main.name=chat -X main.version=2.0.0" -o chat.wasm .
//
// It ships self-test cases (wasmadapt_selftest) with pre-framed chunks;
// -X main.mode=badselftest makes them expect different text, so that the
// registry must reject the build; -X main.mode=regress passes them but
// fails every stream chunk that carries usage (as real traffic does), the
// regression a canary must catch.
package main

import (
	"bytes"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/openai"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Set with -ldflags -X.
var (
	name    = "chat"
	version = "1.0.0"
	mode    = ""
)

type adapter struct{ guest.Adapter }

func (a adapter) Capabilities(model string) abi.Capabilities {
	c := a.Adapter.Capabilities(model)
	c.Name, c.Version = name, version
	return c
}

func (a adapter) SelfTest() []byte {
	want := "jour"
	if mode == "badselftest" {
		want = "soir"
	}
	return []byte(`[
{"name":"refuses-unknown-option","request":{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"hi"}],"provider_options":{"bogus":1}},"expect_error":"invalid_request"},
{"name":"text-stream","request":{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"hi"}]},
 "chunks":[
  {"data":"{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4.1-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Bon\"},\"finish_reason\":null}]}"},
  {"data":"{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4.1-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"jour\"},\"finish_reason\":\"stop\"}]}"},
  {"data":"[DONE]"}],
 "events":[
  {"type":"response-start","id":"c1","model":"gpt-4.1-mini"},
  {"type":"text-delta","text":"Bon"},
  {"type":"text-delta","text":"` + want + `"},
  {"type":"finish","reason":"stop","raw_reason":"stop"}]}
]`)
}

func (a adapter) Transform(in *abi.TransformInput, out *guest.Output) error {
	if mode == "regress" {
		for _, c := range in.Chunks {
			if bytes.Contains(c.Data, []byte(`"usage"`)) {
				return abi.Errorf(abi.CodeServerError, "regression: cannot read the usage chunk")
			}
		}
	}
	return a.Adapter.Transform(in, out)
}

func init() { guest.Register(adapter{openai.New()}) }

func main() {}
