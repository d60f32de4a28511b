// Command commands exists for its test: a test binary of a main package
// that links wazero carries its module dependencies in its build
// information, so wazero names its cache entries by its release (e.g.
// v1.12.0), as the test binaries of cmd/wasmrun and cmd/wasmadapt-gateway
// do; a library package's test binary has none and names them "dev". Its
// TestFill fills the shared cache for those commands' race-mode tests
// (testcache.Commands). The program itself does nothing.
package main

// The engine (and so wazero) is linked into the program, not only into
// its test, so that the build information lists wazero's version.
import _ "github.com/wasmadapt/wasmadapt/engine"

func main() {}
