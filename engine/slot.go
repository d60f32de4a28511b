package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
)

// wasmSlot is one Wasm instance with its watchdog and log writers.
type wasmSlot struct {
	m        *module
	inst     instance
	timeout  time.Duration
	mode     deadlineMode
	limit    uint64
	watchdog *time.Timer
	fired    atomic.Bool
	stdout   *lineWriter
	stderr   *lineWriter
}

func newWasmSlot(ctx context.Context, m *module, cm compiledModule, hasInit bool, log *slog.Logger, limit uint64) (*wasmSlot, error) {
	s := &wasmSlot{m: m, limit: limit}
	s.stdout = &lineWriter{log: log, stream: "stdout", level: slog.LevelInfo, stop: s.fired.Load}
	s.stderr = &lineWriter{log: log, stream: "stderr", level: slog.LevelWarn, stop: s.fired.Load}
	ic := instanceConfig{stdout: s.stdout, stderr: s.stderr, interrupted: s.fired.Load, initTimeout: m.cfg.InitTimeout}
	if hasInit {
		ic.start = []string{abi.ExportInitialize}
	}
	s.timeout = m.cfg.CallTimeout
	s.mode = m.cfg.deadline
	if s.mode == deadlineInstrument {
		// _initialize runs under its own deadline, Config.InitTimeout.
		s.watchdog = time.AfterFunc(m.cfg.InitTimeout, s.fire)
	}
	inst, err := cm.instantiate(ctx, ic)
	s.stdout.flush()
	s.stderr.flush()
	if s.watchdog != nil && !s.watchdog.Stop() {
		if err == nil {
			inst.close(ctx)
		}
		return nil, abi.Errorf(abi.CodeAdapterTimeout, "module %q: %s ran past the %v deadline and was stopped (Config.InitTimeout)", m.name, abi.ExportInitialize, m.cfg.InitTimeout)
	}
	if err != nil {
		var f *fault
		if errors.As(err, &f) {
			return nil, abi.Wrap(abi.CodeAdapterTrap, err, fmt.Sprintf("module %q failed in %s", m.name, abi.ExportInitialize))
		}
		return nil, abi.Wrap(abi.CodeABIMismatch, err, fmt.Sprintf("module %q cannot be instantiated", m.name))
	}
	s.inst = inst
	if s.mode == deadlineWatchdog {
		s.watchdog = time.AfterFunc(time.Hour, s.fire)
		s.watchdog.Stop()
	}
	return s, nil
}

// fire runs on the watchdog's goroutine when a deadline passes.
func (s *wasmSlot) fire() {
	s.fired.Store(true)
	if s.mode == deadlineWatchdog {
		// Armed only after instantiation, so s.inst is set.
		s.inst.interrupt()
	}
}

func (s *wasmSlot) memorySize() uint64 { return s.inst.memorySize() }

// stackGrew reports whether the instance's call stack grew past what an
// idle instance should keep (deepStackUnits): the pool then retires it.
func (s *wasmSlot) stackGrew() bool {
	g, ok := s.inst.(interface{ stackGrew() bool })
	return ok && g.stackGrew()
}

func (s *wasmSlot) close(ctx context.Context) {
	if s.watchdog != nil {
		s.watchdog.Stop()
	}
	s.inst.close(ctx)
	s.stdout.flush()
	s.stderr.flush()
}

// callVersion calls wasmadapt_abi_version under the deadline.
func (s *wasmSlot) callVersion(ctx context.Context) (uint32, error) {
	var v uint64
	ferr := s.guard(ctx, expABIVersion, func(ctx context.Context) error {
		var err error
		v, err = s.inst.call(ctx, expABIVersion)
		return err
	})
	if ferr != nil {
		return 0, ferr
	}
	return uint32(v), nil
}

// guard runs f under the per-call deadline and classifies its failure.
func (s *wasmSlot) guard(ctx context.Context, fn exportID, f func(ctx context.Context) error) *abi.Error {
	if err := ctx.Err(); err != nil {
		return &abi.Error{Code: abi.CodeAdapterTimeout, Message: "the call's context ended before the call", Err: err}
	}
	s.stderr.oom = false
	var err error
	switch s.mode {
	case deadlineInstrument:
		// The guest does not watch ctx: the caller's own deadline, when
		// shorter, arms the timer instead. A cancellation without a
		// deadline is noticed only before the call.
		d := s.timeout
		if dl, ok := ctx.Deadline(); ok {
			d = min(d, time.Until(dl))
		}
		s.watchdog.Reset(d)
		err = f(ctx)
		if !s.watchdog.Stop() && err == nil {
			err = &fault{kind: faultInterrupted, err: errors.New("deadline passed")}
		}
	case deadlineWatchdog:
		s.watchdog.Reset(s.timeout)
		err = f(ctx)
		if !s.watchdog.Stop() && err == nil {
			// The watchdog fired as the call returned: the instance
			// is closed, so the call counts as timed out.
			err = &fault{kind: faultInterrupted, err: errors.New("deadline passed")}
		}
	case deadlineContext:
		cctx, cancel := context.WithTimeout(ctx, s.timeout)
		err = f(cctx)
		cancel()
	default:
		err = f(ctx)
	}
	s.stdout.flush()
	s.stderr.flush()
	if err == nil {
		return nil
	}
	return s.classify(ctx, fn, err)
}

func (s *wasmSlot) classify(ctx context.Context, fn exportID, err error) *abi.Error {
	name := exportNames[fn]
	var f *fault
	if !errors.As(err, &f) {
		return abi.Wrap(abi.CodeAdapterTrap, err, fmt.Sprintf("module %q: %s failed", s.m.name, name))
	}
	if f.kind == faultInterrupted || s.fired.Load() {
		// The watchdog armed to the caller's deadline (guard) can fire
		// before the context's own timer marks it done: callerEnded sees
		// the deadline passed, and the caller's deadline is what stopped it.
		if callerEnded(ctx) {
			cerr := ctx.Err()
			if cerr == nil {
				cerr = context.DeadlineExceeded
			}
			return &abi.Error{Code: abi.CodeAdapterTimeout, Message: fmt.Sprintf("module %q: %s stopped: the call's context ended (%v)", s.m.name, name, cerr), Err: cerr}
		}
		return &abi.Error{Code: abi.CodeAdapterTimeout, Message: fmt.Sprintf("module %q: %s ran past the %v deadline and was stopped (raise Config.CallTimeout only if the adapter is legitimately slow)", s.m.name, name, s.timeout), Err: f}
	}
	if f.limit != "" {
		return &abi.Error{Code: abi.CodeAdapterMemory, Message: fmt.Sprintf("module %q: %s ran out of memory: it hit the sandbox's %s and was stopped", s.m.name, name, f.limit), Err: f}
	}
	if mem := s.inst.memorySize(); s.stderr.oom || mem+s.limit/16 >= s.limit {
		return &abi.Error{Code: abi.CodeAdapterMemory, Message: fmt.Sprintf("module %q: %s ran out of memory (%d of %d bytes of linear memory in use; Config.MemoryLimitBytes caps it)", s.m.name, name, mem, s.limit), Err: f}
	}
	if f.kind == faultExit {
		return &abi.Error{Code: abi.CodeAdapterTrap, Message: fmt.Sprintf("module %q: %s exited with code %d (a Go guest panicked or hit a fatal error: its stderr is in the log)", s.m.name, name, f.exitCode), Err: f}
	}
	return &abi.Error{Code: abi.CodeAdapterTrap, Message: fmt.Sprintf("module %q: %s trapped: %v", s.m.name, name, f.err), Err: f}
}

// invoke implements slot: alloc, write input, call, read result.
func (s *wasmSlot) invoke(ctx context.Context, fn exportID, input []byte) ([]byte, *abi.Error) {
	var res []byte
	var contract *abi.Error
	ferr := s.guard(ctx, fn, func(ctx context.Context) error {
		var r uint64
		if fn == expSelfTest || fn == expTextTemplates {
			if !s.inst.has(fn) {
				res = []byte{byte(abi.StatusOK), '[', ']'}
				return nil
			}
			var err error
			if r, err = s.inst.call(ctx, fn); err != nil {
				return err
			}
			return s.result(fn, r, &res, &contract)
		}
		ptr, err := s.inst.call(ctx, expAlloc, uint64(len(input)))
		if err != nil {
			return err
		}
		if !s.inst.write(uint32(ptr), input) {
			contract = badOutput("module %q: %s returned %#x, and %d input bytes do not fit there in linear memory", s.m.name, abi.ExportAlloc, uint32(ptr), len(input))
			return nil
		}
		r, err = s.inst.call(ctx, fn, ptr, uint64(len(input)))
		if err != nil {
			return err
		}
		return s.result(fn, r, &res, &contract)
	})
	if ferr != nil {
		return nil, ferr
	}
	if contract != nil {
		return nil, contract
	}
	return res, nil
}

// result checks a packed ptr<<32|len result and views it.
func (s *wasmSlot) result(fn exportID, r uint64, res *[]byte, contract **abi.Error) error {
	rp, rn := uint32(r>>32), uint32(r)
	if e := s.m.checkOut(fn, int(rn)); e != nil {
		*contract = e
		return nil
	}
	view, ok := s.inst.read(rp, rn)
	if !ok {
		*contract = badOutput("module %q: %s returned a result of %d bytes at %#x, outside its %d bytes of linear memory", s.m.name, exportNames[fn], rn, rp, s.inst.memorySize())
		return nil
	}
	*res = view
	return nil
}

// lineWriter sends guest output to slog, one record per line, each at most
// maxLogLine bytes (longer lines are cut and marked truncated). It reads at
// most maxLogBytesPerCall bytes per call and drops the rest unread, so one
// fd_write costs the host O(iovecs), whatever the bytes say; once the
// call's deadline has passed (stop), a write unwinds the guest.
type lineWriter struct {
	log       *slog.Logger
	stream    string
	level     slog.Level
	buf       []byte
	truncated bool
	// oom is set when a line mentions "out of memory" (the Go runtime's
	// fatal error when memory.grow fails).
	oom bool
	// lines counts the records emitted since the last flush (one call),
	// dropped the lines beyond maxLogLinesPerCall (a guest must
	// not flood the host's log; SECURITY.md).
	lines, dropped int
	// bytes counts the bytes read in this call; droppedBytes those
	// dropped unread past maxLogBytesPerCall.
	bytes, droppedBytes int
	// stop reports that the call's deadline has passed.
	stop func() bool
}

// maxLogBytesPerCall caps the guest output one stream of one call reads.
const maxLogBytesPerCall = 1 << 20

const maxLogLine = 1024

// maxLogLinesPerCall caps the records one stream of one call (or one
// instantiation) logs; flush reports how many more lines were dropped.
const maxLogLinesPerCall = 100

func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	if w.stop != nil && w.stop() {
		panic(errInterrupted)
	}
	if room := maxLogBytesPerCall - w.bytes; len(p) > room {
		w.droppedBytes += len(p) - room
		p = p[:room]
	}
	w.bytes += len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if room := maxLogLine - len(w.buf); len(chunk) > room {
			w.buf = append(w.buf, chunk[:room]...)
			w.truncated = true
		} else {
			w.buf = append(w.buf, chunk...)
		}
		if i < 0 {
			break
		}
		w.emit()
		p = p[i+1:]
	}
	return n, nil
}

func (w *lineWriter) emit() {
	if bytes.Contains(w.buf, []byte("out of memory")) {
		w.oom = true
	}
	if w.lines >= maxLogLinesPerCall {
		w.dropped++
		w.buf = w.buf[:0]
		w.truncated = false
		return
	}
	w.lines++
	line := string(w.buf)
	if w.truncated {
		w.log.Log(context.Background(), w.level, line, slog.String("stream", w.stream), slog.Bool("truncated", true))
	} else {
		w.log.Log(context.Background(), w.level, line, slog.String("stream", w.stream))
	}
	w.buf = w.buf[:0]
	w.truncated = false
}

// flush emits a pending partial line and ends the call: the lines
// dropped past maxLogLinesPerCall are reported in one record, and the
// count starts again.
func (w *lineWriter) flush() {
	if len(w.buf) > 0 || w.truncated {
		w.emit()
	}
	if w.dropped > 0 || w.droppedBytes > 0 {
		w.log.Log(context.Background(), w.level, "engine: guest log lines dropped",
			slog.String("stream", w.stream), slog.Int("dropped", w.dropped), slog.Int("limit", maxLogLinesPerCall),
			slog.Int("dropped_unread_bytes", w.droppedBytes))
	}
	w.lines, w.dropped, w.bytes, w.droppedBytes = 0, 0, 0, 0
}
