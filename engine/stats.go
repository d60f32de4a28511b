package engine

import "github.com/wasmadapt/wasmadapt/api"

// InstanceStats returns m's idle instances and their memory, for
// monitoring and tests. A module not made by this package has none. It is
// api.InstanceStats.
func InstanceStats(m Module) Stats { return api.InstanceStats(m) }

// InstanceStats implements api.Inspector.
func (m *module) InstanceStats() Stats {
	p := m.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	st := Stats{Idle: len(p.idle)}
	for _, w := range p.idle {
		st.MemoryBytes += w.s.memorySize()
	}
	return st
}
