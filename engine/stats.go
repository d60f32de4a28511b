package engine

// Stats describes the instances a module holds at rest.
type Stats struct {
	// Idle is the number of idle instances in the module's pool (at most
	// Config.PoolSize; instances busy in a call are not counted).
	Idle int
	// MemoryBytes is the sum of the idle instances' linear memory. Wasm
	// memory never shrinks, so this is each instance's peak: bound it
	// with Config.RecycleMemoryBytes.
	MemoryBytes uint64
}

// InstanceStats returns m's idle instances and their memory, for
// monitoring and tests. A module not made by this package has none.
func InstanceStats(m Module) Stats {
	mm, ok := m.(*module)
	if !ok {
		return Stats{}
	}
	p := mm.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	st := Stats{Idle: len(p.idle)}
	for _, w := range p.idle {
		st.MemoryBytes += w.s.memorySize()
	}
	return st
}
