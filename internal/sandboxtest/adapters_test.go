package sandboxtest

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api/cases"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/internal/adapterset"
)

// adapters maps each adapter's name (its adapters-wasm and testdata
// directory) to its native constructor, derived from the adapter modules
// (see internal/adapterset): the fuzz targets and the determinism test
// cover every adapter without a hand-kept list.
var adapters = adapterset.Constructors()

func adapterNames() []string { return adapterset.Names() }

// adapterCase is one recorded stream of an adapter's testdata.
type adapterCase struct {
	adapter string
	c       *cases.Case
	framing string
	sctx    []byte // the stream context
}

// streamCases returns the testdata cases of every adapter that hold a
// streamed 2xx body (the ones whose events depend on chunking).
func streamCases(t testing.TB) []adapterCase {
	t.Helper()
	var out []adapterCase
	for _, name := range adapterNames() {
		dir := filepath.Join(repoRoot, "testdata", name)
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		cs, err := cases.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if c.Body == nil || c.Meta.Status >= 400 || c.Meta.Op != "" {
				continue
			}
			fr := c.Meta.Framing
			if fr == "" && c.Projection != nil {
				var pr abi.ProviderRequest
				if json.Unmarshal(c.Projection, &pr) == nil {
					fr = pr.StreamFraming
				}
			}
			if fr == "" {
				fr = abi.FramingSSE
			}
			if fr == abi.FramingNone {
				continue
			}
			ac := adapterCase{adapter: name, c: c, framing: fr}
			if c.Request != nil {
				var req abi.Request
				if err := json.Unmarshal(c.Request, &req); err != nil {
					t.Fatalf("%s/%s: request.json: %v", name, c.Name, err)
				}
				sc := req.Context()
				ac.sctx, _ = json.Marshal(&sc)
			}
			out = append(out, ac)
		}
	}
	return out
}

// nativeModule returns the adapter's native build behind the engine's
// Module (pool, result decoding and the real event validator).
func nativeModule(name string) engine.Module {
	return engine.NewNativeWithConfig(name, adapters[name](), engine.NativeConfig{PoolSize: 1, Logger: slog.New(slog.DiscardHandler),
		// Fuzzing must see every input's own outcome, not a suspension
		// left by an earlier one.
		Crashes: engine.CrashPolicy{Limit: -1}})
}
