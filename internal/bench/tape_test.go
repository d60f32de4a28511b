package bench

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api/cases"
)

// TestTapeOptIn checks ABI 1.1 end to end: the OpenAI module opts in to
// tapes (it exports the marker) unless built with wasmadapt_notape, and
// every recorded OpenAI stream gives the same events through the engine
// whether the host sends tapes (the opted-in module) or plain chunks.
func TestTapeOptIn(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two adapter modules")
	}
	ctx := context.Background()
	taped, plain := wasmOf(t, "openai", ""), wasmOf(t, "openai", "wasmadapt_notape")
	// The interpreter: only the exports are read, and its compilation
	// is a fraction of the compiler's (seconds under -race).
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer rt.Close(ctx)
	for _, c := range []struct {
		wasm []byte
		want bool
	}{{taped, true}, {plain, false}} {
		cm, err := rt.CompileModule(ctx, c.wasm)
		if err != nil {
			t.Fatal(err)
		}
		if _, got := cm.ExportedFunctions()[abi.ExportTapeMarker]; got != c.want {
			t.Errorf("module exports %s: %v, want %v", abi.ExportTapeMarker, got, c.want)
		}
	}
	mt, mp := loadWasm(t, "openai", ""), loadWasm(t, "openai", "wasmadapt_notape")
	all, err := cases.Load(filepath.Join(root, "testdata", "openai"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range all {
		if c.Body == nil || c.Meta.Status >= 400 || c.Meta.Framing == abi.FramingNone || c.Projection == nil && c.Meta.Framing == "" {
			continue
		}
		for _, batch := range []int{1, 0} {
			et, err1 := cases.Replay(ctx, mt, bytes.NewReader(c.Body), abi.FramingSSE, nil, batch)
			ep, err2 := cases.Replay(ctx, mp, bytes.NewReader(c.Body), abi.FramingSSE, nil, batch)
			if (err1 == nil) != (err2 == nil) {
				t.Fatalf("%s: errors differ: %v / %v", c.Name, err1, err2)
			}
			if got, want := string(cases.AppendLines(nil, et)), string(cases.AppendLines(nil, ep)); got != want {
				t.Errorf("%s (batch %d): tapes change the events:\ntapes:\n%s\nbytes:\n%s", c.Name, batch, got, want)
			}
			if len(et) == 0 {
				t.Errorf("%s: no events", c.Name)
			}
		}
		n++
	}
	if n < 5 {
		t.Fatalf("only %d stream cases compared", n)
	}
	t.Logf("%d recorded streams compared, one chunk per call and all in one call", n)
}
