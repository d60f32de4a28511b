package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/wasmadapt/wasmadapt/modules/oci"
)

func init() {
	register(&command{name: "push", usage: "push MODULE oci://HOST/REPO[:TAG] [--key KEYFILE] [--plain-http]",
		help: "store the module in an OCI registry as a Wasm artifact (the layout Istio and Envoy Gateway pull) with its name, version, ABI version and capabilities as annotations; --key signs it (ed25519, a referrer of the manifest); prints the pinned reference (REF@sha256:...)",
		run:  runPush})
	register(&command{name: "pull", usage: "pull oci://HOST/REPO[:TAG][@sha256:DIGEST] [-o FILE] [--key PUBKEY[,PUBKEY...]] [--plain-http]",
		help: "fetch a module from an OCI registry, verify every digest (and with --key its signature) before writing it to FILE (default NAME.wasm) and, when signed, FILE.sig for `watch --key`",
		run:  runPull})
	register(&command{name: "keygen", usage: "keygen KEYFILE",
		help: "make an ed25519 key pair for signing modules: the private key (hex seed, mode 0600) to KEYFILE, the public key to KEYFILE.pub and stdout (give it to pull --key, watch --key, registry.Options.PublicKeys)",
		run:  runKeygen})
}

// plainHTTP returns the oci.Options.PlainHTTP for the --plain-http flag:
// forced when given, else oci's default (HTTP for loopback registries only).
func plainHTTP(set bool) *bool {
	if set {
		return &set
	}
	return nil
}

// readPrivateKey reads an ed25519 private key file: a 32-byte seed or a
// 64-byte private key, hex or base64.
func readPrivateKey(file string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading the key: %w", err)
	}
	s := strings.TrimSpace(string(b))
	raw, err := hex.DecodeString(s)
	if err != nil {
		raw, err = base64.StdEncoding.DecodeString(s)
	}
	switch {
	case err != nil:
	case len(raw) == ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(raw), nil
	case len(raw) == ed25519.PrivateKeySize:
		return ed25519.PrivateKey(raw), nil
	}
	return nil, usagef("%s is not an ed25519 private key (a 32-byte seed or 64-byte key, hex or base64)", file)
}

func runKeygen(ctx context.Context, e *env, args []string) error {
	pos, err := parseArgs(flag.NewFlagSet("keygen", flag.ContinueOnError), args, "KEYFILE")
	if err != nil {
		return err
	}
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(pos[0], os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("writing the key: %w", err)
	}
	if _, err := fmt.Fprintln(f, hex.EncodeToString(key.Seed())); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(pos[0]+".pub", []byte(hex.EncodeToString(pub)+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, hex.EncodeToString(pub))
	return nil
}

func runPush(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("push", flag.ContinueOnError)
	keyFile := fs.String("key", "", "ed25519 private key file (from wasmrun keygen) to sign the module with")
	plain := fs.Bool("plain-http", false, "talk HTTP, not HTTPS (the default for loopback registries)")
	pos, err := parseArgs(fs, args, "MODULE", "oci://HOST/REPO[:TAG]")
	if err != nil {
		return err
	}
	if _, err := oci.ParseReference(pos[1]); err != nil {
		return usagef("%v", err)
	}
	var key ed25519.PrivateKey
	if *keyFile != "" {
		if key, err = readPrivateKey(*keyFile); err != nil {
			return err
		}
	}
	wasm, err := moduleBytes(ctx, e, pos[0])
	if err != nil {
		return err
	}
	// Load it: a module this host refuses is not pushed, and its
	// capabilities become the artifact's annotations.
	m, done, err := loadBytes(ctx, e, moduleName(pos[0]), wasm)
	if err != nil {
		return err
	}
	caps, err := m.Capabilities(ctx, "")
	done()
	if err != nil {
		return err
	}
	man, err := oci.Push(ctx, pos[1], wasm, oci.PushOptions{Options: oci.Options{PlainHTTP: plainHTTP(*plain)}, Capabilities: caps, Key: key})
	if err != nil {
		return err
	}
	r, _ := oci.ParseReference(pos[1])
	r.Digest = man.Digest.String()
	signed := "unsigned"
	if key != nil {
		signed = "signed by " + hex.EncodeToString(key.Public().(ed25519.PublicKey))[:16] + "…"
	}
	fmt.Fprintf(e.stdout, "pushed %s %s (%.2f MB, %s) to oci://%s\n", caps.Name, caps.Version, float64(len(wasm))/1e6, signed, r)
	return nil
}

func runPull(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("pull", flag.ContinueOnError)
	out := fs.String("o", "", "output file (default: the module's name + .wasm)")
	keyList := fs.String("key", "", "ed25519 public keys (hex or base64, comma-separated): require a signature by one of them")
	plain := fs.Bool("plain-http", false, "talk HTTP, not HTTPS (the default for loopback registries)")
	pos, err := parseArgs(fs, args, "oci://HOST/REPO[:TAG][@sha256:DIGEST]")
	if err != nil {
		return err
	}
	r, err := oci.ParseReference(pos[0])
	if err != nil {
		return usagef("%v", err)
	}
	keys, err := parseKeys(*keyList)
	if err != nil {
		return err
	}
	a, err := oci.Pull(ctx, pos[0], oci.PullOptions{Options: oci.Options{PlainHTTP: plainHTTP(*plain)}, PublicKeys: keys})
	if err != nil {
		return err
	}
	if *out == "" {
		name := a.Annotations[oci.AnnotationModule]
		if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
			name = path.Base(r.Repository)
		}
		*out = name + ".wasm"
	}
	if err := os.WriteFile(*out, a.Wasm, 0o644); err != nil {
		return err
	}
	verified := "digests verified"
	if a.Signature != nil {
		if err := os.WriteFile(*out+".sig", a.Signature, 0o644); err != nil {
			return err
		}
		verified += ", signature verified (" + filepath.Base(*out) + ".sig)"
	}
	r.Digest = a.Manifest
	fmt.Fprintf(e.stdout, "pulled oci://%s to %s (%.2f MB, %s)\n", r, *out, float64(len(a.Wasm))/1e6, verified)
	return nil
}
