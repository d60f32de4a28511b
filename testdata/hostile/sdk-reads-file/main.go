// Command sdk-reads-file is a hostile test adapter (guest SDK) whose
// Transform reads /etc/passwd with os.ReadFile. The Go toolchain then links
// the WASI filesystem import path_open into the module, and the host must
// refuse the module at load, naming that import: a module never gets the
// chance to try.
package main

import (
	"os"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

func init() { guest.Register(adapter{}) }

func main() {}

type adapter struct{}

func (adapter) Capabilities(model string) abi.Capabilities {
	return abi.Capabilities{Name: "sdk-reads-file", Auth: abi.Auth{Scheme: abi.AuthNone},
		Features: abi.Features{ToolCalling: abi.SupportNone, StructuredOutput: abi.SupportNone}}
}

func (adapter) Project(req *abi.Request) (*abi.ProviderRequest, error) {
	return &abi.ProviderRequest{Method: "POST", Path: "/", StreamFraming: abi.FramingNone}, nil
}

func (adapter) Transform(in *abi.TransformInput, out *guest.Output) error {
	b, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return err
	}
	out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: string(b)})
	return nil
}

func (adapter) ParseResponse(in *abi.ResponseInput, out *guest.Output) error { return nil }

func (adapter) MapError(in *abi.ResponseInput, out *guest.Output) error {
	out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeServerError, Message: "mapped"})
	return nil
}
