package chatcompletions

import (
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// A tool call whose arguments stream without the opening delta that names
// the function is reported as tool_arguments_invalid, never emitted with an
// empty name.
func TestToolCallWithoutNameIsAnError(t *testing.T) {
	a := New(&Dialect{Name: "t", Version: "1.0.0", Provider: "t"})
	d := guest.NewDispatcher(a)
	in := abi.TransformInput{Flags: abi.FlagEnd, Context: []byte(`{"model":"m"}`), Chunks: []abi.Chunk{
		{Data: []byte(`{"id":"c1","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]},"finish_reason":null}]}`)},
		{Data: []byte(`{"id":"c1","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`)},
		{Data: []byte(`[DONE]`)},
	}}
	res := d.Transform(abi.AppendTransformInput(nil, &in))
	if abi.Status(res[0]) != abi.StatusOK {
		t.Fatalf("transform failed: %s", res[1:])
	}
	_, events, err := abi.DecodeTransformOutput(res[1:])
	if err != nil {
		t.Fatal(err)
	}
	out := string(events)
	if strings.Contains(out, `"type":"tool-call",`) || !strings.Contains(out, `"code":"tool_arguments_invalid"`) {
		t.Errorf("events:\n%s", out)
	}
}
