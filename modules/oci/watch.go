package oci

import (
	"context"
	"crypto/ed25519"
	"errors"
	"path"
	"strings"
	"time"

	"github.com/wasmadapt/wasmadapt/engine/registry"
)

// WatchOptions configure WatchTag. The zero value is usable.
type WatchOptions struct {
	Options
	// Interval is how often the tag is resolved (default 30s).
	Interval time.Duration
	// Name is the module's name in the registry (default: the artifact's
	// AnnotationModule, else the repository's last path element).
	Name string
	// PublicKeys require a signature by one of them (checked by Pull,
	// and again by the registry.Registry when it has keys of its own).
	PublicKeys []ed25519.PublicKey
	// NoActivate loads new versions without activating them.
	NoActivate bool
	// Once returns after the tag's current digest has been handled.
	Once bool
	// Load, when set, takes each new verified artifact instead of
	// reg.LoadPinned (reg may then be nil): for example to compile it
	// and start a canary of it (package engine/rollout).
	Load func(ctx context.Context, name string, a *Artifact) error
	// OnError receives each failed poll: a registry that is down or
	// slow (retried at the next interval) or an artifact refused
	// (not retried until the tag moves). The active version keeps
	// serving. Registry rejections are reported through the
	// registry.Registry's OnChange instead.
	OnError func(error)
}

// WatchTag keeps the module a tag names loaded in reg: it resolves ref
// every Interval and, when the digest differs from the last one handled,
// pulls the artifact pinned to that digest (every digest and, with
// PublicKeys, the signature verified before the bytes leave Pull) and
// loads it with registry.Registry.LoadPinned, activating it unless
// NoActivate. Many processes watching one tag converge on the digest the
// tag names. It returns when ctx ends (nil), or with Once after one round
// (the error of that round, if any).
func WatchTag(ctx context.Context, ref string, reg *registry.Registry, o WatchOptions) error {
	r, err := ParseReference(ref)
	if err != nil {
		return err
	}
	if o.Interval <= 0 {
		o.Interval = 30 * time.Second
	}
	report := func(err error) {
		if o.OnError != nil {
			o.OnError(err)
		}
	}
	var last string
	poll := func() error {
		d, err := Resolve(ctx, ref, o.Options)
		if err != nil || d == last {
			return err
		}
		pinned := r
		pinned.Digest = d
		a, err := Pull(ctx, "oci://"+pinned.String(), PullOptions{Options: o.Options, PublicKeys: o.PublicKeys})
		if err != nil {
			var ve *VerifyError
			if errors.As(err, &ve) {
				last = d // refused: not again until the tag moves
			}
			return err
		}
		last = d
		name := o.Name
		if name == "" {
			name = a.Annotations[AnnotationModule]
		}
		if name == "" || strings.ContainsAny(name, `/\`) {
			name = path.Base(r.Repository)
		}
		if o.Load != nil {
			return o.Load(ctx, name, a)
		}
		var opts []registry.LoadOption
		if a.Signature != nil {
			opts = append(opts, registry.WithSignature(a.Signature))
		}
		if !o.NoActivate {
			opts = append(opts, registry.WithActivate())
		}
		_, err = reg.LoadPinned(ctx, name, strings.TrimPrefix(a.Layer, "sha256:"), a.Wasm, opts...)
		return err
	}
	t := time.NewTicker(o.Interval)
	defer t.Stop()
	for {
		err := poll()
		if o.Once {
			return err
		}
		var rej *registry.RejectError
		if err != nil && ctx.Err() == nil && !errors.As(err, &rej) {
			report(err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
