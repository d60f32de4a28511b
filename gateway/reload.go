package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/gateway/config"
	"github.com/wasmadapt/wasmadapt/host"
)

// state is one version of the configuration with its loaded modules. A
// model request holds the state it started on until it ends, so a reload
// never changes the route or module of a stream in flight.
type state struct {
	routes map[string]*host.Route
	// echo is, per public model, the provider whose reasoning and
	// provider history a client sends back are taken to be (that of its
	// first target; see stampProvider).
	echo   map[string]string
	models []string
	keys   map[[sha256.Size]byte]*config.Key
	mods   map[string]engine.Module
	// logContent is config.Config.LogContent.
	logContent bool
	// users counts the requests holding the state.
	users sync.WaitGroup
}

// load builds a state from cfg, loading every module it names. On error
// the modules it loaded are closed.
func (s *Server) load(ctx context.Context, cfg *config.Config) (_ *state, err error) {
	st := &state{routes: map[string]*host.Route{}, echo: map[string]string{}, keys: map[[sha256.Size]byte]*config.Key{}, mods: map[string]engine.Module{},
		logContent: cfg.LogContent}
	defer func() {
		if err != nil {
			st.close(context.WithoutCancel(ctx))
		}
	}()
	for _, m := range cfg.Models {
		rt := &host.Route{}
		for _, t := range m.Targets {
			mod := st.mods[t.Module]
			if mod == nil {
				var err error
				if mod, err = s.loader(ctx, t.Module); err != nil {
					return nil, &ConfigError{Line: t.Line, Err: fmt.Errorf("module %q: %w", t.Module, err)}
				}
				st.mods[t.Module] = mod
			}
			cred, err := credentials(ctx, t, s.getenv)
			if err != nil {
				return nil, &ConfigError{Line: t.Line, Err: err}
			}
			rt.Targets = append(rt.Targets, host.Target{Name: t.Module + "/" + t.Model, Model: t.Model,
				Provider: host.Provider{Module: mod, BaseURL: t.BaseURL, Credentials: cred}})
		}
		st.routes[m.Name] = rt
		if caps, err := s.client.Capabilities(ctx, rt.Targets[0].Provider.Module, m.Targets[0].Model); err == nil {
			st.echo[m.Name] = caps.Provider
		}
		st.models = append(st.models, m.Name)
	}
	for i := range cfg.Keys {
		k := &cfg.Keys[i]
		b, _ := hex.DecodeString(k.SHA256)
		st.keys[[sha256.Size]byte(b)] = k
	}
	return st, nil
}

// close releases the state's modules.
func (st *state) close(ctx context.Context) {
	for _, m := range st.mods {
		m.Close(ctx)
	}
}

// state is the current configuration, for a quick look (keys, models).
func (s *Server) state() *state {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cur
}

// acquire returns the current state, held until release is called.
func (s *Server) acquire() (st *state, release func()) {
	s.mu.RLock()
	st = s.cur
	st.users.Add(1)
	s.mu.RUnlock()
	return st, st.users.Done
}

// Reload replaces the configuration and its modules without a restart:
// it loads every module cfg names (afresh, so changed module files take
// effect) and then switches new requests to it. Requests in flight,
// streams included, finish on the version they started on; its modules
// are closed once the last of them ends. When cfg cannot be used (a module
// that does not load, a credential that cannot be read) Reload returns a
// *ConfigError and the current configuration keeps serving.
func (s *Server) Reload(ctx context.Context, cfg *config.Config) error {
	st, err := s.load(ctx, cfg)
	if err != nil {
		return err
	}
	s.mu.Lock()
	old := s.cur
	s.cur = st
	s.mu.Unlock()
	s.metrics.setModules(st.mods)
	s.log.Info("gateway configuration reloaded", "models", len(st.models), "modules", len(st.mods))
	go func() {
		old.users.Wait()
		old.close(context.WithoutCancel(ctx))
	}()
	return nil
}
