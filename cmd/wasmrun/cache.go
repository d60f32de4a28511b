package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/engine/compilecache"
)

func init() {
	register(&command{name: "cache", usage: "cache list|clean [--max SIZE]",
		help: "list the compilation cache's modules (digest, name, size, last use), most recent first, or clean it: remove everything, or with --max (e.g. 200MB) evict least recently used modules down to SIZE",
		run:  runCache})
}

// parseSize parses "512MB", "1GiB", "300k" or a number of bytes.
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n < 0 {
		return 0, usagef("%q is not a size (examples: 200MB, 1GiB, 50000)", s)
	}
	return int64(n * float64(mult)), nil
}

func mb(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func runCache(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("cache", flag.ContinueOnError)
	maxSize := fs.String("max", "", "clean: evict least recently used modules until the cache holds at most this much (default: remove everything)")
	pos, err := parseArgs(fs, args, "list|clean")
	if err != nil {
		return err
	}
	if e.cacheDir == "" {
		return usagef("no cache directory (--no-cache, or no user cache directory): name one with --cache DIR")
	}
	c, err := compilecache.Open(e.cacheDir, engine.DefaultCacheMaxBytes)
	if err != nil {
		return err
	}
	switch pos[0] {
	case "list":
		if *maxSize != "" {
			return usagef("--max is an option of clean")
		}
		ents, err := c.List()
		if err != nil {
			return err
		}
		var total int64
		for _, en := range ents {
			total += en.Size
			d, name := "(untracked)", en.Name
			if en.Digest != "" {
				d = en.Digest[:12]
			} else {
				name = en.Files[0]
			}
			fmt.Fprintf(e.stdout, "%-12s  %10s  %s  %s\n", d, mb(en.Size), en.LastUsed.Local().Format(time.DateTime), name)
		}
		fmt.Fprintf(e.stdout, "%s: %d module(s), %s of %s\n", c.Dir(), len(ents), mb(total), mb(c.Limit()))
		return nil
	case "clean":
		limit := int64(-1)
		if *maxSize != "" {
			if limit, err = parseSize(*maxSize); err != nil {
				return err
			}
			if limit == 0 {
				limit = -1
			}
		}
		evicted, err := c.Trim(limit)
		var freed int64
		for _, en := range evicted {
			freed += en.Size
		}
		left, _ := c.Size()
		fmt.Fprintf(e.stdout, "removed %d module(s), %s; %s left in %s\n", len(evicted), mb(freed), mb(left), c.Dir())
		return err
	default:
		return usagef("unknown cache action %q: use list or clean", pos[0])
	}
}
