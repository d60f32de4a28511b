package registry

import (
	"context"
	"encoding/binary"
	"sync"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api"
	"github.com/wasmadapt/wasmadapt/engine"
)

// Handle is the registry-backed Module of one name (Registry.Module). It
// can be passed wherever an engine.Module is expected (host.Provider.Module):
//
//   - Capabilities, Project, ParseResponse and MapError are served by the
//     generation active at the call's start; a swap during the call does
//     not affect it, and the generation is not closed before it returns.
//   - Transform pins a stream to the generation that served its first call
//     (the call with empty state): the state it returns is the adapter's
//     state prefixed with the generation and a stream number, and later
//     calls with that state go to the same generation, until the call with
//     abi.FlagEnd or a failed call ends the stream. With
//     Options.MigrateStreams, a stream whose generation was retired
//     continues on the active one when both declare the same non-empty
//     state format.
//   - Pin (Pinner) pins a whole request: a host that calls it gets the
//     generation's own Module, with no state prefix and no lookups.
//   - Introspection (api.Inspector: Faults, Suspended, InstanceStats,
//     InputLimit) reports the active generation's state; Closed reports
//     that the Registry was closed.
//
// Name is the registry name; Digest is the active version's digest at the
// time of the call.
type Handle struct {
	r  *Registry
	en *entry
}

var _ engine.Module = (*Handle)(nil)
var _ engine.Pinner = (*Handle)(nil)
var _ api.Inspector = (*Handle)(nil)

// Name implements Module.
func (h *Handle) Name() string { return h.en.name }

// Digest implements Module: the active version's digest ("" when none).
func (h *Handle) Digest() string {
	if g := h.en.active.Load(); g != nil {
		return g.v.Digest
	}
	return ""
}

// Active returns the active version and its generation number (zero when
// none is active).
func (h *Handle) Active() (Version, uint64) {
	if g := h.en.active.Load(); g != nil {
		return g.v, g.id
	}
	return Version{}, 0
}

// Pin implements Pinner. With no active version it returns h itself, whose
// calls then fail with adapter_trap.
func (h *Handle) Pin() (engine.Module, func()) {
	g, err := h.r.acquire(h.en)
	if err != nil {
		return h, func() {}
	}
	var once sync.Once
	return g.mod, func() { once.Do(func() { h.r.release(g) }) }
}

// inspectActive returns f of the active generation's Module, holding a
// reference of it meanwhile, or f(nil) when no version is active (the
// functions of package api then report the zero state).
func inspectActive[T any](h *Handle, f func(engine.Module) T) T {
	g, err := h.r.acquire(h.en)
	if err != nil {
		return f(nil)
	}
	defer h.r.release(g)
	return f(g.mod)
}

// Closed implements api.Inspector: the Registry was closed, so no call
// through h can succeed again.
func (h *Handle) Closed() bool {
	h.r.mu.Lock()
	defer h.r.mu.Unlock()
	return h.r.closed
}

// Faults implements api.Inspector: the faults of the active version's
// generation (each activation starts a generation, whose count starts at
// 0); 0 when none is active.
func (h *Handle) Faults() uint64 { return inspectActive(h, api.Faults) }

// Suspended implements api.Inspector: whether the active version's
// generation is suspended after a crash loop, and until when.
func (h *Handle) Suspended() (until time.Time, ok bool) {
	type susp struct {
		until time.Time
		ok    bool
	}
	s := inspectActive(h, func(m engine.Module) susp {
		u, ok := api.Suspended(m)
		return susp{u, ok}
	})
	return s.until, s.ok
}

// InstanceStats implements api.Inspector: the idle instances of the
// active version's generation (retired generations still draining are
// not counted).
func (h *Handle) InstanceStats() engine.Stats { return inspectActive(h, api.InstanceStats) }

// InputLimit implements api.Inspector: the input limit of the active
// version's generation (0 when none is active).
func (h *Handle) InputLimit() int { return inspectActive(h, api.InputLimit) }

// Close implements Module. It does nothing: the Registry owns the
// generations (Registry.Close).
func (h *Handle) Close(context.Context) error { return nil }

// Capabilities implements Module on the active generation.
func (h *Handle) Capabilities(ctx context.Context, model string) (*abi.Capabilities, error) {
	g, err := h.r.acquire(h.en)
	if err != nil {
		return nil, err
	}
	defer h.r.release(g)
	return g.mod.Capabilities(ctx, model)
}

// Project implements Module on the active generation.
func (h *Handle) Project(ctx context.Context, req *abi.Request) (*abi.ProviderRequest, error) {
	g, err := h.r.acquire(h.en)
	if err != nil {
		return nil, err
	}
	defer h.r.release(g)
	return g.mod.Project(ctx, req)
}

// ParseResponse implements Module on the active generation.
func (h *Handle) ParseResponse(ctx context.Context, in *abi.ResponseInput) ([]abi.Event, error) {
	g, err := h.r.acquire(h.en)
	if err != nil {
		return nil, err
	}
	defer h.r.release(g)
	return g.mod.ParseResponse(ctx, in)
}

// MapError implements Module on the active generation.
func (h *Handle) MapError(ctx context.Context, in *abi.ResponseInput) (abi.Event, error) {
	g, err := h.r.acquire(h.en)
	if err != nil {
		return abi.Event{}, err
	}
	defer h.r.release(g)
	return g.mod.MapError(ctx, in)
}

// stateMagic starts every state a Handle returns; the generation and the
// stream number follow (8 bytes each, little endian), then the adapter's
// own state.
const stateMagic = "\xffwgs"

const stateHeader = len(stateMagic) + 16

func tagState(gid, sid uint64, inner []byte) []byte {
	b := make([]byte, stateHeader, stateHeader+len(inner))
	copy(b, stateMagic)
	binary.LittleEndian.PutUint64(b[4:], gid)
	binary.LittleEndian.PutUint64(b[12:], sid)
	return append(b, inner...)
}

func untagState(st []byte) (gid, sid uint64, inner []byte, ok bool) {
	if len(st) < stateHeader || string(st[:4]) != stateMagic {
		return 0, 0, nil, false
	}
	return binary.LittleEndian.Uint64(st[4:]), binary.LittleEndian.Uint64(st[12:]), st[stateHeader:], true
}

// openStream registers stream sid on g, holding one reference of g until
// endStream. The caller holds a reference of g.
func (g *generation) openStream(sid uint64) {
	g.refs.Add(1)
	g.mu.Lock()
	g.streams[sid] = struct{}{}
	g.mu.Unlock()
}

// endStream drops stream sid's reference of g, once.
func (r *Registry) endStream(g *generation, sid uint64) {
	g.mu.Lock()
	_, ok := g.streams[sid]
	delete(g.streams, sid)
	g.mu.Unlock()
	if ok {
		r.release(g)
	}
}

// lookup returns the generation numbered id if it is still open.
func (r *Registry) lookup(en *entry, id uint64) *generation {
	if g := en.active.Load(); g != nil && g.id == id {
		return g
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for g := range en.draining {
		if g.id == id {
			return g
		}
	}
	return nil
}

// Transform implements Module, pinning each stream to the generation of
// its first call (see Handle).
func (h *Handle) Transform(ctx context.Context, in *abi.TransformInput) ([]byte, []abi.Event, error) {
	r := h.r
	end := in.Flags&abi.FlagEnd != 0
	if len(in.State) == 0 {
		g, err := r.acquire(h.en)
		if err != nil {
			return nil, nil, err
		}
		defer r.release(g)
		sid := r.streamID.Add(1)
		st, evs, err := g.mod.Transform(ctx, in)
		if err != nil || end {
			return st, evs, err
		}
		g.openStream(sid)
		return tagState(g.id, sid, st), evs, nil
	}
	gid, sid, inner, ok := untagState(in.State)
	if !ok {
		return nil, nil, abi.Errorf(abi.CodeInvalidRequest, "module %q: the transform state was not returned by this registry handle: pass back the state the previous call returned", h.en.name)
	}
	g := r.lookup(h.en, gid)
	if g != nil && !g.tryAcquire() {
		g = nil
	}
	if g != nil && r.opts.MigrateStreams {
		if a := h.en.active.Load(); a != nil && a != g && g.v.StateFormat != "" && a.v.StateFormat == g.v.StateFormat && a.tryAcquire() {
			// Move the stream to the active generation.
			a.openStream(sid)
			r.endStream(g, sid)
			r.release(g)
			g = a
		}
	}
	if g == nil {
		return nil, nil, abi.Errorf(abi.CodeAdapterTrap, "module %q: the version that started this stream was retired and closed (its drain timed out, or the registry closed): retry the request", h.en.name)
	}
	defer r.release(g)
	sub := *in
	sub.State = inner
	st, evs, err := g.mod.Transform(ctx, &sub)
	if err != nil || end {
		r.endStream(g, sid)
		return st, evs, err
	}
	return tagState(g.id, sid, st), evs, nil
}

// ProjectOp implements api.Operator on the active generation.
func (h *Handle) ProjectOp(ctx context.Context, call *abi.OpCall) (pr *abi.ProviderRequest, err error) {
	err = h.withOperator(call.Op, func(opr api.Operator) error {
		pr, err = opr.ProjectOp(ctx, call)
		return err
	})
	return pr, err
}

// ParseOp implements api.Operator on the active generation.
func (h *Handle) ParseOp(ctx context.Context, call *abi.OpCall, in *abi.ResponseInput) (res *abi.OpResult, err error) {
	err = h.withOperator(call.Op, func(opr api.Operator) error {
		res, err = opr.ParseOp(ctx, call, in)
		return err
	})
	return res, err
}

var _ api.Operator = (*Handle)(nil)

// withOperator runs f with the operations of the active generation's
// module; a module that runs none is capability_unsupported.
func (h *Handle) withOperator(op string, f func(api.Operator) error) error {
	g, err := h.r.acquire(h.en)
	if err != nil {
		return err
	}
	defer h.r.release(g)
	opr, ok := g.mod.(api.Operator)
	if !ok {
		return abi.Errorf(abi.CodeCapabilityUnsupported, "module %q does not serve the %s operation", g.mod.Name(), op)
	}
	return f(opr)
}
