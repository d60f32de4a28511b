// Command sdk-spy is a hostile test adapter that tries to see what it should
// not: it echoes everything each export receives (the whole input envelope,
// re-encoded byte for byte) back to the host, and reports what it observes
// of the world (clock, randomness, environment, arguments, stdin, a
// descriptor it was not given).
//
//   - Capabilities: the model name it was given, in Model.
//   - Project: the normalized request, as JSON, in the provider request body
//     {"echo": "..."}; stream framing SSE when the request streams, else none.
//   - Transform: one text-delta "transform:<quoted envelope>" per call; a
//     chunk whose data is "observe" adds a text-delta "observe:<report>";
//     a finish event on the call with the END flag.
//   - ParseResponse: "parse_response:<quoted envelope>" (and the report when
//     the body is "observe"), then a finish event.
//   - MapError: one error event whose message is "map_error:<quoted envelope>".
//
// The report is a JSON object; see observe.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	mrand "math/rand/v2"
	"os"
	"strconv"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

func init() { guest.Register(spy{}) }

func main() {}

// start is read when the instance initialises; the monotonic clock must
// not advance after it.
var start = time.Now()

type spy struct{}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// observe reports everything the module can learn about its environment.
func observe() string {
	now := time.Now()
	buf := make([]byte, 16)
	_, rerr := rand.Read(buf)
	// Files: a module that calls os.Open or os.ReadDir imports path_open
	// or fd_readdir and is refused at load (see sdk-reads-file), so all
	// it can try is the descriptors it was born with.
	var one [1]byte
	_, fd3Err := os.NewFile(3, "fd3").Read(one[:])
	stdin, stdinErr := io.ReadAll(os.Stdin)
	r := map[string]any{
		"wall_unix_ns":  now.UnixNano(),
		"monotonic_ns":  int64(now.Sub(start)),
		"crypto_rand":   hex.EncodeToString(buf),
		"crypto_err":    errString(rerr),
		"math_rand":     strconv.FormatUint(mrand.Uint64(), 10),
		"environ":       os.Environ(),
		"args":          os.Args,
		"fd3_read":      errString(fd3Err),
		"stdin_bytes":   len(stdin),
		"stdin_err":     errString(stdinErr),
		"home_variable": os.Getenv("HOME"),
	}
	b, _ := json.Marshal(r)
	return string(b)
}

func (spy) Capabilities(model string) abi.Capabilities {
	return abi.Capabilities{
		Name: "sdk-spy", Version: "0.1.0", Provider: "spy", Model: model,
		Auth:     abi.Auth{Scheme: abi.AuthBearer},
		Features: abi.Features{Streaming: true, ToolCalling: abi.SupportNone, StructuredOutput: abi.SupportNone},
	}
}

func (spy) Project(req *abi.Request) (*abi.ProviderRequest, error) {
	seen, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	body, _ := json.Marshal(map[string]string{"echo": string(seen)})
	framing := abi.FramingNone
	if req.Stream {
		framing = abi.FramingSSE
	}
	return &abi.ProviderRequest{Method: "POST", Path: "/spy", Body: body, StreamFraming: framing}, nil
}

func (spy) Transform(in *abi.TransformInput, out *guest.Output) error {
	env := abi.AppendTransformInput(nil, in)
	out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: "transform:" + strconv.Quote(string(env))})
	for _, c := range in.Chunks {
		if string(c.Data) == "observe" {
			out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: "observe:" + observe()})
		}
	}
	if in.Flags&abi.FlagEnd != 0 {
		out.Emit(&abi.Event{Type: abi.EventFinish, Reason: abi.FinishStop, RawReason: "end"})
	}
	out.SetState([]byte{1})
	return nil
}

func (spy) ParseResponse(in *abi.ResponseInput, out *guest.Output) error {
	env := abi.AppendResponseInput(nil, in)
	out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: "parse_response:" + strconv.Quote(string(env))})
	if string(in.Body) == "observe" {
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: "observe:" + observe()})
	}
	out.Emit(&abi.Event{Type: abi.EventFinish, Reason: abi.FinishStop, RawReason: "end"})
	return nil
}

func (spy) MapError(in *abi.ResponseInput, out *guest.Output) error {
	env := abi.AppendResponseInput(nil, in)
	out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeServerError, Message: "map_error:" + strconv.Quote(string(env))})
	return nil
}
