package engine

import (
	"context"
	"encoding/binary"
	"log/slog"
	"strconv"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// echoAdapter is the native twin of testdata/guests/echo: the same code,
// so the Wasm module's output can be compared with it byte for byte.
type echoAdapter struct{}

func (echoAdapter) Capabilities(model string) abi.Capabilities {
	return abi.Capabilities{
		Name: "echo", Version: "0.1.0", Provider: "echo", Model: model,
		Auth:     abi.Auth{Scheme: abi.AuthBearer},
		Features: abi.Features{Streaming: true, ToolCalling: abi.SupportNone, StructuredOutput: abi.SupportNone},
	}
}

func (echoAdapter) Project(req *abi.Request) (*abi.ProviderRequest, error) {
	if req.Model == "" {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "model is required")
	}
	return &abi.ProviderRequest{Method: "POST", Path: "/echo/" + req.Model, StreamFraming: abi.FramingSSE,
		Body: []byte(`{"n":` + strconv.Itoa(len(req.Messages)) + `}`)}, nil
}

func (echoAdapter) Transform(in *abi.TransformInput, out *guest.Output) error {
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

func (echoAdapter) ParseResponse(in *abi.ResponseInput, out *guest.Output) error {
	out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: string(in.Body)})
	return nil
}

func (echoAdapter) MapError(in *abi.ResponseInput, out *guest.Output) error {
	out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeServerError, Message: string(in.Body)})
	return nil
}

// badAdapter misbehaves natively according to the chunk data.
type badAdapter struct{ echoAdapter }

func (badAdapter) Transform(in *abi.TransformInput, out *guest.Output) error {
	switch string(in.Chunks[0].Data) {
	case "panic":
		panic("native adapter panics on purpose")
	case "badjson":
		out.EmitRaw([]byte(`{"type":`))
	case "twoerrors":
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: "x"})
	default:
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: "ok"})
	}
	return nil
}

func (badAdapter) Capabilities(model string) abi.Capabilities {
	return abi.Capabilities{Auth: abi.Auth{Scheme: "telepathy"}, Features: abi.Features{ToolCalling: abi.SupportNone, StructuredOutput: abi.SupportNone}}
}

func TestNative(t *testing.T) {
	ctx := context.Background()
	m := NewNativeWithConfig("bad", badAdapter{}, NativeConfig{PoolSize: 1, Logger: slog.New(slog.DiscardHandler)})
	if m.Digest() != "" {
		t.Fatal("native digest not empty")
	}
	_, _, err := m.Transform(ctx, chunks("panic"))
	wantCode(t, err, abi.CodeAdapterTrap, "panicked: native adapter panics on purpose")
	_, _, err = m.Transform(ctx, chunks("badjson"))
	wantCode(t, err, abi.CodeAdapterBadOutput, "event 0: not valid JSON")
	_, err = m.Capabilities(ctx, "")
	wantCode(t, err, abi.CodeAdapterBadOutput, `unknown auth scheme "telepathy"`)
	_, evs, err := m.Transform(ctx, chunks("fine"))
	if err != nil || len(evs) != 1 || evs[0].Text != "ok" {
		t.Fatalf("after faults: %v %v", evs, err)
	}
	if Faults(m) != 3 {
		t.Fatalf("Faults = %d, want 3", Faults(m))
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, _, err = m.Transform(cctx, chunks("fine"))
	wantCode(t, err, abi.CodeAdapterTimeout, "context")
	m.Close(ctx)
}
