// Command hostile is a misbehaving test adapter. What it does is chosen by
// its input: the chunk data (Transform), the model (Capabilities,
// Project) or the body (ParseResponse, MapError):
//
//	loop      spins forever
//	panic     panics
//	bomb      allocates until memory runs out
//	huge      emits a 2 MiB event
//	badjson   emits malformed event JSON
//	badargs   emits a tool-call whose arguments are not JSON
//	badtype   emits an event of an unknown type
//	badcode   returns an error with an unknown code
//	refuse    returns a capability_unsupported error (a legitimate refusal)
//	env       reports its environment, args, clock and a random number
//	stderr    writes a line to stderr
//	calls     reports how many calls this instance served
//
// Anything else is echoed as a text-delta.
package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/internal/hostileguest"
)

func init() { guest.Register(hostileguest.Adapter{Name: "hostile", Behave: behave, ByModel: true}) }

func main() {}

var (
	hold  [][]byte
	calls int
)

func behave(what string, out *guest.Output) error {
	calls++
	switch what {
	case "loop":
		for {
		}
	case "panic":
		panic("hostile guest panics on purpose")
	case "bomb":
		for {
			hold = append(hold, make([]byte, 1<<20))
		}
	case "huge":
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: strings.Repeat("x", 2<<20)})
	case "badjson":
		out.EmitRaw([]byte(`{"type":"text-delta","text":`))
	case "badargs":
		out.Emit(&abi.Event{Type: abi.EventToolCall, ID: "c1", Name: "f", Arguments: "{not json"})
	case "badtype":
		out.EmitRaw([]byte(`{"type":"telepathy"}`))
	case "badcode":
		return &abi.Error{Code: "not_a_code", Message: "x"}
	case "refuse":
		return abi.Errorf(abi.CodeCapabilityUnsupported, "refused on purpose")
	case "env":
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: fmt.Sprintf("env=%d args=%d now=%d rand=%d",
			len(syscall.Environ()), len(os.Args), time.Now().Unix(), rand.Uint64())})
	case "stderr":
		println("hostile guest writes to stderr")
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: "ok"})
	case "calls":
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: fmt.Sprint(calls)})
	default:
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: what})
	}
	return nil
}
