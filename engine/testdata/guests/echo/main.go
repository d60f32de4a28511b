// Command echo is a well-behaved test adapter: Transform emits one
// text-delta per chunk (the chunk's data) and counts chunks in its state.
package main

import (
	"encoding/binary"
	"strconv"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

func init() { guest.Register(adapter{}) }

func main() {}

type adapter struct{}

func (adapter) Capabilities(model string) abi.Capabilities {
	return abi.Capabilities{
		Name: "echo", Version: "0.1.0", Provider: "echo", Model: model,
		Auth:     abi.Auth{Scheme: abi.AuthBearer},
		Features: abi.Features{Streaming: true, ToolCalling: abi.SupportNone, StructuredOutput: abi.SupportNone},
	}
}

func (adapter) Project(req *abi.Request) (*abi.ProviderRequest, error) {
	if req.Model == "" {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "model is required")
	}
	return &abi.ProviderRequest{Method: "POST", Path: "/echo/" + req.Model, StreamFraming: abi.FramingSSE,
		Body: []byte(`{"n":` + strconv.Itoa(len(req.Messages)) + `}`)}, nil
}

func (adapter) Transform(in *abi.TransformInput, out *guest.Output) error {
	var n uint32
	if len(in.State) == 4 {
		n = binary.LittleEndian.Uint32(in.State)
	}
	for _, c := range in.Chunks {
		n++
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: string(c.Data)})
	}
	if in.Flags&abi.FlagEnd != 0 {
		out.Emit(&abi.Event{Type: abi.EventUsage, Usage: abi.Usage{OutputTokens: int(n)}})
		out.Emit(&abi.Event{Type: abi.EventFinish, Reason: abi.FinishStop, RawReason: "end"})
	}
	out.SetState(binary.LittleEndian.AppendUint32(nil, n))
	return nil
}

func (adapter) ParseResponse(in *abi.ResponseInput, out *guest.Output) error {
	out.Emit(&abi.Event{Type: abi.EventResponseStart, ID: "r1", Model: "echo"})
	out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: string(in.Body)})
	out.Emit(&abi.Event{Type: abi.EventFinish, Reason: abi.FinishStop})
	return nil
}

func (adapter) MapError(in *abi.ResponseInput, out *guest.Output) error {
	code := abi.CodeServerError
	if in.Status == 429 {
		code = abi.CodeRateLimited
	}
	out.Emit(&abi.Event{Type: abi.EventError, Code: code, Message: string(in.Body), Retryable: code == abi.CodeRateLimited})
	return nil
}
