package engine

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/wasmadapt/wasmadapt/internal/leb128"
)

// The sandbox caps the load-time rewriter enforces (SECURITY.md, "Sandbox
// caps"). A budget unit is one loop iteration, one function entry, or
// 1<<bulkShift bytes (or table elements) of one bulk instruction.
const (
	// yieldEvery is how many budget units an instrumented guest spends
	// between two calls into the host (its sched_yield import).
	yieldEvery = 1 << 14
	// bulkShift: memory.copy, memory.fill, memory.init, table.copy,
	// table.fill and table.init of n bytes or elements cost n>>bulkShift
	// units.
	bulkShift = 8
	// maxTables caps how many tables a module may have.
	maxTables = 4
	// maxTableElements caps every table's size: a larger declared minimum
	// is refused at load, a table.grow past it traps (adapter_memory). A
	// Go guest's table has about 6,600 elements; 1<<17 elements are 1 MiB
	// of host memory.
	maxTableElements = 1 << 17
	// maxStackUnits caps the call stack of one call. Each function entry
	// adds its frame weight, 1 + (params+locals)/8 + (body bytes)/256,
	// and its exit subtracts it: a trivial recursive function may nest
	// 65,536 deep, a 1 KiB one 13,000 deep. Past the cap the call traps
	// (adapter_memory).
	maxStackUnits = 1 << 16
	// deepStackUnits: an instance whose call stack went past this many
	// units is retired after the call (wazero keeps a grown stack).
	deepStackUnits = maxStackUnits / 4
	// maxLocals caps the locals of one function.
	maxLocals = 50000
)

// Bits of the sandbox flags global the rewriter adds and exports as
// sandboxExport: which cap a trapping guest hit.
const (
	flagTableCap  = 1 << iota // a table.grow past maxTableElements
	flagStackCap              // the call stack passed maxStackUnits
	flagDeepStack             // the call stack passed deepStackUnits
)

// capName names the cap a trapping guest hit, from its sandbox flags,
// or "" when it hit none.
func capName(flags uint32) string {
	switch {
	case flags&flagStackCap != 0:
		return fmt.Sprintf("call-stack cap (%d units, see SECURITY.md)", maxStackUnits)
	case flags&flagTableCap != 0:
		return fmt.Sprintf("table cap (%d elements)", maxTableElements)
	}
	return ""
}

// sandboxExport is the name under which the rewriter exports its flags
// global; a module may not export that name itself.
const sandboxExport = "wasmadapt:sandbox"

// instrument checks a WebAssembly binary against the sandbox's load-time
// caps and rewrites it. It refuses (with an error naming the reason) a
// module without a sched_yield import, with instructions the rewriter
// does not know (SIMD, threads, exception handling, tail calls), with more
// than maxTables tables or a table whose minimum is over
// maxTableElements, or with any reference to a function, global or type
// index the module does not define (the rewriter appends its own, which
// the module must not be able to name).
//
// Every table.grow is routed through a helper that traps, setting
// flagTableCap, when the table would pass maxTableElements. With deadline
// set (the wazero backend, whose native code cannot be preempted) the
// rewrite also adds:
//
//   - a budget countdown (a private global) at every loop header and
//     function entry, and in front of every bulk memory or table
//     instruction (n>>bulkShift units, through a helper that returns n);
//     when it reaches zero it is reset to yieldEvery and the module's own
//     wasi sched_yield import is called, where the host unwinds a guest
//     whose deadline has passed;
//   - a call-stack counter: each function entry adds the function's frame
//     weight and traps past maxStackUnits; its body is wrapped in a block
//     (return becomes a branch to it) so that every exit subtracts it
//     again.
//
// Without deadline (wasmtime, which stops guests with epochs and bounds
// its own stack) a module without table.grow is returned unchanged.
func instrument(wasm []byte, deadline bool) ([]byte, error) {
	m, err := parseModule(wasm)
	if err != nil {
		return nil, err
	}
	if m.yield < 0 {
		return nil, errors.New("the module does not import wasi_snapshot_preview1.sched_yield, which the host needs to enforce the call deadline")
	}
	if err := m.checkRefs(); err != nil {
		return nil, err
	}
	rw := newRewriter(m, deadline)
	var code []byte
	for _, s := range m.secs {
		if s.id == 10 {
			if code, err = rw.code(s.body); err != nil {
				return nil, err
			}
		}
	}
	if !deadline && rw.grows == 0 {
		return wasm, nil
	}
	return rw.assemble(wasm[:8], code), nil
}

// wsection is one section of a binary.
type wsection struct {
	id   byte
	body []byte
}

// funcType is a function type: its parameter and result value types.
type funcType struct{ params, results []byte }

// modInfo is what the rewriter reads of a module before rewriting it.
type modInfo struct {
	secs      []wsection
	types     []funcType
	funcTypes []uint32 // the type of every function, imported ones first
	nImports  uint32   // imported functions
	nGlobals  uint32
	tables    []byte // the reference type of every table, imported ones first
	yield     int64  // sched_yield's function index, -1 when not imported
}

func (m *modInfo) nFuncs() uint32 { return uint32(len(m.funcTypes)) }

// parseModule reads the sections of a binary and the index spaces the
// rewriter needs (types, functions, tables, globals).
func parseModule(wasm []byte) (*modInfo, error) {
	if len(wasm) < 8 || string(wasm[:4]) != "\x00asm" || binary.LittleEndian.Uint32(wasm[4:8]) != 1 {
		return nil, errors.New("not a valid WebAssembly module: bad magic or version (want a WebAssembly 1.0 binary)")
	}
	m := &modInfo{yield: -1}
	r := &wreader{b: wasm[8:]}
	for !r.eof() {
		id := r.byte()
		body := r.bytes(int(r.u32()))
		if r.err != nil {
			return nil, fmt.Errorf("section %d: %w", id, r.err)
		}
		m.secs = append(m.secs, wsection{id, body})
		sr := &wreader{b: body}
		var err error
		switch id {
		case 1:
			err = m.readTypes(sr)
		case 2:
			err = m.readImports(sr)
		case 3:
			n := sr.u32()
			for i := uint32(0); i < n && sr.err == nil; i++ {
				m.funcTypes = append(m.funcTypes, sr.u32())
			}
		case 4:
			n := sr.u32()
			for i := uint32(0); i < n && sr.err == nil && err == nil; i++ {
				err = m.readTable(sr)
			}
		case 6:
			m.nGlobals += sr.u32()
		}
		if err == nil {
			err = sr.err
		}
		if err != nil {
			return nil, fmt.Errorf("section %d: %w", id, err)
		}
	}
	if len(m.tables) > maxTables {
		return nil, fmt.Errorf("the module has %d tables, more than the %d the host allows", len(m.tables), maxTables)
	}
	for i, t := range m.funcTypes {
		if t >= uint32(len(m.types)) {
			return nil, fmt.Errorf("function %d has type %d, which the module does not define", i, t)
		}
	}
	return m, nil
}

func (m *modInfo) readTypes(r *wreader) error {
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		if form := r.byte(); form != 0x60 {
			return fmt.Errorf("type %d: unsupported type form %#x (GC types are not supported)", i, form)
		}
		var ft funcType
		for k := 0; k < 2; k++ {
			vs := r.bytes(int(r.u32()))
			for _, v := range vs {
				if !(v >= 0x7b && v <= 0x7f) && v != 0x70 && v != 0x6f {
					return fmt.Errorf("type %d: unsupported value type %#x", i, v)
				}
			}
			if k == 0 {
				ft.params = vs
			} else {
				ft.results = vs
			}
		}
		m.types = append(m.types, ft)
	}
	return nil
}

func (m *modInfo) readImports(r *wreader) error {
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		mod := r.name()
		name := r.name()
		switch kind := r.byte(); kind {
		case 0:
			if string(mod) == "wasi_snapshot_preview1" && string(name) == "sched_yield" {
				m.yield = int64(len(m.funcTypes))
			}
			m.funcTypes = append(m.funcTypes, r.u32())
			m.nImports++
		case 1:
			if err := m.readTable(r); err != nil {
				return err
			}
		case 2:
			r.limits()
		case 3:
			r.byte()
			r.byte()
			m.nGlobals++
		default:
			return fmt.Errorf("unknown import kind %d", kind)
		}
	}
	return nil
}

// readTable reads a table type and checks its minimum against the cap.
func (m *modInfo) readTable(r *wreader) error {
	rt := r.byte()
	if rt != 0x70 && rt != 0x6f {
		return fmt.Errorf("table %d: unsupported element type %#x", len(m.tables), rt)
	}
	flags := r.byte()
	if flags&^1 != 0 {
		return fmt.Errorf("table %d: unsupported limits flags %#x (64-bit and shared tables are not supported)", len(m.tables), flags)
	}
	if min := r.u32(); min > maxTableElements {
		return fmt.Errorf("table %d has a minimum of %d elements, over the host's cap of %d", len(m.tables), min, maxTableElements)
	}
	if flags&1 != 0 {
		r.u32()
	}
	m.tables = append(m.tables, rt)
	return nil
}

// errRef is a reference to an index the module does not define.
func errRef(what string, idx uint32, n uint32) error {
	return fmt.Errorf("reference to %s %d, but the module defines only %d", what, idx, n)
}

func (m *modInfo) checkFunc(f uint32) error {
	if f >= m.nFuncs() {
		return errRef("function", f, m.nFuncs())
	}
	return nil
}

func (m *modInfo) checkGlobal(g uint32) error {
	if g >= m.nGlobals {
		return errRef("global", g, m.nGlobals)
	}
	return nil
}

func (m *modInfo) checkTable(t uint32) error {
	if t >= uint32(len(m.tables)) {
		return errRef("table", t, uint32(len(m.tables)))
	}
	return nil
}

func (m *modInfo) checkType(t uint32) error {
	if t >= uint32(len(m.types)) {
		return errRef("type", t, uint32(len(m.types)))
	}
	return nil
}

// checkRefs checks the indices named outside function bodies (globals'
// initializers, exports, the start function, element and data segments);
// the code section is checked while it is rewritten.
func (m *modInfo) checkRefs() error {
	for _, s := range m.secs {
		r := &wreader{b: s.body}
		var err error
		switch s.id {
		case 6:
			n := r.u32()
			for i := uint32(0); i < n && r.err == nil && err == nil; i++ {
				r.byte()
				r.byte()
				err = m.constExpr(r)
			}
		case 7:
			err = m.checkExports(r)
		case 8:
			err = m.checkFunc(r.u32())
		case 9:
			err = m.checkElems(r)
		case 11:
			n := r.u32()
			for i := uint32(0); i < n && r.err == nil && err == nil; i++ {
				switch r.u32() {
				case 0:
					err = m.constExpr(r)
				case 1:
				case 2:
					r.u32()
					err = m.constExpr(r)
				default:
					err = errors.New("unknown data segment kind")
				}
				r.bytes(int(r.u32()))
			}
		}
		if err == nil {
			err = r.err
		}
		if err != nil {
			return fmt.Errorf("section %d: %w", s.id, err)
		}
	}
	return nil
}

func (m *modInfo) checkExports(r *wreader) error {
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		name := r.name()
		kind := r.byte()
		idx := r.u32()
		var err error
		switch kind {
		case 0:
			err = m.checkFunc(idx)
		case 1:
			err = m.checkTable(idx)
		case 3:
			err = m.checkGlobal(idx)
		}
		if err == nil && string(name) == sandboxExport {
			err = fmt.Errorf("the export name %q is reserved for the host", name)
		}
		if err != nil {
			return fmt.Errorf("export %q: %w", name, err)
		}
	}
	return nil
}

func (m *modInfo) checkElems(r *wreader) error {
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		flags := r.u32()
		var err error
		if flags&2 != 0 && flags&1 == 0 { // explicit table index
			err = m.checkTable(r.u32())
		}
		if err == nil && flags&1 == 0 { // active: an offset
			err = m.constExpr(r)
		}
		if err == nil && flags&3 != 0 { // element kind or reference type
			r.byte()
		}
		if flags > 7 {
			err = fmt.Errorf("element segment %d: unknown kind %d", i, flags)
		}
		k := r.u32()
		for j := uint32(0); j < k && r.err == nil && err == nil; j++ {
			if flags&4 != 0 {
				err = m.constExpr(r)
			} else {
				err = m.checkFunc(r.u32())
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// constExpr checks a constant expression up to its end.
func (m *modInfo) constExpr(r *wreader) error {
	for r.err == nil {
		switch op := r.byte(); op {
		case 0x0b:
			return nil
		case 0x41, 0x42:
			r.sleb()
		case 0x43:
			r.bytes(4)
		case 0x44:
			r.bytes(8)
		case 0xd0:
			r.byte()
		case 0x23:
			if err := m.checkGlobal(r.u32()); err != nil {
				return err
			}
		case 0xd2:
			if err := m.checkFunc(r.u32()); err != nil {
				return err
			}
		case 0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e: // extended constant expressions
		default:
			if r.err == nil {
				return fmt.Errorf("%w %#x in a constant expression", errUnsupportedOp, op)
			}
		}
	}
	return r.err
}

// rewriter holds the indices of what instrument appends to a module.
type rewriter struct {
	m        *modInfo
	deadline bool
	// Appended globals (cnt, depth and limit only with deadline): the
	// budget countdown, the call-stack units in use, the sandbox flags,
	// and the depth at which function entries call deep (deepStackUnits,
	// then maxStackUnits once deep has flagged the instance).
	cnt, depth, flags, limit uint32
	// Appended functions: slow (reset the countdown, sched_yield),
	// charge (bulk instructions), deep (past deepStackUnits), and one
	// table.grow helper per table, grow+t.
	slow, charge, deep, grow uint32
	// grows counts the table.grow instructions rewritten.
	grows int
	// types appended to the type section; blockTypes maps a result list
	// of more than one value to its type index for the body wrapper.
	types      []funcType
	blockTypes map[string]uint32
	// funcs are the appended functions: type index and body.
	funcs []struct {
		typ  uint32
		body []byte
	}
}

func newRewriter(m *modInfo, deadline bool) *rewriter {
	rw := &rewriter{m: m, deadline: deadline, blockTypes: map[string]uint32{}}
	g, f := m.nGlobals, m.nFuncs()
	if deadline {
		rw.cnt, rw.depth, rw.flags, rw.limit = g, g+1, g+2, g+3
		rw.slow, rw.charge, rw.deep, rw.grow = f, f+1, f+2, f+3
	} else {
		rw.flags, rw.grow = g, f
	}
	return rw
}

// typeIndex returns the index of an appended type, adding it once.
func (rw *rewriter) typeIndex(ft funcType) uint32 {
	key := string(ft.params) + "/" + string(ft.results)
	if i, ok := rw.blockTypes[key]; ok {
		return i
	}
	i := uint32(len(rw.m.types) + len(rw.types))
	rw.types = append(rw.types, ft)
	rw.blockTypes[key] = i
	return i
}

func (rw *rewriter) addFunc(ft funcType, body []byte) {
	rw.funcs = append(rw.funcs, struct {
		typ  uint32
		body []byte
	}{rw.typeIndex(ft), body})
}

// orFlag appends code that sets bit in the flags global.
func (rw *rewriter) orFlag(b []byte, bit int32) []byte {
	b = append(append(b, 0x23), leb(rw.flags)...)
	b = append(append(b, 0x41), sleb(bit)...)
	b = append(append(b, 0x72, 0x24), leb(rw.flags)...) // i32.or; global.set
	return b
}

// helpers builds the appended functions, in the order of their indices.
func (rw *rewriter) helpers() {
	i32 := []byte{0x7f}
	if rw.deadline {
		// slow: cnt = yieldEvery; drop(sched_yield())
		b := []byte{0, 0x41}
		b = append(b, sleb(yieldEvery)...)
		b = append(append(b, 0x24), leb(rw.cnt)...)
		b = append(append(b, 0x10), leb(uint32(rw.m.yield))...)
		rw.addFunc(funcType{}, append(b, 0x1a, 0x0b))
		// charge(n): cnt -= n>>bulkShift; if cnt <= 0 { slow() }; return n
		b = append([]byte{0, 0x23}, leb(rw.cnt)...)
		b = append(b, 0x20, 0, 0x41, bulkShift, 0x76, 0x6b, 0x24)
		b = append(b, leb(rw.cnt)...)
		b = append(rw.countCheck(b), 0x20, 0, 0x0b)
		rw.addFunc(funcType{i32, i32}, b)
		// deep: set flagDeepStack and raise the limit to
		// maxStackUnits; past it set flagStackCap and trap.
		b = rw.orFlag([]byte{0}, flagDeepStack)
		b = append(append(b, 0x41), sleb(maxStackUnits)...)
		b = append(append(b, 0x24), leb(rw.limit)...)
		b = append(append(b, 0x23), leb(rw.depth)...)
		b = append(append(b, 0x41), sleb(maxStackUnits)...)
		b = append(b, 0x4b, 0x04, 0x40) // i32.gt_u; if
		b = append(rw.orFlag(b, flagStackCap), 0x00, 0x0b, 0x0b)
		rw.addFunc(funcType{}, b)
	}
	for t, rt := range rw.m.tables {
		// grow_t(ref, n): past maxTableElements set flagTableCap and
		// trap; else table.grow t.
		ti := leb(uint32(t))
		b := append([]byte{0, 0xfc, 16}, ti...)        // table.size t
		b = append(b, 0xad, 0x20, 1, 0xad, 0x7c, 0x42) // extend; local.get 1; extend; i64.add; i64.const
		b = append(b, sleb(maxTableElements)...)
		b = append(b, 0x56, 0x04, 0x40) // i64.gt_u; if
		b = append(rw.orFlag(b, flagTableCap), 0x00, 0x0b)
		b = append(b, 0x20, 0, 0x20, 1, 0xfc, 15)
		b = append(append(b, ti...), 0x0b)
		rw.addFunc(funcType{[]byte{rt, 0x7f}, i32}, b)
	}
}

// countCheck appends: if cnt <= 0 { slow() }.
func (rw *rewriter) countCheck(b []byte) []byte {
	b = append(append(b, 0x23), leb(rw.cnt)...)
	b = append(b, 0x41, 0, 0x4c, 0x04, 0x40, 0x10) // i32.const 0; i32.le_s; if; call
	return append(append(b, leb(rw.slow)...), 0x0b)
}

// countdown appends the budget check of a loop header or function entry,
// tmp being a scratch local of the function (it saves reloading the
// global): cnt -= 1; if cnt <= 0 { slow() }.
func (rw *rewriter) countdown(b, tmp []byte) []byte {
	return rw.addCheck(b, tmp, rw.cnt, -1, 0x4c, []byte{0x41, 0}, rw.slow) // i32.le_s 0
}

// addCheck appends: g += delta; if g <cmp> limit { call fn } (g through the
// scratch local tmp; limit is the instruction that pushes it).
func (rw *rewriter) addCheck(b, tmp []byte, g uint32, delta int32, cmp byte, limit []byte, fn uint32) []byte {
	b = append(append(b, 0x23), leb(g)...)
	b = append(append(b, 0x41), sleb(delta)...)
	b = append(append(b, 0x6a, 0x22), tmp...) // i32.add; local.tee
	b = append(append(b, 0x24), leb(g)...)
	b = append(append(b, 0x20), tmp...)
	b = append(append(b, limit...), cmp, 0x04, 0x40, 0x10)
	return append(append(b, leb(fn)...), 0x0b)
}

// code rewrites the code section's bodies.
func (rw *rewriter) code(sec []byte) ([]byte, error) {
	r := &wreader{b: sec}
	n := r.u32()
	if n != rw.m.nFuncs()-rw.m.nImports {
		return nil, fmt.Errorf("code section: %d bodies for %d functions", n, rw.m.nFuncs()-rw.m.nImports)
	}
	out := make([]byte, 0, len(sec)+len(sec)/8)
	out = append(out, leb(n)...)
	var fn []byte
	for i := uint32(0); i < n; i++ {
		body := r.bytes(int(r.u32()))
		if r.err != nil {
			return nil, fmt.Errorf("code section, function %d: %w", i, r.err)
		}
		var err error
		fn, err = rw.body(fn[:0], rw.m.types[rw.m.funcTypes[rw.m.nImports+i]], body)
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

// body rewrites one function body of type ft.
func (rw *rewriter) body(out []byte, ft funcType, body []byte) ([]byte, error) {
	m := rw.m
	r := &wreader{b: body}
	groups := r.u32()
	groupsEnd := len(body) - len(r.b)
	var locals uint64
	for i := uint32(0); i < groups && r.err == nil; i++ {
		locals += uint64(r.u32())
		r.byte()
	}
	if locals > maxLocals {
		return nil, fmt.Errorf("%d locals, more than the %d the host allows", locals, maxLocals)
	}
	start := len(body) - len(r.b)
	weight := int32(1 + (uint64(len(ft.params))+locals)/8 + uint64(len(body))/256)
	var tmp []byte
	if !rw.deadline {
		out = append(out, body[:start]...)
	} else {
		// One more local group, one i32: the scratch local of the
		// checks, after the function's own (no index moves).
		tmp = leb(uint32(uint64(len(ft.params)) + locals))
		out = append(out, leb(groups+1)...)
		out = append(out, body[groupsEnd:start]...)
		out = append(out, 1, 0x7f)
		out = rw.countdown(out, tmp)
		out = rw.addCheck(out, tmp, rw.depth, weight, 0x4b, append([]byte{0x23}, leb(rw.limit)...), rw.deep) // i32.gt_u
		out = append(out, 0x02)                                                                              // block (the wrapper)
		switch len(ft.results) {
		case 0:
			out = append(out, 0x40)
		case 1:
			out = append(out, ft.results[0])
		default:
			out = append(out, sleb(int32(rw.typeIndex(funcType{results: ft.results})))...)
		}
	}
	nest := 0
	for !r.eof() && r.err == nil {
		at := len(body) - len(r.b)
		op := r.byte()
		var err error
		switch {
		case op == 0x03: // loop
			err = rw.blockType(r)
			nest++
			if rw.deadline {
				pos := len(body) - len(r.b)
				out = rw.countdown(append(out, body[start:pos]...), tmp)
				start = pos
			}
		case op == 0x02 || op == 0x04:
			err = rw.blockType(r)
			nest++
		case op == 0x0b:
			if nest > 0 {
				nest--
				continue
			}
			if !r.eof() {
				return nil, errors.New("bytes after the end of the function body")
			}
			out = append(out, body[start:at]...)
			if rw.deadline {
				out = append(append(out, 0x0b, 0x23), leb(rw.depth)...) // end of the wrapper
				out = append(append(out, 0x41), sleb(weight)...)
				out = append(append(out, 0x6b, 0x24), leb(rw.depth)...)
			}
			return append(out, 0x0b), nil
		case op == 0x0f: // return: a branch to the wrapper
			if rw.deadline {
				out = append(append(append(out, body[start:at]...), 0x0c), leb(uint32(nest))...)
				start = at + 1
			}
		case op == 0x12, op == 0x13:
			return nil, errors.New("tail calls are not supported (the host caps the call stack, which needs every call to return)")
		case op <= 0x01, op == 0x05, op == 0x1a, op == 0x1b, op >= 0x45 && op <= 0xc4, op == 0xd1:
		case op == 0x10, op == 0xd2:
			err = m.checkFunc(r.u32())
		case op == 0x11:
			if err = m.checkType(r.u32()); err == nil {
				err = m.checkTable(r.u32())
			}
		case op == 0x23, op == 0x24:
			err = m.checkGlobal(r.u32())
		case op == 0x25, op == 0x26:
			err = m.checkTable(r.u32())
		case op == 0x0c, op == 0x0d, op >= 0x20 && op <= 0x22, op == 0x3f, op == 0x40:
			r.u32()
		case op == 0x0e:
			n := r.u32()
			for j := uint32(0); j <= n && r.err == nil; j++ {
				r.u32()
			}
		case op == 0x1c:
			r.bytes(int(r.u32()))
		case op >= 0x28 && op <= 0x3e:
			if align := r.u32(); align&0x40 != 0 {
				r.u32()
			}
			r.u32()
		case op == 0x41, op == 0x42:
			r.sleb()
		case op == 0x43:
			r.bytes(4)
		case op == 0x44:
			r.bytes(8)
		case op == 0xd0:
			r.byte()
		case op == 0xfc:
			out, start, err = rw.prefixed(r, body, at, out, start)
		default:
			return nil, fmt.Errorf("%w: opcode %#x at byte %d (SIMD, threads and exception handling are not supported)", errUnsupportedOp, op, at)
		}
		if err != nil {
			return nil, err
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	return nil, errors.New("the function body does not end with end")
}

// prefixed reads one 0xfc instruction (its prefix already read, at its
// start) and rewrites the bulk ones and table.grow.
func (rw *rewriter) prefixed(r *wreader, body []byte, at int, out []byte, start int) ([]byte, int, error) {
	m := rw.m
	sub := r.u32()
	var err error
	charge := false
	switch {
	case sub <= 7: // saturating truncations
	case sub == 8: // memory.init
		r.u32()
		r.u32()
		charge = true
	case sub == 9, sub == 13: // data.drop, elem.drop
		r.u32()
	case sub == 10: // memory.copy
		r.u32()
		r.u32()
		charge = true
	case sub == 11: // memory.fill
		r.u32()
		charge = true
	case sub == 12: // table.init
		r.u32()
		err = m.checkTable(r.u32())
		charge = true
	case sub == 14: // table.copy
		if err = m.checkTable(r.u32()); err == nil {
			err = m.checkTable(r.u32())
		}
		charge = true
	case sub == 15: // table.grow: call the table's helper instead
		t := r.u32()
		if err = m.checkTable(t); err == nil {
			out = append(append(append(out, body[start:at]...), 0x10), leb(rw.grow+t)...)
			start = len(body) - len(r.b)
			rw.grows++
		}
	case sub == 16: // table.size
		err = m.checkTable(r.u32())
	case sub == 17: // table.fill
		err = m.checkTable(r.u32())
		charge = true
	default:
		err = fmt.Errorf("%w 0xfc %d", errUnsupportedOp, sub)
	}
	if charge && rw.deadline && err == nil {
		// The size is on top of the stack: charge(n) returns it.
		out = append(append(append(out, body[start:at]...), 0x10), leb(rw.charge)...)
		start = at
	}
	return out, start, err
}

// blockType reads a block type and checks a type index.
func (rw *rewriter) blockType(r *wreader) error {
	if len(r.b) > 0 && (r.b[0] == 0x40 || (r.b[0] >= 0x6f && r.b[0] <= 0x7f)) {
		r.b = r.b[1:]
		return nil
	}
	v := r.s33()
	if v < 0 {
		return fmt.Errorf("unsupported block type %d", v)
	}
	return rw.m.checkType(uint32(v))
}

// assemble writes the rewritten module: the original sections with the
// appended types, functions, globals, export and code.
func (rw *rewriter) assemble(header, code []byte) []byte {
	rw.helpers()
	var globals []byte
	nGlobals := uint32(1)
	if rw.deadline {
		nGlobals = 4
		globals = append(append([]byte{0x7f, 0x01, 0x41}, sleb(yieldEvery)...), 0x0b) // cnt
		globals = append(globals, 0x7f, 0x01, 0x41, 0, 0x0b)                          // depth
	}
	globals = append(globals, 0x7f, 0x01, 0x41, 0, 0x0b) // flags
	if rw.deadline {
		globals = append(append(append(globals, 0x7f, 0x01, 0x41), sleb(deepStackUnits)...), 0x0b) // limit
	}
	export := append(leb(uint32(len(sandboxExport))), sandboxExport...)
	export = append(append(export, 3), leb(rw.flags)...)
	var types, funcs, bodies []byte
	for _, t := range rw.types {
		types = append(append(types, 0x60), leb(uint32(len(t.params)))...)
		types = append(append(types, t.params...), leb(uint32(len(t.results)))...)
		types = append(types, t.results...)
	}
	for _, f := range rw.funcs {
		funcs = append(funcs, leb(f.typ)...)
		bodies = append(append(bodies, leb(uint32(len(f.body)))...), f.body...)
	}
	add := map[byte]struct {
		n    uint32
		tail []byte
	}{
		1:  {uint32(len(rw.types)), types},
		3:  {uint32(len(rw.funcs)), funcs},
		6:  {nGlobals, globals},
		7:  {1, export},
		10: {uint32(len(rw.funcs)), bodies},
	}
	order := func(id byte) int {
		switch id {
		case 13:
			return 55
		case 12:
			return 95
		}
		return int(id) * 10
	}
	out := append([]byte(nil), header...)
	emit := func(id byte, body []byte) {
		out = append(out, id)
		out = append(out, leb(uint32(len(body)))...)
		out = append(out, body...)
	}
	// vecPlus is a vector section with n more entries appended.
	vecPlus := func(body []byte, n uint32, tail []byte) []byte {
		r := &wreader{b: body}
		k := r.u32()
		return append(append(leb(k+n), r.b...), tail...)
	}
	done := map[byte]bool{}
	flushBefore := func(limit int) {
		for _, id := range []byte{1, 3, 6, 7, 10} {
			if a := add[id]; !done[id] && order(id) < limit && a.n > 0 {
				emit(id, append(leb(a.n), a.tail...))
				done[id] = true
			}
		}
	}
	for _, s := range rw.m.secs {
		body := s.body
		if s.id != 0 {
			flushBefore(order(s.id))
		}
		switch s.id {
		case 1, 3, 6, 7:
			body = vecPlus(body, add[s.id].n, add[s.id].tail)
			done[s.id] = true
		case 10:
			body = vecPlus(code, add[10].n, add[10].tail)
			done[10] = true
		}
		emit(s.id, body)
	}
	flushBefore(1 << 30)
	return out
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

func (r *wreader) u32() uint32 { return uint32(r.leb5(false)) }

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

// s33 reads a signed LEB128 of up to 33 bits (a block type index).
func (r *wreader) s33() int64 { return r.leb5(true) }

// leb5 reads a LEB128 of at most 5 bytes (u32, s33), sign-extended when
// signed.
func (r *wreader) leb5(signed bool) int64 {
	var v int64
	for shift := 0; shift < 35; shift += 7 {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		v |= int64(c&0x7f) << shift
		if c&0x80 == 0 {
			if signed && shift+7 < 64 && c&0x40 != 0 {
				v |= -1 << (shift + 7)
			}
			return v
		}
	}
	r.err = errors.New("LEB128 too long")
	return 0
}

func (r *wreader) name() []byte { return r.bytes(int(r.u32())) }

func (r *wreader) limits() {
	flags := r.byte()
	r.u32()
	if flags&1 != 0 {
		r.u32()
	}
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

func sleb(v int32) []byte { return leb128.AppendSigned(nil, int64(v)) }
