package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wasmadapt/wasmadapt/gateway"
	"github.com/wasmadapt/wasmadapt/gateway/config"
)

// reloader reloads the gateway's configuration and modules without a
// restart: on SIGHUP, and when the configuration file or a module file
// of the modules directory changes or the tag of an OCI module moves
// (polled every interval; 0 polls never). An invalid new configuration is refused, each problem logged
// with its line, and the running one keeps serving.
type reloader struct {
	gw         *gateway.Server
	log        *slog.Logger
	cfgPath    string // "" (-demo): the same configuration, modules reloaded
	cfg        *config.Config
	modulesDir string
	interval   time.Duration
	hup        chan os.Signal
	last       string
	// tags watches the configuration's OCI modules named by tag (nil:
	// none watched).
	tags *tagWatch
	// keys are the OCI modules' public keys, replaced by a new
	// configuration's (nil: left alone).
	keys *moduleKeys
}

// tagWatch follows the tags of the OCI modules a configuration names:
// the manifest digest each was loaded at (recorded by the loader) and the
// one a poll last acted on, so that a tag that moved triggers one reload
// (not one each poll while the new version fails to load).
type tagWatch struct {
	resolve func(ctx context.Context, ref string) (string, error)
	mu      sync.Mutex
	loaded  map[string]string
	tried   map[string]string
}

func newTagWatch(resolve func(ctx context.Context, ref string) (string, error)) *tagWatch {
	return &tagWatch{resolve: resolve, loaded: map[string]string{}, tried: map[string]string{}}
}

// pulled records that ref was loaded at digest (ociLoader's
// callback).
func (w *tagWatch) pulled(ref, digest string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.loaded[ref] = digest
}

// moved resolves the tags of cfg's OCI modules and returns the first
// whose digest is neither the loaded one nor one already acted on, or "".
// A digest-pinned reference never moves; a tag that does not resolve now
// is logged and skipped.
func (w *tagWatch) moved(ctx context.Context, cfg *config.Config, log *slog.Logger) string {
	for _, m := range cfg.Models {
		for _, t := range m.Targets {
			if !isOCI(t.Module) || strings.Contains(t.Module, "@") {
				continue
			}
			d, err := w.resolve(ctx, t.Module)
			if err != nil {
				log.Warn("module tag not resolved; checking again at the next poll", slog.String("module", t.Module), slog.Any("err", err))
				continue
			}
			w.mu.Lock()
			loaded, tried := w.loaded[t.Module], w.tried[t.Module]
			if d != loaded && d != tried {
				w.tried[t.Module] = d
				w.mu.Unlock()
				return t.Module + " -> " + d
			}
			w.mu.Unlock()
		}
	}
	return ""
}

// start takes SIGHUP over and notes the files' state, before the gateway
// announces itself, so that no signal or change after that is missed;
// then run reloads.
func (r *reloader) start() {
	r.hup = make(chan os.Signal, 1)
	signal.Notify(r.hup, syscall.SIGHUP)
	r.last = r.fingerprint()
}

// run reloads until ctx ends.
func (r *reloader) run(ctx context.Context) {
	defer signal.Stop(r.hup)
	var tick <-chan time.Time
	if r.interval > 0 {
		t := time.NewTicker(r.interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.hup:
			r.log.Info("SIGHUP: reloading")
		case <-tick:
			if r.fingerprint() != r.last {
				r.log.Info("configuration or modules changed: reloading")
				break
			}
			if r.tags == nil {
				continue
			}
			moved := r.tags.moved(ctx, r.cfg, r.log)
			if moved == "" {
				continue
			}
			r.log.Info("module tag moved: reloading", slog.String("tag", moved))
		}
		r.last = r.fingerprint()
		err := r.reload(ctx)
		if err != nil {
			r.log.Error("reload refused; the running configuration keeps serving", slog.Any("err", err))
		}
	}
}

// reload reads the configuration file (when there is one) and swaps it in
// with freshly loaded modules.
func (r *reloader) reload(ctx context.Context) error {
	cfg := r.cfg
	if r.cfgPath != "" {
		c, err := config.Load(r.cfgPath)
		if err != nil {
			return err
		}
		cfg = c
	}
	if r.keys != nil {
		undo := r.keys.use(cfg)
		defer func() {
			if cfg != r.cfg {
				undo() // refused: the running configuration's keys stay
			}
		}()
	}
	if err := r.gw.Reload(ctx, cfg); err != nil {
		var ce *gateway.ConfigError
		if r.cfgPath != "" && errors.As(err, &ce) {
			return fmt.Errorf("%s:%d: %w", r.cfgPath, ce.Line, ce.Err)
		}
		return err
	}
	r.cfg = cfg
	return nil
}

// fingerprint is the size and modification time of the configuration file
// and of each module file in the modules directory.
func (r *reloader) fingerprint() string {
	var files []string
	if r.cfgPath != "" {
		files = append(files, r.cfgPath)
	}
	mods, _ := filepath.Glob(filepath.Join(r.modulesDir, "*.wasm"))
	sort.Strings(mods)
	files = append(files, mods...)
	fp := ""
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			fp += fmt.Sprintf("%s %d %d\n", f, st.Size(), st.ModTime().UnixNano())
		} else {
			fp += f + " missing\n"
		}
	}
	return fp
}
