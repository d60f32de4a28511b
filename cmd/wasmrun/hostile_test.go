package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// hostileDir is the hostile-module corpus (testdata/hostile/README.md).
const hostileDir = "../../testdata/hostile"

// TestReplayHostile replays a one-chunk recording through every WAT module
// of the hostile corpus whose first expectation is a refusal at load or a
// faulting transform: wasmrun must exit 1 and print that code, never hang
// or die (the sandbox caps hold through the CLI too). The modules are
// built with wat2wasm; the test is skipped without it.
func TestReplayHostile(t *testing.T) {
	if _, err := exec.LookPath("wat2wasm"); err != nil {
		t.Skip("wat2wasm is missing: run `make hostile` (it installs Debian's wabt)")
	}
	dirs, err := filepath.Glob(filepath.Join(hostileDir, "wat-*", "module.wat"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no WAT cases in %s: %v", hostileDir, err)
	}
	tmp := t.TempDir()
	for _, wat := range dirs {
		dir := filepath.Dir(wat)
		name := filepath.Base(dir)
		var c struct {
			Expect []struct {
				Export, Input, Code string
			}
		}
		b, err := os.ReadFile(filepath.Join(dir, "expect.json"))
		if err != nil || json.Unmarshal(b, &c) != nil || len(c.Expect) == 0 {
			t.Fatalf("%s: unreadable expect.json: %v", name, err)
		}
		x := c.Expect[0]
		if x.Code == "" || (x.Export != "load" && x.Export != "transform") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			mod := filepath.Join(tmp, name+".wasm")
			args := []string{wat, "-o", mod}
			if f, err := os.ReadFile(filepath.Join(dir, "wat2wasm-flags")); err == nil {
				args = append(strings.Fields(string(f)), args...)
			}
			if out, err := exec.Command("wat2wasm", args...).CombinedOutput(); err != nil {
				t.Fatalf("wat2wasm: %v\n%s", err, out)
			}
			rec := filepath.Join(tmp, name+".sse")
			if err := os.WriteFile(rec, []byte("data: "+x.Input+"\n\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			// Only the cases about the deadline get a short one; every other
			// case gets one so long that only the fault it provokes can end
			// it, whatever the machine's speed. A hang is the package
			// timeout's to catch.
			timeouts := []string{"--call-timeout", "10m", "--init-timeout", "10m"}
			if x.Code == "adapter_timeout" {
				timeouts = []string{"--call-timeout", "1s", "--init-timeout", "2s"}
			}
			_, errOut, code := wasmrun(t, append([]string{"replay", mod, rec}, timeouts...)...)
			if code != 1 || !strings.Contains(errOut, x.Code) {
				t.Fatalf("exit %d, stderr %q: want exit 1 with %s", code, errOut, x.Code)
			}
		})
	}
}
