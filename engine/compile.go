package engine

import (
	"context"
	"log/slog"
	"time"

	"github.com/wasmadapt/wasmadapt/engine/compilecache"
)

// DefaultCacheMaxBytes is the default size limit of the on-disk
// compilation cache (Config.CacheMaxBytes).
const DefaultCacheMaxBytes = compilecache.DefaultMaxBytes

// CompileEvent reports the progress of one module's compilation, the slow
// step of Load when the module's code is not in the compilation cache (4-8
// s for a Go adapter on a busy 2-core machine). Config.OnCompile receives
// one when compilation starts (Done false) and one when it ends.
type CompileEvent struct {
	// Module is the name the module is loaded under; Digest the hex
	// sha256 of its bytes.
	Module, Digest string
	// Cached reports that the compiled code is expected from the on-disk
	// cache (a load, not a compilation). False without a CacheDir.
	Cached bool
	// Done is false for the start event, true for the end event.
	Done bool
	// Elapsed is the compilation's duration (end event).
	Elapsed time.Duration
	// Err is the compilation's error (end event).
	Err error
	// Evicted counts the cache entries evicted to stay under
	// Config.CacheMaxBytes after this compilation (end event).
	Evicted int
}

// compile compiles wasm through the backend, reporting progress to
// Config.OnCompile and the logger and keeping the on-disk cache under its
// limit.
func (e *Engine) compile(ctx context.Context, name, digest string, wasm []byte) (compiledModule, error) {
	ev := CompileEvent{Module: name, Digest: digest}
	if e.cache != nil {
		ev.Cached = e.cache.Cached(digest)
	}
	log := e.cfg.Logger
	level := slog.LevelInfo // a compilation takes seconds: worth telling
	if ev.Cached {
		level = slog.LevelDebug
	}
	log.Log(ctx, level, "engine: compiling module", slog.String("module", name), slog.String("digest", digest[:12]), slog.Bool("cached", ev.Cached))
	if e.cfg.OnCompile != nil {
		e.cfg.OnCompile(ev)
	}
	start := time.Now()
	var cm compiledModule
	run := func() error {
		var err error
		cm, err = e.be.compile(ctx, wasm)
		return err
	}
	var err error
	if e.cache != nil {
		var evicted []compilecache.Entry
		evicted, err = e.cache.Track(digest, name, run)
		ev.Evicted = len(evicted)
		if err != nil && cm != nil {
			// The module compiled; only the cache bookkeeping failed.
			log.Warn("engine: compilation cache bookkeeping failed", slog.String("dir", e.cache.Dir()), slog.Any("error", err))
			err = nil
		}
	} else {
		err = run()
	}
	ev.Done, ev.Elapsed, ev.Err = true, time.Since(start), err
	log.Log(ctx, level, "engine: compiled module", slog.String("module", name), slog.Bool("cached", ev.Cached),
		slog.Duration("elapsed", ev.Elapsed), slog.Int("evicted", ev.Evicted), slog.Any("error", err))
	if e.cfg.OnCompile != nil {
		e.cfg.OnCompile(ev)
	}
	return cm, err
}
