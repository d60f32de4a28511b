package rollout

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/engine/registry"
)

// Manager runs the canary of each new version of one registry module: the
// first version becomes active at once, every later one is validated by
// the registry (kept, not activated), served to a fraction of requests
// next to the active one, and activated only if the canary promotes it.
// Its Offer method fits oci.WatchOptions.Load, so a tag watch canaries
// every tag move.
type Manager struct {
	reg  *registry.Registry
	eng  *engine.Engine
	name string
	o    Options

	mu  sync.Mutex
	cur *Canary // running canary, nil when none
}

// NewManager returns the Manager of module name in reg, whose candidates
// eng compiles (the registry's engine: its compilation cache already holds
// the code the registry's validation compiled). o.Promote is replaced by
// the registry's activation of the candidate.
func NewManager(reg *registry.Registry, eng *engine.Engine, name string, o Options) *Manager {
	return &Manager{reg: reg, eng: eng, name: name, o: o}
}

// Module returns what to pass as host.Provider.Module: during a canary it
// routes new requests between the versions, otherwise it serves the
// registry's active version.
func (m *Manager) Module() engine.Module { return managed{m} }

// Canary returns the running canary, nil when none runs.
func (m *Manager) Canary() *Canary {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cur
}

// Offer validates wasm as a new version (with its signature, when the
// registry requires one) and activates it when nothing is active yet, or
// starts its canary. A version already known is ignored; an offer during a
// canary ends the running one first (rolled back).
func (m *Manager) Offer(ctx context.Context, wasm, sig []byte) error {
	var opts []registry.LoadOption
	if sig != nil {
		opts = append(opts, registry.WithSignature(sig))
	}
	stable := m.reg.Module(m.name)
	if stable.Digest() == "" {
		_, err := m.reg.Load(ctx, m.name, wasm, append(opts, registry.WithActivate())...)
		return err
	}
	v, err := m.reg.Load(ctx, m.name, wasm, opts...)
	if err != nil {
		return err
	}
	if v.Digest == stable.Digest() {
		return nil
	}
	cand, err := m.eng.Load(ctx, m.name, wasm)
	if err != nil {
		return fmt.Errorf("rollout: loading the candidate: %w", err)
	}
	o := m.o
	o.Promote = func(ctx context.Context) error { return m.reg.Activate(ctx, m.name, v.Digest) }
	user := o.OnDecision
	var c *Canary
	o.OnDecision = func(d Decision) {
		m.mu.Lock()
		if m.cur == c {
			m.cur = nil
		}
		m.mu.Unlock()
		if user != nil {
			user(d)
		}
	}
	m.mu.Lock()
	prev := m.cur
	c = New(stable, cand, o)
	m.cur = c
	m.mu.Unlock()
	if prev != nil {
		prev.Close(ctx)
	}
	return nil
}

// managed is Manager.Module: the running canary, else the registry.
type managed struct{ m *Manager }

func (x managed) current() engine.Module {
	if c := x.m.Canary(); c != nil {
		return c
	}
	return x.m.reg.Module(x.m.name)
}

// Pin implements engine.Pinner.
func (x managed) Pin() (engine.Module, func()) { return x.current().(engine.Pinner).Pin() }

// stable is the registry handle of the managed name: what the
// introspection methods report on (a canary's candidate serves a fraction
// of the requests only, and its health is the canary's Stats).
func (x managed) stable() api.Inspector { return x.m.reg.Module(x.m.name) }

// Closed implements api.Inspector on the registry handle.
func (x managed) Closed() bool { return x.stable().Closed() }

// Faults implements api.Inspector on the registry handle.
func (x managed) Faults() uint64 { return x.stable().Faults() }

// Suspended implements api.Inspector on the registry handle.
func (x managed) Suspended() (time.Time, bool) { return x.stable().Suspended() }

// InstanceStats implements api.Inspector on the registry handle.
func (x managed) InstanceStats() api.Stats { return x.stable().InstanceStats() }

// InputLimit implements api.Inspector on the registry handle.
func (x managed) InputLimit() int { return x.stable().InputLimit() }

func (x managed) Name() string   { return x.m.name }
func (x managed) Digest() string { return x.m.reg.Module(x.m.name).Digest() }
func (x managed) Capabilities(ctx context.Context, model string) (*abi.Capabilities, error) {
	return x.current().Capabilities(ctx, model)
}
func (x managed) Project(ctx context.Context, req *abi.Request) (*abi.ProviderRequest, error) {
	return x.current().Project(ctx, req)
}
func (x managed) Transform(ctx context.Context, in *abi.TransformInput) ([]byte, []abi.Event, error) {
	return x.current().Transform(ctx, in)
}
func (x managed) ParseResponse(ctx context.Context, in *abi.ResponseInput) ([]abi.Event, error) {
	return x.current().ParseResponse(ctx, in)
}
func (x managed) MapError(ctx context.Context, in *abi.ResponseInput) (abi.Event, error) {
	return x.current().MapError(ctx, in)
}

// Close does nothing: the registry owns the versions.
func (x managed) Close(context.Context) error { return nil }
