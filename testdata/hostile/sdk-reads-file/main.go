// Command sdk-reads-file is a hostile test adapter (guest SDK) whose
// Transform and ParseResponse read /etc/passwd with os.ReadFile. The Go
// toolchain then links the WASI filesystem import path_open into the
// module, and the host must refuse the module at load, naming that import:
// a module never gets the chance to try.
package main

import (
	"os"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/internal/hostileguest"
)

func init() { guest.Register(hostileguest.Adapter{Name: "sdk-reads-file", Behave: readFile}) }

func main() {}

// readFile emits the contents of /etc/passwd, whatever the input.
func readFile(_ string, out *guest.Output) error {
	b, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return err
	}
	out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: string(b)})
	return nil
}
