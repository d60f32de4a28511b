package host_test

import (
	"os/exec"
	"strings"
	"testing"
)

// runtimePackages are the import path prefixes a host must not link: the
// WebAssembly runtimes, the engine that wraps them and the engine's JSON
// parser. A host depends on the contract (package api), not on a runtime.
var runtimePackages = []string{
	"github.com/tetratelabs/wazero",
	"github.com/bytecodealliance/wasmtime-go",
	"github.com/valyala/fastjson",
	"github.com/wasmadapt/wasmadapt/engine",
}

// TestNoRuntimeDependency: no package of host/... (tests aside) depends,
// directly or not, on a WebAssembly runtime.
func TestNoRuntimeDependency(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not installed: cannot list host's dependencies")
	}
	out, err := exec.Command(gobin, "list", "-deps", "./...").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list -deps ./...: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list -deps ./...: %v", err)
	}
	n := 0
	for _, pkg := range strings.Fields(string(out)) {
		n++
		for _, bad := range runtimePackages {
			if pkg == bad || strings.HasPrefix(pkg, bad+"/") {
				t.Errorf("host/... depends on %s: a host must link the contract (package api), not a runtime", pkg)
			}
		}
	}
	if n == 0 {
		t.Fatal("go list -deps ./... listed no package")
	}
}
