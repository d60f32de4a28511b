// Package echo is the engine tests' well-behaved adapter: Transform emits
// one text-delta per chunk (the chunk's data) and counts chunks in its
// state. The Wasm guest testdata/guests/echo and the native tests use this
// one package, so their outputs can be compared byte for byte.
package echo

import (
	"encoding/binary"
	"strconv"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Adapter is the echo adapter.
type Adapter struct{}

// Capabilities declares streaming only.
func (Adapter) Capabilities(model string) abi.Capabilities {
	return abi.Capabilities{
		Name: "echo", Version: "0.1.0", Provider: "echo", Model: model,
		Auth:     abi.Auth{Scheme: abi.AuthBearer},
		Features: abi.Features{Streaming: true, ToolCalling: abi.SupportNone, StructuredOutput: abi.SupportNone},
	}
}

// Project routes to /echo/<model> and counts the messages.
func (Adapter) Project(req *abi.Request) (*abi.ProviderRequest, error) {
	if req.Model == "" {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "model is required")
	}
	return &abi.ProviderRequest{Method: "POST", Path: "/echo/" + req.Model, StreamFraming: abi.FramingSSE,
		Body: []byte(`{"n":` + strconv.Itoa(len(req.Messages)) + `}`)}, nil
}

// Transform emits each chunk's data as a text-delta and counts chunks in
// a 4-byte state; the end call adds usage and finish.
func (Adapter) Transform(in *abi.TransformInput, out *guest.Output) error {
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

// ParseResponse emits the body as one text-delta.
func (Adapter) ParseResponse(in *abi.ResponseInput, out *guest.Output) error {
	out.Emit(&abi.Event{Type: abi.EventResponseStart, ID: "r1", Model: "echo"})
	out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: string(in.Body)})
	out.Emit(&abi.Event{Type: abi.EventFinish, Reason: abi.FinishStop})
	return nil
}

// MapError maps 429 to rate_limited, anything else to server_error.
func (Adapter) MapError(in *abi.ResponseInput, out *guest.Output) error {
	code := abi.CodeServerError
	if in.Status == 429 {
		code = abi.CodeRateLimited
	}
	out.Emit(&abi.Event{Type: abi.EventError, Code: code, Message: string(in.Body), Retryable: code == abi.CodeRateLimited})
	return nil
}
