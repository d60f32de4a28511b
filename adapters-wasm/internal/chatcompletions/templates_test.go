package chatcompletions

import (
	"strconv"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// TestToolTemplatesHold: after a stream's prefix, exactly the templates of
// its started tool calls hold for the state (whatever their ids and
// names), or none where an argument piece is not what a template says (a
// call not started yet, whose pieces the state keeps; a finish_reason
// seen; a refusal); and a chunk the template of call k matches is one the
// module turns into that call's tool-call-delta alone, leaving the state
// as it is. A dialect without PlainText declares no template.
func TestToolTemplatesHold(t *testing.T) {
	chunk := func(delta string) string {
		return `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":` + delta + `,"logprobs":null,"finish_reason":null}],"usage":null}`
	}
	startCall := func(k int, id, name string) string {
		return chunk(`{"tool_calls":[{"index":` + strconv.Itoa(k) + `,"id":"` + id + `","type":"function","function":{"name":"` + name + `","arguments":""}}]}`)
	}
	args := func(k int, piece string) string {
		return chunk(`{"tool_calls":[{"index":` + strconv.Itoa(k) + `,"function":{"arguments":"` + piece + `"}}]}`)
	}
	role := chunk(`{"role":"assistant","content":""}`)
	tests := []struct {
		name  string
		body  []string
		calls int // the started calls the templates hold for, 0: none
	}{
		{"one call", []string{role, startCall(0, "call_a", "get_weather")}, 1},
		{"one call, a longer id", []string{role, startCall(0, "call_0123456789abcdefghij", "f")}, 1},
		{"one call after a piece", []string{role, startCall(0, "call_a", "f"), args(0, `{\"a`)}, 1},
		{"text, then a call", []string{role, chunk(`{"content":"Let me check."}`), startCall(0, "call_a", "f")}, 1},
		{"three calls", []string{role, startCall(0, "call_a", "f"), args(0, "{}"), startCall(1, "call_b", "g"), startCall(2, "call_c", "h")}, 3},
		{"a call without its name yet", []string{role, chunk(`{"tool_calls":[{"index":0,"id":"call_a","function":{"arguments":"{"}}]}`)}, 0},
		{"after a finish_reason", []string{role, startCall(0, "call_a", "f"), `{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`}, 0},
		{"nine calls: past the templates", func() []string {
			b := []string{role}
			for k := range 9 {
				b = append(b, startCall(k, "call_"+strconv.Itoa(k), "f"))
			}
			return b
		}(), 0},
	}
	d := testDialect()
	d.PlainText = true
	a := New(d)
	tpls := a.(guest.TextTemplater).TextTemplates()
	if len(tpls) != 1+toolTemplateCalls*(toolTemplateCalls+1)/2 {
		t.Fatalf("%d templates", len(tpls))
	}
	if tt, ok := New(testDialect()).(guest.TextTemplater); ok && len(tt.TextTemplates()) > 0 {
		t.Fatal("a dialect without PlainText declares templates")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var state []byte
			for _, data := range tt.body {
				var out guest.Output
				if err := a.Transform(&abi.TransformInput{State: state, Chunks: []abi.Chunk{{Data: []byte(data)}}}, &out); err != nil {
					t.Fatal(err)
				}
				state = append([]byte(nil), out.State()...)
			}
			hold := map[int]*abi.TextTemplate{}
			for i := range tpls {
				if tpls[i].HoldsFor(state) && tpls[i].Emit == abi.EventToolCallDelta {
					if hold[tpls[i].Index] != nil {
						t.Fatalf("two templates of call %d hold for state %x", tpls[i].Index, state)
					}
					hold[tpls[i].Index] = &tpls[i]
				}
			}
			if len(hold) != tt.calls {
				t.Fatalf("templates of %d calls hold for state %x, want %d", len(hold), state, tt.calls)
			}
			for k := range tt.calls {
				tpl := hold[k]
				if tpl == nil {
					t.Fatalf("no template of call %d holds for state %x", k, state)
				}
				c := abi.Chunk{Data: []byte(args(k, `{\"city\":\"Par`))}
				tape, _ := abi.AppendTape(nil, c.Data)
				got, ok := abi.MatchTextTemplate(tpl.Data, c.Data, tape)
				if !ok || string(got) != `{"city":"Par` {
					t.Fatalf("the template of call %d does not match %s: %q, %v", k, c.Data, got, ok)
				}
				var out guest.Output
				if err := a.Transform(&abi.TransformInput{State: state, Chunks: []abi.Chunk{c}}, &out); err != nil {
					t.Fatal(err)
				}
				want := `{"type":"tool-call-delta","index":` + strconv.Itoa(k) + `,"arguments":"{\"city\":\"Par"}` + "\n"
				if string(out.State()) != string(state) || string(out.Events()) != want {
					t.Fatalf("the module gave state %x (want %x) and events %s, want %s", out.State(), state, out.Events(), want)
				}
			}
		})
	}
}
