package blockstream

import (
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstate"
	"github.com/wasmadapt/wasmadapt/guest"
)

var testDialect = &Dialect{Provider: "p", Limit: "max", ToolBlock: "tool_use", ToolID: "id",
	Usage: [4]string{"in", "cr", "cw", "out"}, ToolKind: 7, JSONKind: 8}

func TestFinishReason(t *testing.T) {
	for _, tt := range []struct {
		stop                string
		toolCalls, jsonMode bool
		want                abi.FinishReason
		ok                  bool
	}{
		{"end_turn", false, false, abi.FinishStop, true},
		{"stop_sequence", true, false, abi.FinishToolCalls, true},
		{"tool_use", false, true, abi.FinishStop, true},
		{"tool_use", true, true, abi.FinishToolCalls, true},
		{"max_tokens", false, false, abi.FinishLength, true},
		{"model_context_window_exceeded", false, false, abi.FinishLength, true},
		{"refusal", false, false, "", false},
		{"", true, false, "", false},
	} {
		if got, ok := FinishReason(tt.stop, tt.toolCalls, tt.jsonMode); got != tt.want || ok != tt.ok {
			t.Errorf("FinishReason(%q, %v, %v) = %q, %v", tt.stop, tt.toolCalls, tt.jsonMode, got, ok)
		}
	}
}

func TestReadUsage(t *testing.T) {
	var c Core
	testDialect.ReadUsage(&c, []byte(`{"in":1,"cr":2,"cw":3,"out":4,"x":5,"in2":-1}`))
	testDialect.ReadUsage(&c, []byte(`{"out":-1,"cr":"a"}`)) // not counts: kept
	if want := (blockstate.Usage{Input: 1, CacheRead: 2, CacheCreate: 3, Output: 4}); c.Usage != want {
		t.Errorf("usage %+v, want %+v", c.Usage, want)
	}
}

// events runs f on an Output and returns its events.
func events(f func(out *guest.Output)) string {
	var out guest.Output
	f(&out)
	return string(out.Events())
}

func TestToolUse(t *testing.T) {
	c := Core{Flags: FlagJSONMode, JSONTool: []byte("json")}
	var b blockstate.Block
	got := events(func(out *guest.Output) {
		testDialect.StartToolUse(&c, out, &b, []byte("t1"), []byte("f"), []byte(`{"a": 1}`))
	})
	if b.Kind != 7 || b.ToolIdx != 0 || c.NTools != 1 || !strings.Contains(got, `"tool-call-start"`) || !strings.Contains(got, `"arguments":"{\"a\":1}"`) {
		t.Errorf("tool: %+v %s", b, got)
	}
	b = blockstate.Block{}
	if got := events(func(out *guest.Output) { testDialect.StartToolUse(&c, out, &b, []byte("t2"), []byte("json"), nil) }); b.Kind != 8 || got != "" {
		t.Errorf("json tool: %+v %s", b, got)
	}
	b = blockstate.Block{}
	got = events(func(out *guest.Output) { testDialect.StartToolUse(&c, out, &b, nil, []byte("f"), nil) })
	if b.Kind != 0 || !strings.Contains(got, "p: a tool_use content block came without id or name: the stream is malformed") {
		t.Errorf("no id: %+v %s", b, got)
	}
	got = events(func(out *guest.Output) { testDialect.WholeToolUse(&c, out, "t3", "f", []byte(`[1]`)) })
	if c.NTools != 2 || !strings.Contains(got, `{"type":"tool-call","index":1,"id":"t3","name":"f","arguments":"{}"}`) {
		t.Errorf("whole, input not an object: %s", got)
	}
	if got := events(func(out *guest.Output) { testDialect.WholeToolUse(&c, out, "t4", "json", nil) }); got != `{"type":"text-delta","text":"{}"}`+"\n" {
		t.Errorf("whole json tool: %s", got)
	}
	if got := events(func(out *guest.Output) { testDialect.WholeToolUse(&c, out, "", "f", nil) }); !strings.Contains(got, "p: a tool_use block came without id or name: the response is malformed") {
		t.Errorf("whole, no id: %s", got)
	}
}

func TestErrors(t *testing.T) {
	if got := ErrorBody([]byte("  " + strings.Repeat("x", 300))); got != strings.Repeat("x", 200)+"..." {
		t.Errorf("ErrorBody: %q", got)
	}
	got := events(func(out *guest.Output) { testDialect.EmitHTTPError(out, abi.CodeServerError, true, "", 502, "bad") })
	if !strings.Contains(got, `"message":"p: HTTP 502: bad"`) {
		t.Errorf("EmitHTTPError: %s", got)
	}
	var c Core
	got = events(func(out *guest.Output) { testDialect.Malformed(&c, out, "x") })
	if c.Flags&FlagFailed == 0 || !strings.Contains(got, `"message":"p: malformed stream event: x"`) {
		t.Errorf("Malformed: %s", got)
	}
	if err := testDialect.Whole(&c, []byte(`{}`), nil, "content", func([]byte) {}); err == nil || !strings.Contains(err.Error(), "p: content is not an array") {
		t.Errorf("Whole: %v", err)
	}
}
