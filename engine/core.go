package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/valyala/fastjson"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api"
)

// module implements Module for Wasm and native executors alike: everything
// from the pool down to result decoding and event validation is shared.
type module struct {
	name       string
	digest     string
	cfg        *Config
	maxOut     int
	recycle    uint64
	log        *slog.Logger
	pool       *pool
	newSlot    func(ctx context.Context) (slot, error)
	compiled   compiledModule // nil for native modules
	abiVersion uint32
	onClose    func()
	closeOnce  sync.Once
	faults     atomic.Uint64
	// crashes suspends the module after a crash loop (suspend.go).
	crashes *crashGuard
	// tapeOnce/tape: whether transform envelopes carry tapes (ABI 1.1,
	// abi/tape.go), decided once: see usesTape.
	tapeOnce sync.Once
	tape     bool
	// reqTapeOnce/reqTape: whether projections get taped requests (ABI
	// 1.5), decided once: see tapesRequests.
	reqTapeOnce sync.Once
	reqTape     bool
	// templates are the module's text-delta templates (ABI 1.4,
	// templates.go), read once at load, and skeletons their distinct
	// shapes with the integers left open.
	templates []abi.TextTemplate
	skeletons []skeleton
}

// usesTape reports whether the module opted in to tapes: it reports ABI
// 1.1 or later and exports abi.ExportTapeMarker as a function of no
// parameters and results. Such a module gets each chunk's tape, computed
// here natively, so that it does not scan the chunk's bytes itself; any
// other module (ABI 1.0, or native) gets plain chunks as before.
func (m *module) usesTape() bool {
	m.tapeOnce.Do(func() { m.tape = m.optedIn(1, abi.ExportTapeMarker) })
	return m.tape
}

// optedIn reports whether a Wasm module reports ABI 1.minor or later and
// exports marker as a function of no parameters and results: how a module
// opts in to what the host sends differently (tapes, taped requests).
func (m *module) optedIn(minor uint8, marker string) bool {
	if m.compiled == nil {
		return false
	}
	_, mi, _ := abi.UnpackVersion(m.abiVersion)
	sig, ok := m.compiled.exports()[marker]
	return mi >= minor && ok && sig.equal(funcSig{})
}

// tapesRequests reports whether the module opted in to taped requests:
// it reports ABI 1.5 or later and exports abi.ExportRequestTapeMarker as a
// function of no parameters and results. Its projections then get the
// normalized request's tape, computed here natively (abi.TapedRequest).
func (m *module) tapesRequests() bool {
	m.reqTapeOnce.Do(func() { m.reqTape = m.optedIn(5, abi.ExportRequestTapeMarker) })
	return m.reqTape
}

// splitsProjections reports whether the module may return its
// projections in the split form (abi.SplitProjection): it reports ABI 1.5
// or later (native modules report this package's version).
func (m *module) splitsProjections() bool {
	_, minor, _ := abi.UnpackVersion(m.abiVersion)
	return minor >= 5
}

// endsToolCalls reports whether the module may end tool calls with
// tool-call-end in its transform results: it reports ABI 1.4 or later
// (native modules report this package's version).
func (m *module) endsToolCalls() bool {
	_, minor, _ := abi.UnpackVersion(m.abiVersion)
	return minor >= 4
}

func newModule(name, digest string, cfg *Config) *module {
	m := &module{name: name, digest: digest, cfg: cfg, maxOut: cfg.MaxOutputBytes, recycle: cfg.RecycleMemoryBytes, log: cfg.Logger,
		crashes: newCrashGuard(cfg.Crashes)}
	m.pool = newPool(cfg.PoolSize, func(ctx context.Context) (slot, error) { return m.newSlot(ctx) })
	return m
}

// Name implements Module.
func (m *module) Name() string { return m.name }

// Digest implements Module.
func (m *module) Digest() string { return m.digest }

// Close implements Module.
func (m *module) Close(ctx context.Context) error {
	m.closeOnce.Do(func() {
		m.pool.close(ctx)
		if m.compiled != nil {
			m.compiled.close(ctx)
		}
		if m.onClose != nil {
			m.onClose()
		}
	})
	return nil
}

// call runs one export on a pooled worker: encode writes the input into
// the worker's buffer, decode consumes the OK payload (a view valid only
// during decode) and returns an adapter_bad_output error when the payload
// breaks the contract. A guest's own ERROR result is returned as its
// *abi.Error and the worker is kept; every other failure discards it.
func (m *module) call(ctx context.Context, fn exportID, encode func(dst []byte) []byte, decode func(w *worker, payload []byte) error) error {
	// A module suspended after a crash loop fails at once, without
	// creating instances for it to crash (suspend.go).
	if err := m.crashes.check(); err != nil {
		return err
	}
	w, err := m.pool.acquire(ctx)
	if err != nil {
		return err
	}
	w.in = encode(w.in[:0])
	// Inputs over the documented limit and callers already gone never
	// reach the module (attribution in suspend.go).
	if err := m.admit(ctx, fn, len(w.in)); err != nil {
		m.pool.release(w, false)
		return err
	}
	res, ferr := w.s.invoke(ctx, fn, w.in)
	if ferr != nil {
		m.faultCtx(ctx, fn, ferr)
		m.pool.release(w, true)
		return ferr
	}
	if len(res) == 0 {
		err := abi.Errorf(abi.CodeAdapterBadOutput, "%s returned an empty result: every result starts with a status byte", exportNames[fn])
		m.fault(fn, err)
		m.pool.release(w, true)
		return err
	}
	switch abi.Status(res[0]) {
	case abi.StatusOK:
		if err := decode(w, res[1:]); err != nil {
			// A result the host refuses on the module's behalf is the
			// module's own error, as if it had returned it: the
			// instance is kept.
			var own *guestError
			if errors.As(err, &own) {
				m.pool.release(w, false)
				return own.err
			}
			m.fault(fn, err)
			m.pool.release(w, true)
			return err
		}
	case abi.StatusError:
		gerr := decodeGuestError(&w.p, res[1:])
		if abi.CodeOf(gerr) == abi.CodeAdapterBadOutput && gerr.(*abi.Error).Err == errBadErrorObject {
			m.fault(fn, gerr)
			m.pool.release(w, true)
			return gerr
		}
		m.pool.release(w, false)
		return gerr
	default:
		err := abi.Errorf(abi.CodeAdapterBadOutput, "%s returned status byte %d: want 0 (OK) or 1 (ERROR)", exportNames[fn], res[0])
		m.fault(fn, err)
		m.pool.release(w, true)
		return err
	}
	if g, ok := w.s.(interface{ stackGrew() bool }); ok && g.stackGrew() {
		m.log.Debug("engine: recycling instance: its call stack grew", slog.String("module", m.name))
		m.pool.release(w, true)
		return nil
	}
	// The load-time read of the text templates (templates.go) keeps the
	// instance Load started: recycling it there would only start another.
	if m.recycle > 0 && fn != expTextTemplates && w.s.memorySize() > m.recycle {
		m.log.Debug("engine: recycling instance", slog.String("module", m.name), slog.Uint64("memory_bytes", w.s.memorySize()))
		m.pool.release(w, true)
		return nil
	}
	m.pool.release(w, false)
	return nil
}

func (m *module) fault(fn exportID, err error) {
	m.faults.Add(1)
	m.log.Warn("engine: adapter fault, instance discarded", slog.String("module", m.name),
		slog.String("export", exportNames[fn]), slog.Any("error", err))
	// Count the fault towards crash-loop suspension (suspend.go).
	if d := m.crashes.record(m.name); d > 0 {
		m.log.Error("engine: module suspended after a crash loop", slog.String("module", m.name),
			slog.Int("crashes", m.crashes.policy.Limit), slog.Duration("window", m.crashes.policy.Window),
			slog.Duration("suspended_for", d))
	}
}

// Faults returns how many calls of m ended in an executor fault (trap,
// timeout, memory, bad output) since it was loaded. It is api.Faults.
func Faults(m Module) uint64 { return api.Faults(m) }

// Faults implements api.Inspector.
func (m *module) Faults() uint64 { return m.faults.Load() }

func (m *module) checkOut(fn exportID, n int) *abi.Error {
	if n > m.maxOut {
		return abi.Errorf(abi.CodeAdapterBadOutput, "%s returned %d bytes, more than the %d-byte output cap (Config.MaxOutputBytes)", exportNames[fn], n, m.maxOut)
	}
	return nil
}

// eventBuffer counts the events of payload p (its lines) before any is
// decoded and returns an empty slice of exactly that capacity, or
// adapter_bad_output past Config.MaxEventsPerCall: the events of one call
// never cost the host more than that cap allows, and decoding never
// reallocates.
func (m *module) eventBuffer(fn exportID, p []byte) ([]abi.Event, error) {
	n := bytes.Count(p, []byte{'\n'})
	if n > m.cfg.MaxEventsPerCall {
		return nil, abi.Errorf(abi.CodeAdapterBadOutput, "%s returned %d events, more than the %d-event cap (Config.MaxEventsPerCall)", exportNames[fn], n, m.cfg.MaxEventsPerCall)
	}
	return make([]abi.Event, 0, n), nil
}

// Capabilities implements Module.
func (m *module) Capabilities(ctx context.Context, model string) (*abi.Capabilities, error) {
	var caps *abi.Capabilities
	err := m.call(ctx, expCapabilities,
		func(dst []byte) []byte { return append(dst, model...) },
		func(_ *worker, p []byte) error {
			c, err := decodeCapabilities(p, m.abiVersion)
			caps = c
			return err
		})
	if err != nil {
		return nil, err
	}
	return caps, nil
}

// Project implements Module.
func (m *module) Project(ctx context.Context, req *abi.Request) (*abi.ProviderRequest, error) {
	return m.projectJSON(ctx, expProject, "normalized request", req)
}

// projectJSON encodes v as JSON, passes it to export fn and decodes the
// provider request fn returns: the call path shared by Project and
// ProjectOp. what names v in the error when v cannot be encoded.
func (m *module) projectJSON(ctx context.Context, fn exportID, what string, v any) (*abi.ProviderRequest, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, abi.Wrap(abi.CodeInvalidRequest, err, what+" cannot be encoded")
	}
	var pr *abi.ProviderRequest
	err = m.call(ctx, fn,
		func(dst []byte) []byte {
			// A request whose taped form may pass the input limit goes
			// plain, so that the limit refuses exactly what it did.
			if fn == expProject && m.tapesRequests() && 5+len(body)+abi.MaxTapeLen(len(body)) <= m.cfg.MaxInputBytes {
				if taped, ok := abi.AppendTapedRequest(dst, body); ok {
					return taped
				}
			}
			return append(dst, body...)
		},
		func(_ *worker, p []byte) error {
			r, err := decodeProjection(p, m.splitsProjections())
			pr = r
			return err
		})
	if err != nil {
		return nil, err
	}
	return pr, nil
}

// Transform implements Module. Chunks that one of the module's text
// templates covers are served by the host (templates.go); the module gets
// the rest, in as few calls as the templates allow.
func (m *module) Transform(ctx context.Context, in *abi.TransformInput) ([]byte, []abi.Event, error) {
	if !m.templatesApply(ctx, in) {
		return m.transform(ctx, in)
	}
	return m.templated(ctx, in)
}

// transform runs one transform call in the module.
func (m *module) transform(ctx context.Context, in *abi.TransformInput) ([]byte, []abi.Event, error) {
	var state []byte
	var events []abi.Event
	err := m.call(ctx, expTransform,
		func(dst []byte) []byte {
			if m.usesTape() {
				// Tapes are built straight into the envelope.
				return abi.AppendTransformInputTaped(dst, in)
			}
			return abi.AppendTransformInput(dst, in)
		},
		func(w *worker, p []byte) error {
			st, evs, err := abi.DecodeTransformOutput(p)
			if err != nil {
				return abi.Errorf(abi.CodeAdapterBadOutput, "transform result: the state field is malformed (%v)", err)
			}
			dst, err := m.eventBuffer(expTransform, evs)
			if err != nil {
				return err
			}
			events, err = validateEvents(&w.p, &w.args, evs, dst, m.endsToolCalls())
			if err != nil {
				return err
			}
			state = append([]byte(nil), st...)
			return nil
		})
	if err != nil {
		return nil, nil, err
	}
	return state, events, nil
}

// ParseResponse implements Module.
func (m *module) ParseResponse(ctx context.Context, in *abi.ResponseInput) ([]abi.Event, error) {
	return m.responseEvents(ctx, expParseResponse, in, nil)
}

// MapError implements Module.
func (m *module) MapError(ctx context.Context, in *abi.ResponseInput) (abi.Event, error) {
	events, err := m.responseEvents(ctx, expMapError, in, func(events []abi.Event) error {
		if len(events) != 1 || events[0].Type != abi.EventError {
			return abi.Errorf(abi.CodeAdapterBadOutput, "map_error returned %d events (%s): want exactly one error event", len(events), eventTypes(events))
		}
		return nil
	})
	if err != nil {
		return abi.Event{}, err
	}
	return events[0], nil
}

// responseEvents calls fn (parse_response, map_error) on in and returns the
// events it emitted, validated; check, when not nil, checks them as part
// of the call (its error is the module's output error).
func (m *module) responseEvents(ctx context.Context, fn exportID, in *abi.ResponseInput, check func([]abi.Event) error) ([]abi.Event, error) {
	var events []abi.Event
	err := m.call(ctx, fn,
		func(dst []byte) []byte { return abi.AppendResponseInput(dst, in) },
		func(w *worker, p []byte) error {
			dst, err := m.eventBuffer(fn, p)
			if err != nil {
				return err
			}
			events, err = validateEvents(&w.p, &w.args, p, dst, false)
			if err == nil && check != nil {
				err = check(events)
			}
			return err
		})
	if err != nil {
		return nil, err
	}
	return events, nil
}

func eventTypes(evs []abi.Event) string {
	s := ""
	for i, e := range evs {
		if i > 0 {
			s += ", "
		}
		s += string(e.Type)
	}
	return s
}

// SelfTest returns the module's own golden cases (the optional
// wasmadapt_selftest export): a JSON array in the format of `wasmrun test`,
// "[]" when the module has none. The array is checked to be valid JSON.
func SelfTest(ctx context.Context, m Module) ([]byte, error) {
	mm, ok := m.(*module)
	if !ok {
		return nil, fmt.Errorf("engine: SelfTest needs a Module from Engine.Load or NewNative, got %T", m)
	}
	var out []byte
	err := mm.call(ctx, expSelfTest,
		func(dst []byte) []byte { return dst },
		func(w *worker, p []byte) error {
			v, err := w.p.ParseBytes(p)
			if err != nil || v.Type() != fastjson.TypeArray {
				return badOutput("%s did not return a JSON array", abi.ExportSelfTest)
			}
			out = append([]byte(nil), p...)
			return nil
		})
	return out, err
}
