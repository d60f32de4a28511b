package anthropic

import (
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// TestTextTemplatesHold: after a stream's prefix, exactly the template of
// the open text block's index holds for the state (whatever the usage of
// message_start), or none where the next text_delta is not plain text
// the state keeps (the block's first text, a paragraph pending after
// another block, structured output, a block index past the templates);
// and a chunk the template matches is one the module turns into that
// text-delta alone, leaving the state as it is.
func TestTextTemplatesHold(t *testing.T) {
	block := func(i, typ string) string {
		return "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":" + i + ",\"content_block\":{\"type\":\"" + typ + "\",\"text\":\"\",\"thinking\":\"\"}}\n\n"
	}
	text := func(i, s string) string {
		return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":" + i + ",\"delta\":{\"type\":\"text_delta\",\"text\":\"" + s + "\"}}\n\n"
	}
	stop := func(i string) string {
		return "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":" + i + "}\n\n"
	}
	jsonCtx := `{"model":"claude-3-5-haiku-latest","response_format":{"type":"json_schema","name":"person","schema":{"type":"object"}}}`
	tests := []struct {
		name, ctx, body string
		index           int // the template that holds, or -1
	}{
		{"text at 0", "", msgStart + block("0", "text") + text("0", "a"), 0},
		{"text at 0, more input tokens", "", strings.Replace(msgStart, `"input_tokens":10`, `"input_tokens":123456`, 1) + block("0", "text") + text("0", "a"), 0},
		{"text at 0 after a ping", "", msgStart + block("0", "text") + text("0", "a") + "event: ping\ndata: {\"type\":\"ping\"}\n\n", 0},
		{"thinking, then text at 1", "", msgStart + block("0", "thinking") + stop("0") + block("1", "text") + text("1", "a"), 1},
		{"text at 15", "", msgStart + block("15", "text") + text("15", "a"), 15},
		{"text at 16: past the templates", "", msgStart + block("16", "text") + text("16", "a"), -1},
		{"before the block's first text", "", msgStart + block("0", "text"), -1},
		{"text, thinking, text: paragraph pending", "", msgStart + block("0", "text") + text("0", "a") + stop("0") + block("1", "thinking") + stop("1") + block("2", "text"), -1},
		{"text, thinking, text: after the paragraph", "", msgStart + block("0", "text") + text("0", "a") + stop("0") + block("1", "thinking") + stop("1") + block("2", "text") + text("2", "b"), 2},
		{"text block left open beside another", "", msgStart + block("0", "text") + text("0", "a") + block("1", "thinking"), -1},
		{"structured output", jsonCtx, msgStart + block("0", "text") + text("0", "a"), -1},
		{"after message_delta", "", msgStart + block("0", "text") + text("0", "a") + msgDelta("end_turn", 3), -1},
	}
	tpls := New().(guest.TextTemplater).TextTemplates()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := replayState(t, tt.ctx, tt.body)
			holds := -1
			for _, tpl := range tpls {
				if tpl.HoldsFor(state) {
					if holds >= 0 {
						t.Fatalf("two templates hold for state %x", state)
					}
					holds = int(tpl.Data.Keys["index"].Int)
				}
			}
			if holds != tt.index {
				t.Fatalf("the template of index %d holds for state %x, want %d", holds, state, tt.index)
			}
			if holds < 0 {
				return
			}
			c := sse(t, text(itoa(holds), `x\"y\n`))[0]
			tape, _ := abi.AppendTape(nil, c.Data)
			got, ok := abi.MatchTextTemplate(tpls[holds].Data, c.Data, tape)
			if !ok || string(got) != "x\"y\n" || tpls[holds].Event != string(c.Event) {
				t.Fatalf("the template does not match %s: %q, %v", c.Data, got, ok)
			}
			var out guest.Output
			if err := New().Transform(&abi.TransformInput{Context: []byte(tt.ctx), State: state, Chunks: []abi.Chunk{c}}, &out); err != nil {
				t.Fatal(err)
			}
			if string(out.State()) != string(state) || string(out.Events()) != `{"type":"text-delta","text":"x\"y\n"}`+"\n" {
				t.Fatalf("the module gave state %x (want %x) and events %s", out.State(), state, out.Events())
			}
		})
	}
}

// replayState runs the SSE body through the adapter a chunk per call and
// returns the state after it.
func replayState(t *testing.T, ctx, body string) []byte {
	t.Helper()
	var state []byte
	for _, c := range sse(t, body) {
		state = transformOne(t, ctx, state, c)
	}
	return state
}

// transformOne runs one chunk through the adapter and returns the state.
func transformOne(t *testing.T, ctx string, state []byte, c abi.Chunk) []byte {
	t.Helper()
	var out guest.Output
	if err := New().Transform(&abi.TransformInput{Context: []byte(ctx), State: state, Chunks: []abi.Chunk{c}}, &out); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), out.State()...)
}

// TestToolTemplatesHold: after a stream's prefix, exactly the tool
// template of the open tool_use block holds for the state (whatever its id,
// name and usage), or none where an argument piece is not what the
// template says (a server tool's input, which the state keeps; structured
// output; another block left open; a call or block past the templates);
// and a chunk the template matches is one the module turns into that
// tool-call-delta alone, leaving the state as it is.
func TestToolTemplatesHold(t *testing.T) {
	start := func(i, typ, id string) string {
		return "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":" + i + ",\"content_block\":{\"type\":\"" + typ + "\",\"id\":\"" + id + "\",\"name\":\"get_weather\",\"input\":{},\"text\":\"\",\"thinking\":\"\"}}\n\n"
	}
	args := func(i, s string) string {
		return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":" + i + ",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"" + s + "\"}}\n\n"
	}
	text := func(i string) string {
		return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":" + i + ",\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"}}\n\n"
	}
	stop := func(i string) string {
		return "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":" + i + "}\n\n"
	}
	jsonCtx := `{"model":"claude-3-5-haiku-latest","response_format":{"type":"json_schema","name":"get_weather","schema":{"type":"object"}}}`
	tests := []struct {
		name, ctx, body string
		call, block     int // the template's call and block index, or -1
	}{
		{"call 0 at block 0", "", msgStart + start("0", "tool_use", "toolu_1"), 0, 0},
		{"call 0 at block 0, a longer id", "", msgStart + start("0", "tool_use", "toolu_01A09q90qw90lq917835lq9"), 0, 0},
		{"call 0 after a piece", "", msgStart + start("0", "tool_use", "toolu_1") + args("0", `{\"a`), 0, 0},
		{"text, then call 0 at block 1", "", msgStart + start("0", "text", "") + text("0") + stop("0") + start("1", "tool_use", "toolu_1"), 0, 1},
		{"thinking, text, then call 0 at block 2", "", msgStart + start("0", "thinking", "") + stop("0") + start("1", "text", "") + text("1") + stop("1") + start("2", "tool_use", "toolu_1"), 0, 2},
		{"thinking, then call 0 at block 1", "", msgStart + start("0", "thinking", "") + stop("0") + start("1", "tool_use", "toolu_1"), 0, 1},
		{"text, then call 1 at block 2", "", msgStart + start("0", "text", "") + text("0") + stop("0") + start("1", "tool_use", "toolu_1") + args("1", "{}") + stop("1") + start("2", "tool_use", "toolu_2"), 1, 2},
		{"three blocks before the call: past the templates", "", msgStart + start("0", "thinking", "") + stop("0") + start("1", "thinking", "") + stop("1") + start("2", "thinking", "") + stop("2") + start("3", "tool_use", "toolu_1"), -1, -1},
		{"server tool", "", msgStart + start("0", "server_tool_use", "srvtoolu_1"), -1, -1},
		{"structured output", jsonCtx, msgStart + start("0", "tool_use", "toolu_1"), -1, -1},
		{"text block left open beside the call", "", msgStart + start("0", "text", "") + text("0") + start("1", "tool_use", "toolu_1"), -1, -1},
		{"after message_delta", "", msgStart + start("0", "tool_use", "toolu_1") + msgDelta("tool_use", 3), -1, -1},
	}
	tpls := New().(guest.TextTemplater).TextTemplates()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := replayState(t, tt.ctx, tt.body)
			var hold *abi.TextTemplate
			for i := range tpls {
				if tpls[i].HoldsFor(state) {
					if hold != nil {
						t.Fatalf("two templates hold for state %x", state)
					}
					hold = &tpls[i]
				}
			}
			if tt.call < 0 {
				if hold != nil {
					t.Fatalf("a template (emit %q, index %d) holds for state %x, want none", hold.Emit, hold.Index, state)
				}
				return
			}
			if hold == nil || hold.Emit != abi.EventToolCallDelta || hold.Index != tt.call || hold.Data.Keys["index"].Int != int64(tt.block) {
				t.Fatalf("template %+v holds for state %x, want call %d at block %d", hold, state, tt.call, tt.block)
			}
			c := sse(t, args(itoa(tt.block), `{\"city\":\"Par`))[0]
			tape, _ := abi.AppendTape(nil, c.Data)
			got, ok := abi.MatchTextTemplate(hold.Data, c.Data, tape)
			if !ok || string(got) != `{"city":"Par` || hold.Event != string(c.Event) {
				t.Fatalf("the template does not match %s: %q, %v", c.Data, got, ok)
			}
			var out guest.Output
			if err := New().Transform(&abi.TransformInput{Context: []byte(tt.ctx), State: state, Chunks: []abi.Chunk{c}}, &out); err != nil {
				t.Fatal(err)
			}
			want := `{"type":"tool-call-delta","index":` + itoa(tt.call) + `,"arguments":"{\"city\":\"Par"}` + "\n"
			if string(out.State()) != string(state) || string(out.Events()) != want {
				t.Fatalf("the module gave state %x (want %x) and events %s, want %s", out.State(), state, out.Events(), want)
			}
		})
	}
}
