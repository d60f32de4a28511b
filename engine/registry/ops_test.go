package registry

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/internal/testenv"
)

// TestHandleOps: a registry handle serves operations on its active
// version (the built anthropic module, when `make` built it).
func TestHandleOps(t *testing.T) {
	wasm, err := os.ReadFile(filepath.Join("..", "..", "bin", "adapters", "anthropic.wasm"))
	if err != nil {
		testenv.SkipMissing(t, "bin/adapters/anthropic.wasm is not built (make bin/adapters/anthropic.wasm)")
	}
	ctx := context.Background()
	e := newEngine(t, engine.Config{PoolSize: 1, Logger: slog.New(slog.DiscardHandler)})
	r := New(e, Options{})
	t.Cleanup(func() { r.Close(ctx) })
	if _, err := r.Load(ctx, "anthropic", wasm, WithActivate()); err != nil {
		t.Fatal(err)
	}
	var opr api.Operator = r.Module("anthropic")
	pr, err := opr.ProjectOp(ctx, &abi.OpCall{Op: abi.OpModels, Request: []byte(`{}`)})
	if err != nil || pr.Path != "/v1/models" {
		t.Fatalf("ProjectOp = %+v, %v", pr, err)
	}
	_, err = opr.ProjectOp(ctx, &abi.OpCall{Op: abi.OpEmbed, Request: []byte(`{"model":"m","inputs":["a"]}`)})
	if abi.CodeOf(err) != abi.CodeCapabilityUnsupported {
		t.Fatalf("embed on a module without it: %v, want capability_unsupported", err)
	}
}
