package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/wasmadapt/wasmadapt/engine"
)

// progressDelay is how long a compilation runs before the CLI says so
// without -v.
const progressDelay = 700 * time.Millisecond

// engineConfig is the engine configuration of every command: the cache,
// the logger and compile progress on stderr.
func (e *env) engineConfig() engine.Config {
	return engine.Config{CacheDir: e.cacheDir, Logger: e.logger, OnCompile: e.compileProgress(),
		CallTimeout: e.callTimeout, InitTimeout: e.initTimeout, NoTextTemplates: e.noTemplates}
}

// announceAfter is how long a compilation runs before it is announced
// without -v: progressDelay unless a test set env.progressDelay.
func (e *env) announceAfter() time.Duration {
	if e.progressDelay > 0 {
		return e.progressDelay
	}
	return progressDelay
}

// compileProgress returns an engine.Config.OnCompile that tells the user
// about slow compilations on stderr: with -v every compilation, when it
// starts and how long it took; without, only one still running after
// progressDelay.
func (e *env) compileProgress() func(engine.CompileEvent) {
	var mu sync.Mutex
	timers := map[string]*time.Timer{}
	shown := map[string]bool{}
	start := func(ev engine.CompileEvent) {
		how := "(first time)"
		switch {
		case e.cacheDir == "":
			how = "(no compile cache)"
		case ev.Cached:
			how = "(from the compile cache)"
		}
		fmt.Fprintf(e.stderr, "wasmrun: compiling %s.wasm %s…\n", ev.Module, how)
		shown[ev.Digest] = true
	}
	return func(ev engine.CompileEvent) {
		mu.Lock()
		defer mu.Unlock()
		if !ev.Done {
			if e.verbose {
				start(ev)
			} else if !ev.Cached {
				timers[ev.Digest] = time.AfterFunc(e.announceAfter(), func() {
					mu.Lock()
					defer mu.Unlock()
					if _, running := timers[ev.Digest]; running {
						start(ev)
					}
				})
			}
			return
		}
		if t := timers[ev.Digest]; t != nil {
			t.Stop()
			delete(timers, ev.Digest)
		}
		if !shown[ev.Digest] {
			return
		}
		delete(shown, ev.Digest)
		switch {
		case ev.Err != nil:
			fmt.Fprintf(e.stderr, "wasmrun: compiling %s.wasm failed after %s\n", ev.Module, ev.Elapsed.Round(time.Millisecond))
		case ev.Evicted > 0:
			fmt.Fprintf(e.stderr, "wasmrun: compiled %s.wasm in %s (evicted %d least recently used module(s) from the compile cache)\n", ev.Module, ev.Elapsed.Round(time.Millisecond), ev.Evicted)
		case ev.Cached:
			fmt.Fprintf(e.stderr, "wasmrun: loaded %s.wasm from the compile cache in %s\n", ev.Module, ev.Elapsed.Round(time.Millisecond))
		default:
			fmt.Fprintf(e.stderr, "wasmrun: compiled %s.wasm in %s\n", ev.Module, ev.Elapsed.Round(time.Millisecond))
		}
	}
}
