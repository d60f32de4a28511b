package adapterset

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmadapt/wasmadapt/internal/adapterset/generate"
)

// TestGeneratedIsCurrent: zz_generated.go lists exactly the adapter
// modules of adapters-wasm/, each with the constructor its module
// registers.
func TestGeneratedIsCurrent(t *testing.T) {
	want, err := generate.Generate(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(generate.GeneratedFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale (an adapter module was added, removed or changed): run go generate ./internal/adapterset", generate.GeneratedFile)
	}
}

func TestNew(t *testing.T) {
	names := Names()
	if len(names) == 0 {
		t.Fatal("no adapters")
	}
	for _, n := range names {
		if New(n) == nil {
			t.Errorf("New(%q) = nil", n)
		}
	}
	if New("no-such-adapter") != nil {
		t.Error("New of an unknown name is not nil")
	}
}
