// Package modules builds the adapter modules shipped in this repository
// from their Go sources, so that a program which only `go get`s
// github.com/wasmadapt/wasmadapt can load them: no clone, no make, no
// prebuilt .wasm files to carry around.
//
//	wasm, err := modules.Build(ctx, "openai")           // the Go toolchain builds it
//	m, err := modules.Load(ctx, eng, "openai")          // Build, then eng.Load
//
// The sources are this module's own: found through the Go module cache
// (the copy `go get` downloaded) or the checkout this package was built
// from. Building needs the go command (the one in PATH, or Options.GoTool)
// with a Go toolchain at least as new as the go.mod's; the build cache makes
// every build after the first quick (about a second: the link).
package modules

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/wasmadapt/wasmadapt/engine"
)

// ModulePath is the Go module whose adapters this package builds.
const ModulePath = "github.com/wasmadapt/wasmadapt"

// SourceEnv names an environment variable that, when set, is the source
// directory (the root of a checkout of ModulePath) to build from.
const SourceEnv = "WASMADAPT_SRC"

// ErrNoSource is returned when no copy of the module's sources is found.
var ErrNoSource = errors.New("modules: the sources of " + ModulePath + " are not available")

// UnknownModuleError is returned for a name that is not a shipped module.
type UnknownModuleError struct {
	Name  string
	Known []string
}

// Error lists the shipped modules.
func (e *UnknownModuleError) Error() string {
	return fmt.Sprintf("modules: no shipped module %q (shipped: %s)", e.Name, strings.Join(e.Known, ", "))
}

// BuildError is a failed go build, with the compiler's output.
type BuildError struct {
	Package string
	Output  string
	Err     error
}

// Error includes the go command's output.
func (e *BuildError) Error() string {
	return fmt.Sprintf("modules: building %s: %v\n%s", e.Package, e.Err, strings.TrimSpace(e.Output))
}

// Unwrap returns the go command's error.
func (e *BuildError) Unwrap() error { return e.Err }

// Options adjust Build. The zero value builds from the sources Source
// finds with the go command in PATH.
type Options struct {
	// SourceDir is the root of the sources (default: Source()).
	SourceDir string
	// GoTool is the go command (default "go" from PATH).
	GoTool string
	// Strip links with -ldflags=-s -w: the module loses its name section
	// (function names in trap stack traces) and DWARF, about 2% of its
	// size (4.02 to 3.94 MB for openai), with no effect on compile time
	// or on the size of the compiled code.
	Strip bool
}

// Source returns the root directory of this module's sources, tried in
// order: $WASMADAPT_SRC; the directory this package was compiled from
// (a checkout or the module cache, when the binary was not built with
// -trimpath); `go list -m` of the module from the current directory (a
// program that requires it); `go mod download` of the version recorded in
// the running binary's build information.
func Source(ctx context.Context) (string, error) {
	return source(ctx, "go")
}

func source(ctx context.Context, goTool string) (string, error) {
	if d := os.Getenv(SourceEnv); d != "" {
		if !isSource(d) {
			return "", fmt.Errorf("modules: $%s=%s is not a checkout of %s (no go.mod naming it, or no adapters-wasm/)", SourceEnv, d, ModulePath)
		}
		return d, nil
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		if d := filepath.Dir(filepath.Dir(file)); isSource(d) {
			return d, nil
		}
	}
	var tried []string
	if d, err := goJSONDir(ctx, goTool, "list", "-m", "-json", ModulePath); err == nil && isSource(d) {
		return d, nil
	} else if err != nil {
		tried = append(tried, err.Error())
	}
	if v := dependencyVersion(); v != "" {
		if d, err := goJSONDir(ctx, goTool, "mod", "download", "-json", ModulePath+"@"+v); err == nil && isSource(d) {
			return d, nil
		} else if err != nil {
			tried = append(tried, err.Error())
		}
	}
	return "", fmt.Errorf("%w: set $%s to a checkout, or run from a module that requires it (%s)", ErrNoSource, SourceEnv, strings.Join(tried, "; "))
}

// dependencyVersion returns the version of ModulePath recorded in the
// running binary, "" for a development build.
func dependencyVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	mods := append([]*debug.Module{&bi.Main}, bi.Deps...)
	for _, m := range mods {
		if m.Path == ModulePath && m.Version != "" && m.Version != "(devel)" {
			if m.Replace != nil {
				return ""
			}
			return m.Version
		}
	}
	return ""
}

func goJSONDir(ctx context.Context, goTool string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, goTool, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil {
		return "", fmt.Errorf("go %s: %v", strings.Join(args, " "), err)
	}
	if m.Dir == "" {
		return "", fmt.Errorf("go %s: no directory %s", strings.Join(args, " "), m.Error)
	}
	return m.Dir, nil
}

// isSource reports whether dir is the root of this module's sources.
func isSource(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil || !bytes.HasPrefix(bytes.TrimSpace(b), []byte("module "+ModulePath+"\n")) {
		return false
	}
	fi, err := os.Stat(filepath.Join(dir, "adapters-wasm"))
	return err == nil && fi.IsDir()
}

// Names returns the shipped modules found in the sources, sorted.
func Names(ctx context.Context) ([]string, error) {
	dir, err := Source(ctx)
	if err != nil {
		return nil, err
	}
	return names(dir)
}

func names(dir string) ([]string, error) {
	mains, err := filepath.Glob(filepath.Join(dir, "adapters-wasm", "*", "module", "main.go"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range mains {
		out = append(out, filepath.Base(filepath.Dir(filepath.Dir(m))))
	}
	sort.Strings(out)
	return out, nil
}

// Package returns the directory of a module's main package relative to
// the source root: ./adapters-wasm/NAME/module.
func Package(name string) string { return "./adapters-wasm/" + name + "/module" }

// Build builds the shipped module name (see Names) for GOOS=wasip1
// GOARCH=wasm with -buildmode=c-shared -trimpath -buildvcs=false and
// returns its bytes: the same bytes as the repository's `make` for the same
// sources and toolchain, so the same digest.
func Build(ctx context.Context, name string, opts ...Options) ([]byte, error) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.GoTool == "" {
		o.GoTool = "go"
	}
	if o.SourceDir == "" {
		d, err := source(ctx, o.GoTool)
		if err != nil {
			return nil, err
		}
		o.SourceDir = d
	}
	known, err := names(o.SourceDir)
	if err != nil {
		return nil, err
	}
	if i := sort.SearchStrings(known, name); i == len(known) || known[i] != name {
		return nil, &UnknownModuleError{Name: name, Known: known}
	}
	return BuildPackage(ctx, o.SourceDir, Package(name), o)
}

// BuildPackage builds the Go main package pkg (an import path, or a path
// relative to dir) in the module at dir as an adapter module and returns
// its bytes. o.SourceDir is ignored.
func BuildPackage(ctx context.Context, dir, pkg string, o Options) ([]byte, error) {
	if o.GoTool == "" {
		o.GoTool = "go"
	}
	tmp, err := os.MkdirTemp("", "wasmadapt-build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "module.wasm")
	// -buildvcs=false: the bytes, and so the digest, do not depend on
	// the state of a checkout (a module cache copy has none anyway).
	args := []string{"build", "-buildmode=c-shared", "-trimpath", "-buildvcs=false", "-o", out}
	if o.Strip {
		args = append(args, "-ldflags=-s -w")
	}
	cmd := exec.CommandContext(ctx, o.GoTool, append(args, pkg)...)
	cmd.Dir = dir
	// The module cache is read-only and has no vendor directory: never
	// let GOFLAGS ask for either to change.
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOFLAGS="+goflags(os.Getenv("GOFLAGS")), "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, &BuildError{Package: pkg, Output: string(b), Err: err}
	}
	return os.ReadFile(out)
}

// Load builds the shipped module name and loads it into eng under that
// name.
func Load(ctx context.Context, eng *engine.Engine, name string, opts ...Options) (engine.Module, error) {
	wasm, err := Build(ctx, name, opts...)
	if err != nil {
		return nil, err
	}
	return eng.Load(ctx, name, wasm)
}

// goflags keeps the user's GOFLAGS but -mod, which becomes readonly.
func goflags(s string) string {
	var out []string
	for _, f := range strings.Fields(s) {
		if !strings.HasPrefix(f, "-mod=") {
			out = append(out, f)
		}
	}
	return strings.Join(append(out, "-mod=readonly"), " ")
}
