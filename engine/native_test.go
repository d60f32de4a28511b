package engine

import (
	"context"
	"log/slog"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine/internal/echo"
	"github.com/wasmadapt/wasmadapt/guest"
)

// echoAdapter is the adapter of testdata/guests/echo, run natively.
type echoAdapter = echo.Adapter

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
