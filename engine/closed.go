package engine

// Closed reports whether m, a Module made by this package, was closed (a
// registry closes a version once it is retired and drained). Caches keyed
// by module use it to drop what they hold for closed ones. A Module not
// made by this package is never reported closed.
func Closed(m Module) bool {
	mm, ok := m.(*module)
	if !ok {
		return false
	}
	mm.pool.mu.Lock()
	defer mm.pool.mu.Unlock()
	return mm.pool.closed
}
