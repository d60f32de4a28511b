package main

import (
	"context"
	"path"
	"strings"

	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/gateway"
	"github.com/wasmadapt/wasmadapt/modules/oci"
)

// ociPrefix starts a target's module that is an OCI reference:
// oci://HOST/REPOSITORY[:TAG][@sha256:DIGEST] (package modules/oci).
const ociPrefix = "oci://"

// isOCI reports whether a target's module names an OCI reference.
func isOCI(module string) bool { return strings.HasPrefix(module, ociPrefix) }

// ociLoader is the gateway.ModuleLoader of modules in an OCI registry
// (kept in the command so that package gateway does not depend on the OCI
// client): a reference starting with oci:// is pulled (oci.Pull: digests
// checked, and with o.PublicKeys its signature) and loaded into eng under
// the module name its manifest records, else the repository's last path
// element; any other reference goes to next (gateway.FileLoader, say). A
// tag is resolved at each load, so a reload picks up a tag that moved; a
// digest-pinned reference always loads the same bytes. pulled, when not
// nil, is told each reference loaded and the manifest digest it resolved
// to (what a watcher of tags compares with oci.Resolve).
func ociLoader(eng *engine.Engine, next gateway.ModuleLoader, o oci.PullOptions, pulled func(ref, digest string)) gateway.ModuleLoader {
	return func(ctx context.Context, ref string) (engine.Module, error) {
		if !isOCI(ref) {
			return next(ctx, ref)
		}
		a, err := oci.Pull(ctx, ref, o)
		if err != nil {
			return nil, err
		}
		name := a.Annotations[oci.AnnotationModule]
		if name == "" {
			r, _ := oci.ParseReference(ref)
			name = path.Base(r.Repository)
		}
		m, err := eng.Load(ctx, name, a.Wasm)
		if err == nil && pulled != nil {
			pulled(ref, a.Manifest)
		}
		return m, err
	}
}
