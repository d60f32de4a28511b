package main

import (
	"context"
	"crypto/ed25519"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/engine/registry"
	"github.com/wasmadapt/wasmadapt/internal/pubkey"
	"github.com/wasmadapt/wasmadapt/modules/oci"
)

func init() {
	register(&command{name: "watch", usage: "watch DIR|oci://HOST/REPO:TAG [--once] [--no-activate] [--debounce 500ms] [--interval 200ms] [--key PUBKEY[,PUBKEY...]]",
		help: "load every NAME.wasm in DIR (or the module an OCI tag names: resolved every --interval, default 30s there, and pulled, verified and swapped in when its digest changes) into a module registry and activate it, then print loads, rejections (with reasons), swaps and drains, one line each, as files change; --once handles the files present and exits; --key (ed25519 public keys, hex or base64) requires a NAME.wasm.sig signature next to each module",
		run:  runWatch})
}

func parseKeys(s string) ([]ed25519.PublicKey, error) {
	keys, err := pubkey.ParseList(s)
	if err != nil {
		return nil, usagef("--key: %v", err)
	}
	return keys, nil
}

// printWatchTail ends the line that says what watch watches.
func printWatchTail(e *env, keys []ed25519.PublicKey, noActivate bool) {
	switch {
	case len(keys) > 0:
		fmt.Fprintf(e.stdout, "; each needs a signature by one of %d key(s)", len(keys))
	case noActivate:
		fmt.Fprint(e.stdout, "; loaded modules are not activated")
	}
	fmt.Fprintln(e.stdout)
}

func runWatch(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	once := fs.Bool("once", false, "handle the files present, then exit")
	noActivate := fs.Bool("no-activate", false, "load and validate without activating")
	debounce := fs.Duration("debounce", 500*time.Millisecond, "how long a file must be stable before it is read")
	interval := fs.Duration("interval", 200*time.Millisecond, "how often the directory is scanned")
	keyList := fs.String("key", "", "ed25519 public keys (hex or base64, comma-separated) that must sign each module")
	pos, err := parseArgs(fs, args, "DIR")
	if err != nil {
		return err
	}
	keys, err := parseKeys(*keyList)
	if err != nil {
		return err
	}
	eng, err := engine.New(ctx, e.engineConfig())
	if err != nil {
		return err
	}
	defer eng.Close(context.Background())
	rejected := 0
	reg := registry.New(eng, registry.Options{
		PublicKeys: keys,
		OnChange: func(c registry.Change) {
			if c.Kind == registry.ChangeRejected {
				rejected++
			}
			fmt.Fprintf(e.stdout, "%s %s\n", c.Time.Format("15:04:05.000"), c)
		},
	})
	var werr error
	if strings.HasPrefix(pos[0], "oci://") {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["interval"] {
			*interval = 30 * time.Second
		}
		if *once {
			fmt.Fprintf(e.stdout, "loading %s once", pos[0])
		} else {
			fmt.Fprintf(e.stdout, "watching %s (resolving the tag every %s; a new digest is pulled, verified and loaded)", pos[0], *interval)
		}
		printWatchTail(e, keys, *noActivate)
		werr = oci.WatchTag(ctx, pos[0], reg, oci.WatchOptions{Interval: *interval, PublicKeys: keys, NoActivate: *noActivate, Once: *once,
			OnError: func(err error) { fmt.Fprintf(e.stdout, "%s error %v\n", time.Now().Format("15:04:05.000"), err) }})
	} else {
		abs, err := filepath.Abs(pos[0])
		if err != nil {
			abs = pos[0]
		}
		if *once {
			fmt.Fprintf(e.stdout, "loading the NAME.wasm files in %s once", abs)
		} else {
			fmt.Fprintf(e.stdout, "watching %s for NAME.wasm files (scan every %s, a file is read once stable for %s)", abs, *interval, *debounce)
		}
		printWatchTail(e, keys, *noActivate)
		werr = registry.WatchDir(ctx, pos[0], reg, registry.WatchOptions{Interval: *interval, Debounce: *debounce, NoActivate: *noActivate, Once: *once})
	}
	cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if *once {
		for _, mi := range reg.List() {
			act := "none active"
			if mi.Active.Digest != "" {
				act = "active " + mi.Active.String()
			}
			fmt.Fprintf(e.stdout, "%s: %s, %d version(s) kept\n", mi.Name, act, len(mi.Versions))
		}
	}
	reg.Close(cctx)
	if werr != nil {
		return werr
	}
	if *once && rejected > 0 {
		return fmt.Errorf("%d module(s) rejected", rejected)
	}
	return nil
}
