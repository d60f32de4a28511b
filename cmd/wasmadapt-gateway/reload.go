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
	"syscall"
	"time"

	"github.com/wasmadapt/wasmadapt/gateway"
	"github.com/wasmadapt/wasmadapt/gateway/config"
)

// reloader reloads the gateway's configuration and modules without a
// restart: on SIGHUP, and when the configuration file or a module file
// of the modules directory changes (polled every interval; 0 polls
// never). An invalid new configuration is refused, each problem logged
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
			if r.fingerprint() == r.last {
				continue
			}
			r.log.Info("configuration or modules changed: reloading")
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
