//go:build !wasip1

package guest

// Register is a no-op outside GOOS=wasip1, so a module's main package also
// builds natively (go vet, go build ./...). Native callers use NewDispatcher.
func Register(a Adapter) {}
