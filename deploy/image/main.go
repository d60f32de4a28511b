// Command image builds the gateway's container image without a container
// engine: the image the repository's Dockerfile describes (a
// distroless/static-style root: CA certificates, a nonroot user 65532,
// no shell), assembled from binaries built beforehand, written as an OCI
// image layout and optionally pushed to a registry, then read back.
//
// It lives in a module of its own (deploy/image) so that the main module
// does not depend on go-containerregistry. `make image` builds the
// binaries (static, CGO_ENABLED=0) and runs it:
//
//	go run . -gateway ../../bin/image/wasmadapt-gateway -wasmrun ../../bin/image/wasmrun \
//	    -demo-module ../../bin/adapters/openai.wasm -demo-cases ../../cmd/wasmrun/testdata/demo \
//	    -layout ../../bin/image/oci [-push HOST/REPO:TAG] [-plain-http]
//
// The image is reproducible: every file has the time SOURCE_DATE_EPOCH
// (default 0) and the layers list their files in order, so the same
// inputs make the same digests.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"time"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	var in Inputs
	fs.StringVar(&in.Gateway, "gateway", "", "the wasmadapt-gateway binary (linux, static: CGO_ENABLED=0)")
	fs.StringVar(&in.Wasmrun, "wasmrun", "", "the wasmrun binary (linux, static), for init containers that pull modules")
	fs.StringVar(&in.DemoModule, "demo-module", "", "the demo's module (bin/adapters/openai.wasm)")
	fs.StringVar(&in.DemoCases, "demo-cases", "", "the demo's recorded cases (cmd/wasmrun/testdata/demo)")
	fs.StringVar(&in.CACerts, "ca-certs", "/etc/ssl/certs/ca-certificates.crt", "the CA bundle the image trusts")
	fs.StringVar(&in.Arch, "arch", runtime.GOARCH, "the binaries' architecture")
	layoutDir := fs.String("layout", "", "write the image to this OCI image layout directory")
	push := fs.String("push", "", "push the image to this reference (HOST/REPO:TAG) and read it back")
	plainHTTP := fs.Bool("plain-http", false, "talk to the -push registry over plain HTTP (loopback test registries only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if in.Gateway == "" || in.Wasmrun == "" || in.DemoModule == "" || in.DemoCases == "" {
		return errors.New("give -gateway, -wasmrun, -demo-module and -demo-cases")
	}
	if *layoutDir == "" && *push == "" {
		return errors.New("give -layout DIR, -push REF or both")
	}
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("SOURCE_DATE_EPOCH %q is not a number of seconds", s)
		}
		in.Created = time.Unix(n, 0).UTC()
	}
	img, err := Build(in)
	if err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	if *layoutDir != "" {
		if err := WriteLayout(*layoutDir, img); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s (OCI image layout), manifest %s\n", *layoutDir, digest)
	}
	if *push != "" {
		pinned, err := Push(ctx, *push, img, *plainHTTP)
		if err != nil {
			return err
		}
		s, err := Check(ctx, pinned, *plainHTTP)
		if err != nil {
			return fmt.Errorf("reading the pushed image back: %w", err)
		}
		fmt.Fprintf(stdout, "pushed %s\n%s", pinned, s)
	}
	return nil
}
