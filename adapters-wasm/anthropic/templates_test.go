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
			var state []byte
			for _, c := range sse(t, tt.body) {
				state = transformOne(t, tt.ctx, state, c)
			}
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

// transformOne runs one chunk through the adapter and returns the state.
func transformOne(t *testing.T, ctx string, state []byte, c abi.Chunk) []byte {
	t.Helper()
	var out guest.Output
	if err := New().Transform(&abi.TransformInput{Context: []byte(ctx), State: state, Chunks: []abi.Chunk{c}}, &out); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), out.State()...)
}
