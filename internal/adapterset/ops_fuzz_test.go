package adapterset

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// opRequests are the operation requests the fuzzer answers, by op.
var opRequests = map[string]string{
	abi.OpModels:      `{}`,
	abi.OpEmbed:       `{"model":"m","inputs":["a","b"]}`,
	abi.OpCountTokens: `{"model":"m","messages":[{"role":"user","content":"hi"}]}`,
}

// FuzzOpParsers feeds arbitrary provider answers to every adapter's
// operation parsers (ABI 1.3) through the Dispatcher, as the host would:
// no parser may panic, every OK result must pass the host's result checks
// (abi.DecodeOpResult) and every ERROR result must be a valid error
// object. The seeds are the bodies of the golden operation cases in
// testdata/<adapter>/op-*/.
func FuzzOpParsers(f *testing.F) {
	bodies, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "*", "op-*", "body"))
	for i, p := range bodies {
		if b, err := os.ReadFile(p); err == nil {
			for j, op := range abi.Ops() {
				f.Add(uint8(i+j), op, uint16(200), b)
			}
		}
	}
	f.Add(uint8(0), abi.OpEmbed, uint16(200), []byte(`{"data":[{"index":1,"embedding":"AAA="}]}`))
	names := Names()
	f.Fuzz(func(t *testing.T, which uint8, op string, status uint16, body []byte) {
		req, ok := opRequests[op]
		if !ok {
			return
		}
		name := names[int(which)%len(names)]
		a := New(name)
		caps := a.Capabilities("")
		if !caps.HasOp(op) {
			return
		}
		call := &abi.OpCall{Op: op, Request: json.RawMessage(req)}
		cj, _ := json.Marshal(call)
		d := guest.NewDispatcher(a)
		res := d.ParseOp(abi.AppendResponseInput(nil, &abi.ResponseInput{Status: uint32(status), Context: cj, Body: body}))
		switch abi.Status(res[0]) {
		case abi.StatusOK:
			if status < 200 || status > 299 {
				t.Fatalf("%s %s: OK result for HTTP %d", name, op, status)
			}
			// A provider answer the module passes on unchecked (a vector
			// count, a length) is refused by the host as
			// adapter_bad_output: the host's check working. Anything
			// else means the result is not even of its operation's shape.
			if _, err := abi.DecodeOpResult(call, res[1:]); err != nil && abi.CodeOf(err) != abi.CodeAdapterBadOutput {
				t.Fatalf("%s %s: result %s: %v", name, op, res[1:], err)
			}
		case abi.StatusError:
			var e abi.Error
			if err := json.Unmarshal(res[1:], &e); err != nil || e.Code == "" {
				t.Fatalf("%s %s: malformed error object %s", name, op, res[1:])
			}
		default:
			t.Fatalf("%s %s: status byte %d", name, op, res[0])
		}
	})
}
