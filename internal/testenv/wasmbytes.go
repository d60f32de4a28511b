package testenv

// WithCustomSection appends a custom section (name "wasmadapt-test",
// then payload) to a module: the same code under other bytes, so that a
// registry, an OCI tag or the compilation cache sees a version it has
// never seen.
func WithCustomSection(wasm []byte, payload string) []byte {
	const name = "wasmadapt-test"
	body := appendULEB(nil, uint32(len(name)))
	body = append(body, name...)
	body = append(body, payload...)
	out := append([]byte(nil), wasm...)
	out = append(out, 0) // custom section id
	out = appendULEB(out, uint32(len(body)))
	return append(out, body...)
}

// NextVersionPayload is the payload of NextVersion's custom section.
const NextVersionPayload = "next"

// NextVersion is the "next version" of a shipped adapter that tests of a
// version change load: WithCustomSection(wasm, NextVersionPayload).
// internal/testcache compiles NextVersion of the openai adapter ahead, so
// such a test under -race loads it from the run's cache.
func NextVersion(wasm []byte) []byte { return WithCustomSection(wasm, NextVersionPayload) }

// appendULEB appends v as unsigned LEB128, the encoding of Wasm's section
// sizes and name lengths.
func appendULEB(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			c |= 0x80
		}
		b = append(b, c)
		if v == 0 {
			return b
		}
	}
}
