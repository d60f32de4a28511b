// Package oci pushes adapter modules to OCI registries and pulls them
// back, verified, before anything compiles them.
//
// A module is stored as a Wasm OCI artifact in the layout Istio, Envoy
// Gateway and Higress pull (their "OCI compatible" Wasm image variant): an
// image manifest whose config has media type MediaTypeConfig and whose
// single layer, MediaTypeLayer, is the module's bytes. The manifest's
// annotations carry the module's name, version, ABI version and default
// capabilities (Annotation*), so a registry listing says what a module is
// without running it. The manifest's creation time is fixed, so pushing the
// same bytes with the same capabilities gives the same manifest digest.
//
// A module can be signed: the ed25519 signature of its bytes (the same
// signature registry.Options.PublicKeys checks) is pushed as an OCI
// referrer of the module's manifest, artifact type ArtifactTypeSignature
// (through the referrers API, or the referrers tag scheme on registries
// without it). Pull with public keys refuses a module without a valid
// signature. Pull always checks every digest: the manifest's against a
// pinned reference (name@sha256:...), the layer's against the manifest, so
// a registry serving other bytes is refused.
package oci

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/wasmadapt/wasmadapt/abi"
)

// Media types and annotations of a module artifact.
const (
	// MediaTypeConfig is the config blob's media type (Istio's
	// OCI-compatible Wasm image variant).
	MediaTypeConfig = "application/vnd.module.wasm.config.v1+json"
	// MediaTypeLayer is the module layer's media type: the raw .wasm.
	MediaTypeLayer = "application/vnd.module.wasm.content.layer.v1+wasm"
	// ArtifactTypeSignature is the artifact type of a signature referrer;
	// its one layer (MediaTypeSignature) is the 64-byte ed25519 signature
	// of the module's bytes.
	ArtifactTypeSignature = "application/vnd.wasmadapt.signature.v1"
	// MediaTypeSignature is the signature layer's media type.
	MediaTypeSignature = "application/vnd.wasmadapt.signature.v1+ed25519"

	AnnotationModule       = "dev.wasmadapt.module.name"
	AnnotationVersion      = "dev.wasmadapt.module.version"
	AnnotationABIVersion   = "dev.wasmadapt.abi.version"
	AnnotationCapabilities = "dev.wasmadapt.capabilities"
	// AnnotationPublicKey on a signature referrer is the hex public key
	// that made it (informative: Pull checks against its own keys).
	AnnotationPublicKey = "dev.wasmadapt.signature.public-key"
)

// createdAt is every manifest's creation time: pushes are reproducible.
const createdAt = "2000-01-01T00:00:00Z"

// DefaultMaxBytes caps the module layer Pull accepts.
const DefaultMaxBytes = 64 << 20

// VerifyError is an artifact Pull refused: a digest that does not match,
// a missing or invalid signature, a layout that is not a module.
type VerifyError struct {
	Ref    string
	Reason string
}

// Error says what was refused and why.
func (e *VerifyError) Error() string { return "oci: " + e.Ref + ": refused: " + e.Reason }

// Reference is a parsed module reference: oci://host[:port]/repo[:tag][@sha256:...]
// (the oci:// prefix is optional).
type Reference struct {
	Registry, Repository string
	// Tag and Digest; at least one is set (Tag defaults to "latest").
	Tag, Digest string
}

// ParseReference parses a module reference.
func ParseReference(s string) (Reference, error) {
	raw := strings.TrimPrefix(s, "oci://")
	var r Reference
	if i := strings.Index(raw, "@"); i >= 0 {
		d, err := digest.Parse(raw[i+1:])
		if err != nil {
			return r, fmt.Errorf("oci: %s: bad digest: %w", s, err)
		}
		r.Digest, raw = d.String(), raw[:i]
	}
	slash := strings.Index(raw, "/")
	if slash <= 0 {
		return r, fmt.Errorf("oci: %s: want oci://HOST/REPOSITORY[:TAG][@sha256:DIGEST]", s)
	}
	r.Registry, raw = raw[:slash], raw[slash+1:]
	if i := strings.LastIndex(raw, ":"); i >= 0 {
		r.Tag, raw = raw[i+1:], raw[:i]
	}
	r.Repository = raw
	if r.Tag == "" && r.Digest == "" {
		r.Tag = "latest"
	}
	if r.Repository == "" {
		return r, fmt.Errorf("oci: %s: no repository", s)
	}
	return r, nil
}

// String formats r as HOST/REPO[:TAG][@DIGEST].
func (r Reference) String() string {
	s := r.Registry + "/" + r.Repository
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	return s
}

// Options are the connection settings of Push and Pull.
type Options struct {
	// PlainHTTP talks HTTP instead of HTTPS; the default is HTTPS except
	// for loopback registries (localhost, 127.0.0.0/8, ::1).
	PlainHTTP *bool
	// Client is the HTTP client (credentials, timeouts); default
	// oras-go's auth.DefaultClient.
	Client remote.Client
}

func (o Options) repository(r Reference) (*remote.Repository, error) {
	repo, err := remote.NewRepository(r.Registry + "/" + r.Repository)
	if err != nil {
		return nil, fmt.Errorf("oci: %w", err)
	}
	if o.PlainHTTP != nil {
		repo.PlainHTTP = *o.PlainHTTP
	} else {
		repo.PlainHTTP = isLoopback(r.Registry)
	}
	if o.Client != nil {
		repo.Client = o.Client
	}
	return repo, nil
}

func isLoopback(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// PushOptions adjust Push.
type PushOptions struct {
	Options
	// Capabilities, when set, are recorded as annotations.
	Capabilities *abi.Capabilities
	// Key, when set, signs the module: the signature is pushed as a
	// referrer of its manifest.
	Key ed25519.PrivateKey
}

// Push stores wasm at ref (a tag; a digest in ref must match what is
// pushed) and returns the manifest's descriptor.
func Push(ctx context.Context, ref string, wasm []byte, o PushOptions) (ocispec.Descriptor, error) {
	r, err := ParseReference(ref)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	repo, err := o.repository(r)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	ann := map[string]string{ocispec.AnnotationCreated: createdAt}
	cfg := map[string]string{}
	if c := o.Capabilities; c != nil {
		b, err := json.Marshal(c)
		if err != nil {
			return ocispec.Descriptor{}, err
		}
		ann[AnnotationModule], ann[AnnotationVersion], ann[AnnotationABIVersion], ann[AnnotationCapabilities] = c.Name, c.Version, c.ABIVersion, string(b)
		ann[ocispec.AnnotationTitle], ann[ocispec.AnnotationVersion] = c.Name, c.Version
		cfg["name"], cfg["version"], cfg["abi_version"] = c.Name, c.Version, c.ABIVersion
	}
	cfgBytes, _ := json.Marshal(cfg)
	cfgDesc, err := oras.PushBytes(ctx, repo, MediaTypeConfig, cfgBytes)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("oci: pushing the config: %w", err)
	}
	layer, err := oras.PushBytes(ctx, repo, MediaTypeLayer, wasm)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("oci: pushing the module: %w", err)
	}
	layer.Annotations = map[string]string{ocispec.AnnotationTitle: "plugin.wasm"}
	man, err := oras.PackManifest(ctx, repo, oras.PackManifestVersion1_1, "", oras.PackManifestOptions{
		Layers: []ocispec.Descriptor{layer}, ConfigDescriptor: &cfgDesc, ManifestAnnotations: ann,
	})
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("oci: pushing the manifest: %w", err)
	}
	if r.Digest != "" && r.Digest != man.Digest.String() {
		return man, &VerifyError{Ref: ref, Reason: "the pushed manifest is " + man.Digest.String()}
	}
	if o.Key != nil {
		sig := ed25519.Sign(o.Key, wasm)
		sigDesc, err := oras.PushBytes(ctx, repo, MediaTypeSignature, sig)
		if err != nil {
			return man, fmt.Errorf("oci: pushing the signature: %w", err)
		}
		pub := o.Key.Public().(ed25519.PublicKey)
		if _, err := oras.PackManifest(ctx, repo, oras.PackManifestVersion1_1, ArtifactTypeSignature, oras.PackManifestOptions{
			Subject: &man, Layers: []ocispec.Descriptor{sigDesc},
			ManifestAnnotations: map[string]string{ocispec.AnnotationCreated: createdAt, AnnotationPublicKey: fmt.Sprintf("%x", []byte(pub))},
		}); err != nil {
			return man, fmt.Errorf("oci: pushing the signature manifest: %w", err)
		}
	}
	// The tag moves last: a watcher that sees the new digest finds its
	// signature already there.
	if r.Tag != "" {
		if err := repo.Tag(ctx, man, r.Tag); err != nil {
			return man, fmt.Errorf("oci: tagging %s: %w", r.Tag, err)
		}
	}
	return man, nil
}

// PullOptions adjust Pull.
type PullOptions struct {
	Options
	// PublicKeys, when set, require a signature referrer made by one of
	// them over the module's bytes.
	PublicKeys []ed25519.PublicKey
	// MaxBytes caps the module's size (default DefaultMaxBytes).
	MaxBytes int64
}

// Artifact is a pulled, verified module.
type Artifact struct {
	// Wasm is the module's bytes.
	Wasm []byte
	// Manifest is the manifest's digest: pin it (name@digest) to get
	// these bytes again.
	Manifest string
	// Layer is the module layer's digest (sha256 of Wasm).
	Layer string
	// Annotations are the manifest's annotations.
	Annotations map[string]string
	// Signature is the verifying signature (nil without PublicKeys).
	Signature []byte
}

// Resolve returns the manifest digest ref names now (a tag's current
// digest): what a watcher compares to decide whether to pull.
func Resolve(ctx context.Context, ref string, o Options) (string, error) {
	r, err := ParseReference(ref)
	if err != nil {
		return "", err
	}
	repo, err := o.repository(r)
	if err != nil {
		return "", err
	}
	key := r.Digest
	if key == "" {
		key = r.Tag
	}
	d, err := repo.Resolve(ctx, key)
	if err != nil {
		return "", fmt.Errorf("oci: resolving %s: %w", ref, err)
	}
	return d.Digest.String(), nil
}

// Pull fetches the module at ref and verifies it: the manifest's digest
// when ref pins one, the layer's digest and size, and with PublicKeys its
// signature. Nothing unverified is returned.
func Pull(ctx context.Context, ref string, o PullOptions) (*Artifact, error) {
	r, err := ParseReference(ref)
	if err != nil {
		return nil, err
	}
	repo, err := o.repository(r)
	if err != nil {
		return nil, err
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	key := r.Digest
	if key == "" {
		key = r.Tag
	}
	desc, err := repo.Resolve(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("oci: resolving %s: %w", ref, err)
	}
	if r.Digest != "" && desc.Digest.String() != r.Digest {
		return nil, &VerifyError{Ref: ref, Reason: "the registry resolved it to " + desc.Digest.String()}
	}
	if desc.Size > 1<<20 {
		return nil, &VerifyError{Ref: ref, Reason: fmt.Sprintf("a %d-byte manifest", desc.Size)}
	}
	mb, err := content.FetchAll(ctx, repo, desc) // checks size and digest
	if err != nil {
		return nil, verifyOr(ref, err)
	}
	var man ocispec.Manifest
	if err := json.Unmarshal(mb, &man); err != nil {
		return nil, &VerifyError{Ref: ref, Reason: "the manifest is not JSON: " + err.Error()}
	}
	if man.Config.MediaType != MediaTypeConfig || len(man.Layers) != 1 || man.Layers[0].MediaType != MediaTypeLayer {
		return nil, &VerifyError{Ref: ref, Reason: fmt.Sprintf("not a Wasm module artifact (config %s, %d layer(s))", man.Config.MediaType, len(man.Layers))}
	}
	layer := man.Layers[0]
	if layer.Size > o.MaxBytes {
		return nil, &VerifyError{Ref: ref, Reason: fmt.Sprintf("the module is %d bytes, over the %d-byte limit", layer.Size, o.MaxBytes)}
	}
	wasm, err := content.FetchAll(ctx, repo, layer) // checks size and digest
	if err != nil {
		return nil, verifyOr(ref, err)
	}
	a := &Artifact{Wasm: wasm, Manifest: desc.Digest.String(), Layer: layer.Digest.String(), Annotations: man.Annotations}
	if len(o.PublicKeys) == 0 {
		return a, nil
	}
	var sigs []ocispec.Descriptor
	if err := repo.Referrers(ctx, desc, ArtifactTypeSignature, func(ds []ocispec.Descriptor) error {
		sigs = append(sigs, ds...)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("oci: listing the signatures of %s: %w", ref, err)
	}
	for _, sd := range sigs {
		sb, err := content.FetchAll(ctx, repo, sd)
		if err != nil {
			continue
		}
		var sm ocispec.Manifest
		if json.Unmarshal(sb, &sm) != nil || len(sm.Layers) != 1 || sm.Layers[0].MediaType != MediaTypeSignature || sm.Layers[0].Size != ed25519.SignatureSize {
			continue
		}
		sig, err := content.FetchAll(ctx, repo, sm.Layers[0])
		if err != nil {
			continue
		}
		for _, k := range o.PublicKeys {
			if len(k) == ed25519.PublicKeySize && ed25519.Verify(k, wasm, sig) {
				a.Signature = sig
				return a, nil
			}
		}
	}
	return nil, &VerifyError{Ref: ref, Reason: fmt.Sprintf("no valid signature by the given key(s) among %d signature(s)", len(sigs))}
}

// verifyOr turns a content digest or size mismatch into a VerifyError.
func verifyOr(ref string, err error) error {
	if errors.Is(err, content.ErrMismatchedDigest) || errors.Is(err, content.ErrTrailingData) || strings.Contains(err.Error(), "mismatch") {
		return &VerifyError{Ref: ref, Reason: "the registry served other bytes: " + err.Error()}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("oci: %s: %w", ref, err)
	}
	return fmt.Errorf("oci: fetching %s: %w", ref, err)
}
