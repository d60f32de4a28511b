package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/wasmadapt/wasmadapt/modules"
)

func init() {
	register(&command{name: "build", usage: "build NAME|PATH [-o FILE] [--strip]",
		help: "build an adapter module: NAME is a shipped module (openai, anthropic, ...; built from the wasmadapt sources in the Go module cache or this checkout, no clone needed), PATH a Go main package directory of your own; writes NAME.wasm (or FILE) with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared -trimpath",
		run:  runBuild})
}

// isModuleName reports whether arg names a shipped module rather than a
// file or directory: no path separator, no .wasm suffix, and no such file.
func isModuleName(arg string) bool {
	if strings.ContainsAny(arg, `/\`) || strings.HasSuffix(arg, ".wasm") || arg == "." || arg == ".." {
		return false
	}
	_, err := os.Stat(arg)
	return os.IsNotExist(err)
}

// buildShipped builds a shipped module from source, telling the user.
func buildShipped(ctx context.Context, e *env, name string, strip bool) ([]byte, error) {
	start := time.Now()
	names, err := modules.Names(ctx)
	if err != nil {
		return nil, fmt.Errorf("no file %s, and no sources to build it as a shipped module: %w", name, err)
	}
	if !slices.Contains(names, name) {
		return nil, fmt.Errorf("no file %s, and no shipped module of that name (%s)", name, strings.Join(names, ", "))
	}
	fmt.Fprintf(e.stderr, "wasmrun: building %s from the wasmadapt sources…\n", name)
	b, err := modules.Build(ctx, name, modules.Options{Strip: strip})
	if err == nil && e.verbose {
		fmt.Fprintf(e.stderr, "wasmrun: built %s in %s\n", name, time.Since(start).Round(time.Millisecond))
	}
	return b, err
}

func runBuild(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	out := fs.String("o", "", "output file (default: NAME.wasm in the current directory)")
	strip := fs.Bool("strip", false, "link with -ldflags='-s -w': about 2% smaller, but traps lose function names")
	pos, err := parseArgs(fs, args, "NAME|PATH")
	if err != nil {
		return err
	}
	start := time.Now()
	var wasm []byte
	name := pos[0]
	if isModuleName(name) {
		if wasm, err = modules.Build(ctx, name, modules.Options{Strip: *strip}); err != nil {
			return err
		}
	} else {
		dir, err := filepath.Abs(name)
		if err != nil {
			return err
		}
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return usagef("%s is neither a shipped module name nor a package directory", name)
		}
		if name = filepath.Base(dir); name == "module" {
			name = filepath.Base(filepath.Dir(dir)) // adapters-wasm/NAME/module
		}
		if wasm, err = modules.BuildPackage(ctx, dir, ".", modules.Options{Strip: *strip}); err != nil {
			return err
		}
	}
	if *out == "" {
		*out = name + ".wasm"
	}
	if err := os.WriteFile(*out, wasm, 0o644); err != nil {
		return err
	}
	sum := sha256.Sum256(wasm)
	fmt.Fprintf(e.stdout, "%s: %.2f MB, sha256:%s, built in %s\n", *out, float64(len(wasm))/1e6, hex.EncodeToString(sum[:]), time.Since(start).Round(time.Millisecond))
	return nil
}
