package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
)

// thisModule is this repository's Go module path.
const thisModule = "github.com/wasmadapt/wasmadapt"

// buildVersion returns the version of the wasmadapt module this binary was
// built from: the module version for `go install ...@vX`, a pseudo-version
// or "(devel)" with the VCS revision for a build inside a clone.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := bi.Main.Version
	if bi.Main.Path != thisModule {
		for _, d := range bi.Deps {
			if d.Path == thisModule {
				v = d.Version
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev != "" && !strings.Contains(v, rev[:min(12, len(rev))]) {
		v += " (" + rev[:min(12, len(rev))] + dirty + ")"
	}
	return v
}

func printVersion(w io.Writer) {
	fmt.Fprintf(w, "wasmrun %s\n", buildVersion())
	fmt.Fprintf(w, "abi %s\n", abi.VersionString(abi.Version))
	fmt.Fprintf(w, "go %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "backend %s (compiled in: %s)\n", engine.DefaultBackend(), strings.Join(engine.Backends(), ", "))
}
