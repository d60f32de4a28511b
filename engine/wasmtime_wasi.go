//go:build wasmtime

package engine

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/bytecodealliance/wasmtime-go/v39"

	"github.com/wasmadapt/wasmadapt/abi"
)

// The WASI preview1 host functions of the wasmtime backend: wasmtime's
// own WASI cannot fix the clock or seed the random source, so the host
// implements abi.WASIImports itself (see wasmtimeWASI).

// WASI preview1 errno values used by the host functions.
const (
	wasiESuccess = 0
	wasiEBadf    = 8
	wasiEFault   = 21
	wasiEInval   = 28
)

// wasiCall is one WASI host function: it gets the instance, the caller
// (for linear memory) and the arguments, and returns an errno, or a trap.
type wasiCall func(w *wasmtimeInstance, mem []byte, args []wasmtime.Val) (int32, *wasmtime.Trap)

// errInterruptedTrap is the message of the trap sched_yield raises once the
// instance is interrupted.
const errInterruptedTrap = "call interrupted: deadline passed"

// wasmtimeWASI implements every function of abi.WASIImports, with
// the semantics the wazero backend configures: no arguments or
// environment, a fixed clock (FixedWalltime, FixedNanotime), the seeded
// random source, no files (only fds 0-2 exist; stdin reads end of file),
// fds 1 and 2 written to the instance's writers, and sleeps that return at
// once.
var wasmtimeWASI = map[string]wasiCall{
	"args_get":          func(*wasmtimeInstance, []byte, []wasmtime.Val) (int32, *wasmtime.Trap) { return wasiESuccess, nil },
	"environ_get":       func(*wasmtimeInstance, []byte, []wasmtime.Val) (int32, *wasmtime.Trap) { return wasiESuccess, nil },
	"args_sizes_get":    twoZeros,
	"environ_sizes_get": twoZeros,
	"clock_res_get": func(_ *wasmtimeInstance, mem []byte, a []wasmtime.Val) (int32, *wasmtime.Trap) {
		if id := a[0].I32(); id != 0 && id != 1 {
			return wasiEInval, nil
		}
		return putU64(mem, a[1].I32(), 1), nil
	},
	"clock_time_get": func(_ *wasmtimeInstance, mem []byte, a []wasmtime.Val) (int32, *wasmtime.Trap) {
		switch a[0].I32() {
		case 0: // realtime
			return putU64(mem, a[2].I32(), uint64(FixedWalltime)*1e9), nil
		case 1: // monotonic
			return putU64(mem, a[2].I32(), uint64(FixedNanotime)), nil
		}
		return wasiEInval, nil
	},
	"random_get": func(w *wasmtimeInstance, mem []byte, a []wasmtime.Val) (int32, *wasmtime.Trap) {
		b, ok := span(mem, a[0].I32(), a[1].I32())
		if !ok {
			return wasiEFault, nil
		}
		seededRand{stop: w.stopped}.Read(b)
		return wasiESuccess, nil
	},
	"fd_write": func(w *wasmtimeInstance, mem []byte, a []wasmtime.Val) (int32, *wasmtime.Trap) {
		var out io.Writer
		switch a[0].I32() {
		case 1:
			out = w.stdout
		case 2:
			out = w.stderr
		default:
			return wasiEBadf, nil
		}
		if int64(a[2].I32())*8 > int64(len(mem)) {
			return wasiEFault, nil
		}
		iovs, ok := span(mem, a[1].I32(), a[2].I32()*8)
		if !ok {
			return wasiEFault, nil
		}
		var n uint32
		for len(iovs) >= 8 {
			b, ok := span(mem, int32(binary.LittleEndian.Uint32(iovs)), int32(binary.LittleEndian.Uint32(iovs[4:])))
			if !ok {
				return wasiEFault, nil
			}
			out.Write(b)
			n += uint32(len(b))
			iovs = iovs[8:]
		}
		return putU32(mem, a[3].I32(), n), nil
	},
	"fd_read": func(_ *wasmtimeInstance, mem []byte, a []wasmtime.Val) (int32, *wasmtime.Trap) {
		if a[0].I32() != 0 {
			return wasiEBadf, nil
		}
		return putU32(mem, a[3].I32(), 0), nil // end of file
	},
	"fd_close": stdioOnly,
	"fd_fdstat_get": func(_ *wasmtimeInstance, mem []byte, a []wasmtime.Val) (int32, *wasmtime.Trap) {
		if fd := a[0].I32(); fd < 0 || fd > 2 {
			return wasiEBadf, nil
		}
		b, ok := span(mem, a[1].I32(), 24)
		if !ok {
			return wasiEFault, nil
		}
		clear(b)
		b[0] = 2 // character device
		binary.LittleEndian.PutUint64(b[8:], 0x1fffffff)
		return wasiESuccess, nil
	},
	"fd_fdstat_set_flags": stdioOnly,
	"fd_prestat_get": func(*wasmtimeInstance, []byte, []wasmtime.Val) (int32, *wasmtime.Trap) {
		return wasiEBadf, nil // no pre-opened directories
	},
	"fd_prestat_dir_name": func(*wasmtimeInstance, []byte, []wasmtime.Val) (int32, *wasmtime.Trap) {
		return wasiEBadf, nil
	},
	"poll_oneoff": func(_ *wasmtimeInstance, mem []byte, a []wasmtime.Val) (int32, *wasmtime.Trap) {
		n := a[2].I32()
		if n <= 0 {
			return wasiEInval, nil
		}
		if int64(n)*48 > int64(len(mem)) {
			return wasiEFault, nil
		}
		subs, ok := span(mem, a[0].I32(), n*48)
		if !ok {
			return wasiEFault, nil
		}
		evs, ok := span(mem, a[1].I32(), n*32)
		if !ok {
			return wasiEFault, nil
		}
		// Every subscription is ready at once: clocks never advance,
		// so a timeout is simply reported elapsed; stdin is at end of
		// file; every other fd is bad.
		for i := int32(0); i < n; i++ {
			s, e := subs[i*48:i*48+48], evs[i*32:i*32+32]
			clear(e)
			copy(e[0:8], s[0:8]) // userdata
			tag := s[8]
			e[10] = tag
			if tag != 0 && !(tag == 1 && binary.LittleEndian.Uint32(s[16:]) == 0) {
				binary.LittleEndian.PutUint16(e[8:], wasiEBadf)
			}
		}
		return putU32(mem, a[3].I32(), uint32(n)), nil
	},
	"sched_yield": func(w *wasmtimeInstance, _ []byte, _ []wasmtime.Val) (int32, *wasmtime.Trap) {
		if w.stopped() {
			w.interrupted.Store(true)
			return 0, wasmtime.NewTrap(errInterruptedTrap)
		}
		return wasiESuccess, nil
	},
	"proc_exit": func(w *wasmtimeInstance, _ []byte, a []wasmtime.Val) (int32, *wasmtime.Trap) {
		w.exited, w.exitCode = true, uint32(a[0].I32())
		return 0, wasmtime.NewTrap(fmt.Sprintf("proc_exit(%d)", w.exitCode))
	},
}

func twoZeros(_ *wasmtimeInstance, mem []byte, a []wasmtime.Val) (int32, *wasmtime.Trap) {
	if e := putU32(mem, a[0].I32(), 0); e != wasiESuccess {
		return e, nil
	}
	return putU32(mem, a[1].I32(), 0), nil
}

func stdioOnly(_ *wasmtimeInstance, _ []byte, a []wasmtime.Val) (int32, *wasmtime.Trap) {
	if fd := a[0].I32(); fd < 0 || fd > 2 {
		return wasiEBadf, nil
	}
	return wasiESuccess, nil
}

// span is mem[ptr:ptr+n], or false when out of range.
func span(mem []byte, ptr, n int32) ([]byte, bool) {
	p, l := uint64(uint32(ptr)), uint64(uint32(n))
	if p+l > uint64(len(mem)) {
		return nil, false
	}
	return mem[p : p+l], true
}

func putU32(mem []byte, ptr int32, v uint32) int32 {
	return put(mem, ptr, binary.LittleEndian.AppendUint32(make([]byte, 0, 4), v))
}

func putU64(mem []byte, ptr int32, v uint64) int32 {
	return put(mem, ptr, binary.LittleEndian.AppendUint64(make([]byte, 0, 8), v))
}

// put copies v to mem at ptr, or returns EFAULT when it does not fit.
func put(mem []byte, ptr int32, v []byte) int32 {
	b, ok := span(mem, ptr, int32(len(v)))
	if !ok {
		return wasiEFault
	}
	copy(b, v)
	return wasiESuccess
}

func wasmtimeValTypes(ts []valType) []*wasmtime.ValType {
	out := make([]*wasmtime.ValType, len(ts))
	for i, t := range ts {
		k := wasmtime.KindI32
		if t == valI64 {
			k = wasmtime.KindI64
		}
		out[i] = wasmtime.NewValType(k)
	}
	return out
}

// newWasmtimeLinker defines the WASI functions of abi.WASIImports
// (with the signatures of wasiSignatures) in a linker shared by every
// instance; each function finds its instance through the store's data.
func newWasmtimeLinker(eng *wasmtime.Engine) (*wasmtime.Linker, error) {
	l := wasmtime.NewLinker(eng)
	for _, name := range abi.WASIImports() {
		impl, ok := wasmtimeWASI[name]
		sig, sok := wasiSignatures[name]
		if !ok || !sok {
			l.Close()
			return nil, fmt.Errorf("WASI function %s has no wasmtime implementation", name)
		}
		ty := wasmtime.NewFuncType(wasmtimeValTypes(sig.params), wasmtimeValTypes(sig.results))
		hasResult := len(sig.results) > 0
		err := l.FuncNew(abi.WASIModule, name, ty, func(c *wasmtime.Caller, args []wasmtime.Val) (res []wasmtime.Val, trap *wasmtime.Trap) {
			// A bug here must fail the call (the instance is then
			// discarded), never the host process.
			defer func() {
				if p := recover(); p != nil {
					res, trap = nil, wasmtime.NewTrap(fmt.Sprintf("host function %s failed: %v", name, p))
				}
			}()
			w := c.Data().(*wasmtimeInstance)
			var mem []byte
			if ext := c.GetExport("memory"); ext != nil {
				if m := ext.Memory(); m != nil {
					mem = m.UnsafeData(c)
				}
			}
			errno, trap := impl(w, mem, args)
			if trap != nil {
				return nil, trap
			}
			if !hasResult {
				return nil, nil
			}
			return []wasmtime.Val{wasmtime.ValI32(errno)}, nil
		})
		if err != nil {
			l.Close()
			return nil, err
		}
	}
	return l, nil
}
