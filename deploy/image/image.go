package main

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Paths in the image, as the Dockerfile places them.
const (
	GatewayPath    = "/usr/local/bin/wasmadapt-gateway"
	WasmrunPath    = "/usr/local/bin/wasmrun"
	DemoModulePath = "/usr/share/wasmadapt/adapters/openai.wasm"
	DemoCasesPath  = "/usr/share/wasmadapt/demo"
	CACertsPath    = "/etc/ssl/certs/ca-certificates.crt"
	// User is the nonroot user and group distroless images use.
	User = "65532:65532"
)

// Entrypoint and Cmd are the image's: with no arguments it serves the
// embedded demo on port 8080; a Deployment gives its own arguments
// (-config ...).
var (
	Entrypoint = []string{GatewayPath}
	Cmd        = []string{"-demo", "-demo-cases=" + DemoCasesPath, "-modules=" + path.Dir(DemoModulePath), "-listen=0.0.0.0:8080"}
)

// Inputs are the files an image is made of.
type Inputs struct {
	// Gateway and Wasmrun are the binaries (linux, static).
	Gateway, Wasmrun string
	// DemoModule is the demo's module, DemoCases its recorded cases.
	DemoModule, DemoCases string
	// CACerts is the CA bundle.
	CACerts string
	// Arch is the binaries' architecture (GOARCH).
	Arch string
	// Created is every file's and the image's time (zero: the Unix
	// epoch).
	Created time.Time
}

// entry is one file or directory of a layer.
type entry struct {
	path string // absolute, in the image
	mode int64
	uid  int
	data []byte
	dir  bool
}

// Build assembles the image: a base layer (the CA bundle, /etc/passwd
// and /etc/group with root and nonroot, /tmp, the nonroot home) and an
// application layer (the binaries and the demo).
func Build(in Inputs) (v1.Image, error) {
	if in.Created.IsZero() {
		in.Created = time.Unix(0, 0).UTC()
	}
	ca, err := os.ReadFile(in.CACerts)
	if err != nil {
		return nil, fmt.Errorf("the CA bundle: %w (give -ca-certs)", err)
	}
	base := []entry{
		{path: "/etc/passwd", mode: 0o644, data: []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")},
		{path: "/etc/group", mode: 0o644, data: []byte("root:x:0:\nnonroot:x:65532:\n")},
		{path: CACertsPath, mode: 0o644, data: ca},
		{path: "/tmp", mode: 0o1777, dir: true},
		{path: "/home/nonroot", mode: 0o700, uid: 65532, dir: true},
	}
	var app []entry
	for _, f := range []struct {
		src, dst string
		mode     int64
	}{{in.Gateway, GatewayPath, 0o755}, {in.Wasmrun, WasmrunPath, 0o755}, {in.DemoModule, DemoModulePath, 0o644}} {
		b, err := os.ReadFile(f.src)
		if err != nil {
			return nil, err
		}
		app = append(app, entry{path: f.dst, mode: f.mode, data: b})
	}
	err = filepath.WalkDir(in.DemoCases, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(in.DemoCases, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		app = append(app, entry{path: path.Join(DemoCasesPath, filepath.ToSlash(rel)), mode: 0o644, data: b})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("the demo cases: %w", err)
	}

	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	for _, l := range []struct {
		entries []entry
		by      string
	}{{base, "wasmadapt deploy/image: distroless/static-style base"}, {app, "wasmadapt deploy/image: wasmadapt-gateway, wasmrun and the demo"}} {
		layer, err := tarLayer(l.entries, in.Created)
		if err != nil {
			return nil, err
		}
		img, err = mutate.Append(img, mutate.Addendum{Layer: layer, MediaType: types.OCILayer,
			History: v1.History{Created: v1.Time{Time: in.Created}, CreatedBy: l.by}})
		if err != nil {
			return nil, err
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS, cf.Created = in.Arch, "linux", v1.Time{Time: in.Created}
	cf.Config = v1.Config{
		User:         User,
		Entrypoint:   Entrypoint,
		Cmd:          Cmd,
		WorkingDir:   "/home/nonroot",
		Env:          []string{"PATH=/usr/local/bin:/usr/bin:/bin", "SSL_CERT_FILE=" + CACertsPath},
		ExposedPorts: map[string]struct{}{"8080/tcp": {}},
		Labels: map[string]string{
			"org.opencontainers.image.title":       "wasmadapt-gateway",
			"org.opencontainers.image.description": "The wasmadapt gateway: OpenAI- and Anthropic-compatible HTTP on sandboxed Wasm adapter modules",
			"org.opencontainers.image.source":      "https://github.com/wasmadapt/wasmadapt",
		},
	}
	return mutate.ConfigFile(img, cf)
}

// tarLayer is a layer holding entries (and their parent directories),
// sorted, each with the time t and root's ownership unless it says
// otherwise.
func tarLayer(entries []entry, t time.Time) (v1.Layer, error) {
	dirs := map[string]bool{}
	all := append([]entry(nil), entries...)
	for _, e := range entries {
		if e.dir {
			dirs[e.path] = true
		}
	}
	for _, e := range entries {
		for d := path.Dir(e.path); d != "/" && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
			all = append(all, entry{path: d, mode: 0o755, dir: true})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].path < all[j].path })
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range all {
		h := &tar.Header{Name: strings.TrimPrefix(e.path, "/"), Mode: e.mode, Uid: e.uid, Gid: e.uid, ModTime: t, Format: tar.FormatPAX}
		if e.dir {
			h.Typeflag, h.Name = tar.TypeDir, h.Name+"/"
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
		tarball.WithMediaType(types.OCILayer))
}

// WriteLayout writes img to dir as an OCI image layout (created, or
// replaced), tagged latest.
func WriteLayout(dir string, img v1.Image) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	return p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "latest"}))
}

// Push pushes img to ref and returns the reference pinned by digest
// (REPO@sha256:...). plainHTTP allows a loopback registry without TLS.
func Push(ctx context.Context, ref string, img v1.Image, plainHTTP bool) (string, error) {
	r, err := parse(ref, plainHTTP)
	if err != nil {
		return "", err
	}
	if err := remote.Write(r, img, remote.WithContext(ctx)); err != nil {
		return "", fmt.Errorf("pushing %s: %w", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		return "", err
	}
	return r.Context().Digest(d.String()).String(), nil
}

// Check pulls ref's manifest and config back and describes the image:
// its digest, user, entrypoint and layers. It fails unless the image is
// this command's (the user, entrypoint and binaries as Build makes them).
func Check(ctx context.Context, ref string, plainHTTP bool) (string, error) {
	r, err := parse(ref, plainHTTP)
	if err != nil {
		return "", err
	}
	desc, err := remote.Get(r, remote.WithContext(ctx))
	if err != nil {
		return "", err
	}
	img, err := desc.Image()
	if err != nil {
		return "", err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return "", err
	}
	if cf.Config.User != User || strings.Join(cf.Config.Entrypoint, " ") != strings.Join(Entrypoint, " ") {
		return "", fmt.Errorf("%s runs %v as %q, want %v as %q", ref, cf.Config.Entrypoint, cf.Config.User, Entrypoint, User)
	}
	files, err := Files(img)
	if err != nil {
		return "", err
	}
	for _, want := range []string{GatewayPath, WasmrunPath, DemoModulePath, CACertsPath} {
		if _, ok := files[want]; !ok {
			return "", fmt.Errorf("%s lacks %s", ref, want)
		}
	}
	layers, _ := img.Layers()
	var b strings.Builder
	fmt.Fprintf(&b, "  manifest %s (%s)\n  config: %s/%s, user %s, entrypoint %v, cmd %v\n", desc.Digest, desc.MediaType, cf.OS, cf.Architecture, cf.Config.User, cf.Config.Entrypoint, cf.Config.Cmd)
	for _, l := range layers {
		d, _ := l.Digest()
		n, _ := l.Size()
		fmt.Fprintf(&b, "  layer %s %d bytes\n", d, n)
	}
	fmt.Fprintf(&b, "  %d files; %s %d bytes\n", len(files), GatewayPath, files[GatewayPath].Size)
	return b.String(), nil
}

// Files lists the files of img's flattened filesystem by absolute path.
func Files(img v1.Image) (map[string]*tar.Header, error) {
	rc := mutate.Extract(img)
	defer rc.Close()
	out := map[string]*tar.Header{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out["/"+strings.TrimSuffix(h.Name, "/")] = h
	}
}

func parse(ref string, plainHTTP bool) (name.Reference, error) {
	var opts []name.Option
	if plainHTTP {
		opts = append(opts, name.Insecure)
	}
	r, err := name.ParseReference(ref, opts...)
	if err != nil {
		return nil, fmt.Errorf("reference %q: %w", ref, err)
	}
	return r, nil
}
