package main

import (
	"context"
	"crypto/ed25519"
	"path"
	"strings"
	"sync/atomic"

	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/gateway"
	"github.com/wasmadapt/wasmadapt/gateway/config"
	"github.com/wasmadapt/wasmadapt/modules/oci"
)

// ociPrefix starts a target's module that is an OCI reference:
// oci://HOST/REPOSITORY[:TAG][@sha256:DIGEST] (package modules/oci).
const ociPrefix = "oci://"

// isOCI reports whether a target's module names an OCI reference.
func isOCI(module string) bool { return strings.HasPrefix(module, ociPrefix) }

// moduleKeys are the ed25519 public keys of which one must have signed
// every OCI module: the -module-keys flag's and the configuration's
// module_public_keys, replaced at each reload of the configuration
// (before its modules load), so that a key added or withdrawn in the file
// applies to the next reload without a restart. None: modules need no
// signature.
type moduleKeys struct {
	flag []ed25519.PublicKey
	cur  atomic.Pointer[[]ed25519.PublicKey]
}

// newModuleKeys returns the keys of the flag and of cfg.
func newModuleKeys(flag []ed25519.PublicKey, cfg *config.Config) *moduleKeys {
	k := &moduleKeys{flag: flag}
	k.use(cfg)
	return k
}

// use makes the keys those of the flag and of cfg; undo restores the
// previous ones (a reload that was refused).
func (k *moduleKeys) use(cfg *config.Config) (undo func()) {
	keys := append(append([]ed25519.PublicKey(nil), k.flag...), cfg.PublicKeys()...)
	old := k.cur.Swap(&keys)
	return func() { k.cur.Store(old) }
}

// get returns the keys in force.
func (k *moduleKeys) get() []ed25519.PublicKey {
	if p := k.cur.Load(); p != nil {
		return *p
	}
	return nil
}

// ociLoader is the gateway.ModuleLoader of modules in an OCI registry
// (kept in the command so that package gateway does not depend on the OCI
// client): a reference starting with oci:// is pulled (oci.Pull: digests
// checked, and, when keys gives public keys, its signature: an unsigned
// module or one no key verifies does not load) and loaded into eng under
// the module name its manifest records, else the repository's last path
// element; any other reference goes to next (gateway.FileLoader, say). A
// tag is resolved at each load, so a reload picks up a tag that moved; a
// digest-pinned reference always loads the same bytes. pulled, when not
// nil, is told each reference loaded and the manifest digest it resolved
// to (what a watcher of tags compares with oci.Resolve).
func ociLoader(eng *engine.Engine, next gateway.ModuleLoader, o oci.PullOptions, keys func() []ed25519.PublicKey, pulled func(ref, digest string)) gateway.ModuleLoader {
	return func(ctx context.Context, ref string) (engine.Module, error) {
		if !isOCI(ref) {
			return next(ctx, ref)
		}
		po := o
		if keys != nil {
			po.PublicKeys = keys()
		}
		a, err := oci.Pull(ctx, ref, po)
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
