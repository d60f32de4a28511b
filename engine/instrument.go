package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// yieldEvery is how many loop iterations an instrumented guest runs between
// two calls into the host.
const yieldEvery = 1 << 14

// instrumentLoops rewrites a WebAssembly binary so that every loop header
// counts down a new mutable i32 global and, when it reaches zero, resets it
// and calls the module's own wasi_snapshot_preview1.sched_yield import:
//
//	loop ...  =>  loop ...
//	                global.get $n  i32.eqz
//	                if  i32.const yieldEvery  global.set $n  call $sched_yield  drop  end
//	                global.get $n  i32.const 1  i32.sub  global.set $n
//
// Every non-terminating execution passes a loop header again and again (or
// overflows the stack), so it reaches the host every yieldEvery iterations.
// There the host's sched_yield panics when the call's deadline has passed,
// which unwinds the guest as a trap; and since the guest returns to Go
// regularly, a Go garbage collection never waits on a spinning guest (native
// code cannot be preempted). The countdown costs a few native instructions
// per iteration, far less than wazero's WithCloseOnContextDone, whose check
// leaves native code for Go at every loop iteration (numbers in RATIONALE.md).
//
// A module must import sched_yield (Go guests always do); instructions the
// rewriter does not know (SIMD, threads, exception handling) make it fail:
// the module is then refused rather than run without a deadline.
func instrumentLoops(wasm []byte) ([]byte, error) {
	if len(wasm) < 8 || string(wasm[:4]) != "\x00asm" || binary.LittleEndian.Uint32(wasm[4:8]) != 1 {
		return nil, errors.New("not a valid WebAssembly module: bad magic or version (want a WebAssembly 1.0 binary)")
	}
	type section struct {
		id   byte
		body []byte
	}
	var secs []section
	r := &wreader{b: wasm[8:]}
	for !r.eof() {
		id := r.byte()
		n := r.u32()
		body := r.bytes(int(n))
		if r.err != nil {
			return nil, fmt.Errorf("section %d: %w", id, r.err)
		}
		secs = append(secs, section{id, body})
	}
	// Count globals (imported and defined) to find the new global's index,
	// and find sched_yield among the function imports.
	var nGlobals, nFuncs uint32
	yield := int64(-1)
	for _, s := range secs {
		switch s.id {
		case 2: // import
			sr := &wreader{b: s.body}
			n := sr.u32()
			for i := uint32(0); i < n && sr.err == nil; i++ {
				mod := sr.name()
				name := sr.name()
				switch kind := sr.byte(); kind {
				case 0:
					sr.u32()
					if string(mod) == "wasi_snapshot_preview1" && string(name) == "sched_yield" {
						yield = int64(nFuncs)
					}
					nFuncs++
				case 1:
					sr.byte()
					sr.limits()
				case 2:
					sr.limits()
				case 3:
					sr.byte()
					sr.byte()
					nGlobals++
				default:
					sr.err = fmt.Errorf("unknown import kind %d", kind)
				}
			}
			if sr.err != nil {
				return nil, fmt.Errorf("import section: %w", sr.err)
			}
		case 6:
			sr := &wreader{b: s.body}
			nGlobals += sr.u32()
		}
	}
	if yield < 0 {
		return nil, errors.New("the module does not import wasi_snapshot_preview1.sched_yield, which the host needs to enforce the call deadline")
	}
	idx := leb(nGlobals)
	every := sleb(yieldEvery)
	newGlobal := append(append([]byte{0x7f, 0x01, 0x41}, every...), 0x0b) // mut i32 = yieldEvery
	var check []byte
	check = append(append(append(check, 0x23), idx...), 0x45, 0x04, 0x40)       // global.get n; i32.eqz; if
	check = append(append(append(check, 0x41), every...), 0x24)                 // i32.const yieldEvery; global.set n
	check = append(append(append(check, idx...), 0x10), leb(uint32(yield))...)  // call sched_yield
	check = append(check, 0x1a, 0x0b)                                           // drop; end
	check = append(append(append(check, 0x23), idx...), 0x41, 0x01, 0x6b, 0x24) // n = n - 1
	check = append(check, idx...)

	// Section order for known sections; the global section goes after
	// memory (5) and tag (13), before export (7).
	order := func(id byte) int {
		switch id {
		case 13:
			return 55
		case 12:
			return 95
		}
		return int(id) * 10
	}
	out := append([]byte(nil), wasm[:8]...)
	emit := func(id byte, body []byte) {
		out = append(out, id)
		out = append(out, leb(uint32(len(body)))...)
		out = append(out, body...)
	}
	haveGlobal := false
	for _, s := range secs {
		if s.id != 0 && !haveGlobal && order(s.id) > order(6) {
			emit(6, append([]byte{1}, newGlobal...))
			haveGlobal = true
		}
		switch s.id {
		case 6:
			sr := &wreader{b: s.body}
			n := sr.u32()
			body := append(leb(n+1), sr.b...)
			emit(6, append(body, newGlobal...))
			haveGlobal = true
		case 10:
			body, err := instrumentCode(s.body, check)
			if err != nil {
				return nil, err
			}
			emit(10, body)
		default:
			emit(s.id, s.body)
		}
	}
	if !haveGlobal {
		emit(6, append([]byte{1}, newGlobal...))
	}
	return out, nil
}

func instrumentCode(sec []byte, check []byte) ([]byte, error) {
	r := &wreader{b: sec}
	n := r.u32()
	out := make([]byte, 0, len(sec)+len(sec)/16)
	out = append(out, leb(n)...)
	var fn []byte
	for i := uint32(0); i < n; i++ {
		size := r.u32()
		body := r.bytes(int(size))
		if r.err != nil {
			return nil, fmt.Errorf("code section, function %d: %w", i, r.err)
		}
		var err error
		fn, err = instrumentBody(fn[:0], body, check)
		if err != nil {
			return nil, fmt.Errorf("code section, function %d: %w", i, err)
		}
		out = append(out, leb(uint32(len(fn)))...)
		out = append(out, fn...)
	}
	if !r.eof() {
		return nil, errors.New("code section: trailing bytes")
	}
	return out, nil
}

func instrumentBody(out, body []byte, check []byte) ([]byte, error) {
	r := &wreader{b: body}
	groups := r.u32()
	for i := uint32(0); i < groups; i++ {
		r.u32()
		r.byte()
	}
	start := 0
	for !r.eof() && r.err == nil {
		op := r.byte()
		switch {
		case op == 0x03: // loop
			r.blockType()
			pos := len(body) - len(r.b)
			out = append(out, body[start:pos]...)
			out = append(out, check...)
			start = pos
		case op == 0x02 || op == 0x04:
			r.blockType()
		case op <= 0x01, op == 0x05, op == 0x0b, op == 0x0f, op == 0x1a, op == 0x1b, op >= 0x45 && op <= 0xc4, op == 0xd1:
		case op == 0x0c, op == 0x0d, op == 0x10, op == 0x12, op >= 0x20 && op <= 0x26, op == 0x3f, op == 0x40, op == 0xd2:
			r.u32()
		case op == 0x0e:
			n := r.u32()
			for j := uint32(0); j <= n && r.err == nil; j++ {
				r.u32()
			}
		case op == 0x11, op == 0x13:
			r.u32()
			r.u32()
		case op == 0x1c:
			n := r.u32()
			r.bytes(int(n))
		case op >= 0x28 && op <= 0x3e:
			if align := r.u32(); align&0x40 != 0 {
				r.u32()
			}
			r.u32()
		case op == 0x41:
			r.sleb()
		case op == 0x42:
			r.sleb()
		case op == 0x43:
			r.bytes(4)
		case op == 0x44:
			r.bytes(8)
		case op == 0xd0:
			r.byte()
		case op == 0xfc:
			switch sub := r.u32(); {
			case sub <= 7:
			case sub == 8, sub == 10, sub == 12, sub == 14:
				r.u32()
				r.u32()
			case sub == 9, sub == 11, sub == 13, sub == 15, sub == 16, sub == 17:
				r.u32()
			default:
				return nil, fmt.Errorf("%w 0xfc %d", errUnsupportedOp, sub)
			}
		default:
			return nil, fmt.Errorf("%w: opcode %#x at byte %d (SIMD, threads and exception handling are not supported)", errUnsupportedOp, op, len(body)-len(r.b)-1)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	return append(out, body[start:]...), nil
}

// wreader reads the WebAssembly binary encoding; the first error sticks.
type wreader struct {
	b   []byte
	err error
}

var errShort = errors.New("unexpected end of data")

// errUnsupportedOp marks an instruction the loop rewriter does not know:
// the one instrumentation failure a different build of the module avoids.
var errUnsupportedOp = errors.New("unsupported instruction")

func (r *wreader) eof() bool { return len(r.b) == 0 }

func (r *wreader) byte() byte {
	if len(r.b) == 0 {
		r.err = errShort
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *wreader) bytes(n int) []byte {
	if n < 0 || n > len(r.b) {
		r.err = errShort
		r.b = nil
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *wreader) u32() uint32 {
	var v uint32
	for shift := 0; shift < 35; shift += 7 {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		v |= uint32(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
	r.err = errors.New("LEB128 too long")
	return 0
}

// sleb skips a signed LEB128 of up to 64 bits.
func (r *wreader) sleb() {
	for i := 0; i < 10; i++ {
		c := r.byte()
		if r.err != nil || c&0x80 == 0 {
			return
		}
	}
	r.err = errors.New("LEB128 too long")
}

func (r *wreader) name() []byte { return r.bytes(int(r.u32())) }

func (r *wreader) limits() {
	flags := r.byte()
	r.u32()
	if flags&1 != 0 {
		r.u32()
	}
}

// blockType skips a block type: 0x40, a value type, or an s33 type index.
func (r *wreader) blockType() {
	if len(r.b) > 0 && (r.b[0] == 0x40 || (r.b[0] >= 0x6f && r.b[0] <= 0x7f)) {
		r.b = r.b[1:]
		return
	}
	r.sleb()
}

func leb(v uint32) []byte {
	var out []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			out = append(out, c|0x80)
			continue
		}
		return append(out, c)
	}
}

func sleb(v int32) []byte {
	var out []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(out, c)
		}
		out = append(out, c|0x80)
	}
}
