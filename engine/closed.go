package engine

import "github.com/wasmadapt/wasmadapt/api"

// Closed reports whether m, a Module made by this package, was closed (a
// registry closes a version once it is retired and drained). Caches keyed
// by module use it to drop what they hold for closed ones. A Module not
// made by this package is never reported closed. It is api.Closed.
func Closed(m Module) bool { return api.Closed(m) }

// Closed implements api.Inspector.
func (m *module) Closed() bool {
	m.pool.mu.Lock()
	defer m.pool.mu.Unlock()
	return m.pool.closed
}
