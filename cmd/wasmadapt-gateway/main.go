// Command wasmadapt-gateway serves the adapter modules over HTTP in the
// OpenAI Chat Completions, OpenAI Responses and Anthropic Messages
// dialects, so that any client of those APIs (any language, any SDK) can
// use them by pointing its base URL at the gateway.
//
// It is a command of its own rather than a `wasmrun serve` subcommand:
// wasmrun is the developer's tool (build, test, replay, watch one
// module), short-lived and run by hand, while the gateway is a
// long-running network service deployed on its own, with its own
// configuration file, API keys, health probes and shutdown behaviour. A
// separate binary keeps the service's attack surface and dependencies
// free of the CLI's build and push tooling (it only pulls modules from
// OCI registries), and lets the two evolve and be released apart.
//
// Usage:
//
//	wasmadapt-gateway -config gateway.yaml [-listen 127.0.0.1:8080] [-grace 30s] [-watch 2s] [-module-keys KEY,...]
//	wasmadapt-gateway -demo [-demo-cases DIR] [-modules bin/adapters]
//
// The configuration file is described in package gateway/config; it is
// validated before anything starts, and each problem is reported with its
// line. With -demo the gateway serves the model "demo-weather" from a
// recorded provider on loopback (no provider key needed) and prints its
// URL and a freshly made gateway key. A target's module may be an OCI
// reference (module: oci://HOST/REPO:TAG or oci://HOST/REPO@sha256:...),
// pulled and verified at each load; with -module-keys or the file's
// module_public_keys, an OCI module must also carry an ed25519 signature
// (wasmrun push --key KEYFILE) by one of those keys, or it does not
// load. SIGHUP, or a change to the configuration file or to a module file
// of the modules directory, or a
// tag of an OCI module that moved (checked every -watch), reloads without
// a restart: requests in flight finish on the version they started on,
// and an invalid new configuration is refused (logged with its lines)
// while the running one keeps serving. SIGTERM or SIGINT drains: /readyz
// turns 503, new connections are refused, and requests in flight (streams
// included) finish within the grace period.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/gateway"
	"github.com/wasmadapt/wasmadapt/gateway/config"
	"github.com/wasmadapt/wasmadapt/gateway/demoprovider"
	"github.com/wasmadapt/wasmadapt/internal/pubkey"
	"github.com/wasmadapt/wasmadapt/modules/oci"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "wasmadapt-gateway:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wasmadapt-gateway", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "routing configuration file (YAML)")
	listen := fs.String("listen", "", "address to listen on (default: the file's listen, else 127.0.0.1:8080; -demo: a free loopback port)")
	grace := fs.Duration("grace", 30*time.Second, "how long SIGTERM waits for requests in flight")
	demo := fs.Bool("demo", false, "serve the demo model from a recorded loopback provider (no provider key)")
	demoCases := fs.String("demo-cases", "cmd/wasmrun/testdata/demo", "the recorded cases of -demo")
	modules := fs.String("modules", "", "directory of modules named without a path (default: the file's modules_dir, else bin/adapters)")
	cacheDir := fs.String("cache-dir", "", "on-disk compilation cache of the modules")
	moduleKeyFlag := fs.String("module-keys", "", "ed25519 public keys (hex or base64, comma-separated; what wasmrun keygen prints) of which one must have signed every OCI module, besides the file's module_public_keys")
	watch := fs.Duration("watch", 2*time.Second, "how often to check the configuration file, the modules directory and the tags of OCI modules for changes to reload (0: on SIGHUP only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	flagKeys, err := pubkey.ParseList(*moduleKeyFlag)
	if err != nil {
		return fmt.Errorf("-module-keys: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()

	var (
		cfg     *config.Config
		getenv  = os.Getenv
		demoKey string
	)
	switch {
	case *demo:
		psrv, err := demoprovider.Server(*demoCases)
		if err != nil {
			return err
		}
		defer psrv.Close()
		b := make([]byte, 16)
		rand.Read(b)
		demoKey = "wag-demo-" + hex.EncodeToString(b)
		cfg = demoprovider.Config(demoprovider.Module, psrv.URL, config.HashKey(demoKey))
		getenv = demoprovider.Getenv(os.Getenv)
		if *listen == "" {
			*listen = "127.0.0.1:0"
		}
	case *cfgPath != "":
		var err error
		if cfg, err = config.Load(*cfgPath); err != nil {
			return err
		}
	default:
		return errors.New("give -config FILE or -demo")
	}
	if *listen == "" {
		*listen = cfg.Listen
	}
	if *listen == "" {
		*listen = "127.0.0.1:8080"
	}
	if *modules == "" {
		*modules = cfg.ModulesDir
	}
	if *modules == "" {
		*modules = defaultModulesDir()
	}
	eng, err := engine.New(ctx, engine.Config{CacheDir: *cacheDir, Logger: log})
	if err != nil {
		return err
	}
	defer eng.Close(context.Background())
	tags := newTagWatch(func(ctx context.Context, ref string) (string, error) { return oci.Resolve(ctx, ref, oci.Options{}) })
	keys := newModuleKeys(flagKeys, cfg)
	loader := ociLoader(eng, gateway.FileLoader(eng, *modules), oci.PullOptions{}, keys.get, tags.pulled)
	gw, err := gateway.New(ctx, cfg, gateway.Options{Loader: loader, Logger: log, Getenv: getenv})
	if err != nil {
		var ce *gateway.ConfigError
		if *cfgPath != "" && errors.As(err, &ce) {
			return fmt.Errorf("%s:%d: %w", *cfgPath, ce.Line, ce.Err)
		}
		return err
	}
	defer gw.Close()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}
	rl := &reloader{gw: gw, log: log, cfgPath: *cfgPath, cfg: cfg, modulesDir: *modules, interval: *watch, tags: tags, keys: keys}
	if *demo {
		rl.cfgPath = ""
	}
	rl.start()
	go rl.run(ctx)
	url := "http://" + ln.Addr().String()
	if *demo {
		fmt.Fprintf(stdout, "wasmadapt gateway (demo) listening on %s\n", url)
		fmt.Fprintf(stdout, "  gateway key:   %s\n", demoKey)
		fmt.Fprintf(stdout, "  model:         %s (recorded provider, no provider key)\n", demoprovider.Model)
		fmt.Fprintf(stdout, "  try: curl -N %s/v1/chat/completions -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' \\\n", url, demoKey)
		fmt.Fprintf(stdout, "         -d '{\"model\":\"%s\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris and Tokyo?\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"unit\":{\"type\":\"string\"}}}}}]}'\n", demoprovider.Model)
	} else {
		log.Info("wasmadapt gateway listening", slog.String("url", url), slog.Int("models", len(cfg.Models)))
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("draining", slog.Duration("grace", *grace))
	if err := gateway.Shutdown(srv, gw, *grace); err != nil {
		log.Warn("drain incomplete: closed the requests left", slog.Any("err", err))
	}
	return nil
}

// defaultModulesDir is bin/adapters next to the binary when it exists
// (bin/wasmadapt-gateway), else bin/adapters under the working directory.
func defaultModulesDir() string {
	if exe, err := os.Executable(); err == nil {
		d := filepath.Join(filepath.Dir(exe), "adapters")
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
	}
	return filepath.Join("bin", "adapters")
}
