package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/wasmadapt/wasmadapt/internal/registrytest"
)

const demoCases = "../../cmd/wasmrun/testdata/demo"

// inputs are stand-ins for the binaries and the module (their bytes do
// not matter to the image), with the real demo cases and CA bundle.
func inputs(t *testing.T) Inputs {
	t.Helper()
	dir := t.TempDir()
	in := Inputs{DemoCases: demoCases, CACerts: filepath.Join(dir, "ca.crt"), Arch: "amd64"}
	for p, s := range map[*string]string{&in.Gateway: "gateway", &in.Wasmrun: "wasmrun", &in.DemoModule: "openai.wasm"} {
		*p = filepath.Join(dir, s)
		if err := os.WriteFile(*p, []byte("stand-in for "+s), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(in.CACerts, []byte("-----BEGIN CERTIFICATE-----\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return in
}

// TestBuild: the image holds the files where the Dockerfile puts them,
// owned and moded for a nonroot user, and is reproducible.
func TestBuild(t *testing.T) {
	in := inputs(t)
	img, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := img.Digest()
	d2, _ := again.Digest()
	if d1 != d2 {
		t.Fatalf("the same inputs made %s and %s: the build is not reproducible", d1, d2)
	}
	files, err := Files(img)
	if err != nil {
		t.Fatal(err)
	}
	for p, mode := range map[string]int64{GatewayPath: 0o755, WasmrunPath: 0o755, DemoModulePath: 0o644, CACertsPath: 0o644,
		DemoCasesPath + "/01-tool-calls/case.json": 0o644, "/tmp": 0o1777, "/etc/passwd": 0o644} {
		h, ok := files[p]
		if !ok || h.Mode != mode {
			t.Errorf("%s: present %v, mode %o; want mode %o", p, ok, h.Mode, mode)
		}
	}
	if h := files["/home/nonroot"]; h == nil || h.Uid != 65532 {
		t.Errorf("/home/nonroot is not the nonroot user's: %+v", h)
	}
	cf, _ := img.ConfigFile()
	if cf.Config.User != User || cf.OS != "linux" || cf.Architecture != "amd64" || !cf.Created.Time.Equal(cf.History[0].Created.Time) {
		t.Fatalf("config %+v", cf)
	}
	m, _ := img.Manifest()
	if m.MediaType != "application/vnd.oci.image.manifest.v1+json" || m.Config.MediaType != "application/vnd.oci.image.config.v1+json" || len(m.Layers) != 2 {
		t.Fatalf("manifest %+v", m)
	}
}

// TestLayoutAndRegistry: the image written as an OCI layout reads back
// with the same digest, and pushed to a registry (Debian's
// docker-registry on loopback) its manifest and config pull back and pass
// Check.
func TestLayoutAndRegistry(t *testing.T) {
	img, err := Build(inputs(t))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	dir := filepath.Join(t.TempDir(), "oci")
	if err := WriteLayout(dir, img); err != nil {
		t.Fatal(err)
	}
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil || len(im.Manifests) != 1 || im.Manifests[0].Digest != want {
		t.Fatalf("layout index %+v (%v), want one manifest %s", im, err, want)
	}
	host, _ := registrytest.Start(t)
	pinned, err := Push(context.Background(), host+"/wasmadapt/gateway:test", img, true)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(pinned, "@"+want.String()) {
		t.Fatalf("pinned %s, want the digest %s", pinned, want)
	}
	s, err := Check(context.Background(), host+"/wasmadapt/gateway:test", true)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s, want.String()) || !strings.Contains(s, "user 65532:65532") {
		t.Fatalf("check:\n%s", s)
	}
}

// TestDockerfileMatches: the repository's Dockerfile and this command
// make the same image: the same files' destinations, user, entrypoint
// and command.
func TestDockerfileMatches(t *testing.T) {
	f, err := os.Open("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var dsts []string
	var user, workdir string
	var entry, cmd []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		rest := strings.TrimSpace(strings.TrimPrefix(sc.Text(), fields[0]))
		switch fields[0] {
		case "COPY":
			if len(fields) == 4 && strings.HasPrefix(fields[1], "--from=") || len(fields) == 3 && !strings.HasPrefix(fields[1], "--") {
				dsts = append(dsts, fields[len(fields)-1])
			}
		case "USER":
			user = rest
		case "WORKDIR":
			workdir = rest
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(rest), &entry); err != nil {
				t.Fatalf("ENTRYPOINT %s: %v", rest, err)
			}
		case "CMD":
			if err := json.Unmarshal([]byte(rest), &cmd); err != nil {
				t.Fatalf("CMD %s: %v", rest, err)
			}
		}
	}
	// The build stage's COPY lines (go.mod go.sum ./ and . .) are the
	// stage's own; the final stage's are the image's.
	var final []string
	for _, d := range dsts {
		if strings.HasPrefix(d, "/") {
			final = append(final, d)
		}
	}
	wantDsts := []string{GatewayPath, WasmrunPath, DemoModulePath, DemoCasesPath}
	if strings.Join(final, " ") != strings.Join(wantDsts, " ") || user != User || workdir != "/home/nonroot" ||
		strings.Join(entry, " ") != strings.Join(Entrypoint, " ") || strings.Join(cmd, " ") != strings.Join(Cmd, " ") {
		t.Fatalf("Dockerfile: files to %v, USER %q, WORKDIR %q, ENTRYPOINT %v, CMD %v; deploy/image makes %v, %q, /home/nonroot, %v, %v",
			final, user, workdir, entry, cmd, wantDsts, User, Entrypoint, Cmd)
	}
}
