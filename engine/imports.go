package engine

import "fmt"

// tableAndGlobalImports lists the imported tables and globals of a
// WebAssembly binary as "module.name (table)" or "module.name (global)",
// read from its import section. The backends' introspection does not
// list them (wazero's CompiledModule has no such accessor), and a module
// importing one would otherwise compile and then fail at instantiation
// with a message that does not say what is wrong. A binary whose sections
// cannot be read yields nil: compiling it reports the problem.
func tableAndGlobalImports(wasm []byte) []string {
	if len(wasm) < 8 {
		return nil
	}
	r := &wreader{b: wasm[8:]}
	for !r.eof() && r.err == nil {
		id := r.byte()
		body := r.bytes(int(r.u32()))
		if r.err != nil || id != 2 { // 2: the import section
			continue
		}
		var out []string
		sr := &wreader{b: body}
		n := sr.u32()
		for i := uint32(0); i < n && sr.err == nil; i++ {
			mod, name := string(sr.name()), string(sr.name())
			switch sr.byte() {
			case 0: // function
				sr.u32()
			case 1: // table: reference type, limits
				sr.byte()
				sr.limits()
				out = append(out, fmt.Sprintf("%s.%s (table)", mod, name))
			case 2: // memory (checkContract names it)
				sr.limits()
			case 3: // global: value type, mutability
				sr.byte()
				sr.byte()
				out = append(out, fmt.Sprintf("%s.%s (global)", mod, name))
			default:
				return out
			}
		}
		return out
	}
	return nil
}
