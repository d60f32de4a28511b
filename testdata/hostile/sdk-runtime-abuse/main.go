// Command sdk-runtime-abuse is a hostile test adapter (guest SDK) that
// abuses the Go runtime inside the sandbox. What Transform does is chosen by
// the chunk data (ParseResponse: by the body):
//
//	exit0       os.Exit(0) in the middle of a call
//	exit3       os.Exit(3)
//	nil         dereferences a nil pointer
//	recurse     recurses without end (the goroutine stack grows to the cap)
//	deadlock    receives from a channel nobody sends on
//	sleep       time.Sleep(time.Hour): the guest's clock never advances
//	goroutine   starts a goroutine that spins forever, then returns
//	stderr      writes 4 MiB to stderr without a newline, then answers
//	lines       writes 100000 short lines to stdout, then answers
//	slices      allocates 4 MiB, drops it, answers (the heap peak stays)
//
// Anything else is echoed as a text-delta (a good answer).
package main

import (
	"os"
	"strings"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/internal/hostileguest"
)

func init() { guest.Register(hostileguest.Adapter{Name: "sdk-runtime-abuse", Behave: behave}) }

func main() {}

type node struct{ next *node }

var (
	sink []byte
	spin int
)

//go:noinline
func recurse(n int) int {
	var pad [256]byte
	pad[n%256] = byte(n)
	return recurse(n+1) + int(pad[0])
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func behave(what string, out *guest.Output) error {
	switch what {
	case "exit0":
		os.Exit(0)
	case "exit3":
		os.Exit(3)
	case "nil":
		var n *node
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: strings.Repeat("x", len(what)+boolInt(n.next == nil))})
	case "recurse":
		recurse(0)
	case "deadlock":
		var ch chan int
		<-ch
	case "sleep":
		time.Sleep(time.Hour)
	case "goroutine":
		go func() {
			for {
				spin++
			}
		}()
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: "started"})
	case "stderr":
		os.Stderr.Write([]byte(strings.Repeat("y", 4<<20)))
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: "logged"})
	case "lines":
		os.Stdout.Write([]byte(strings.Repeat("flood\n", 100000)))
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: "flooded"})
	case "slices":
		sink = make([]byte, 4<<20)
		sink = nil
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: "dropped"})
	default:
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: what})
	}
	return nil
}
