package blockstate

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

func TestBlocksRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		blocks Blocks
	}{
		{"none", nil},
		{"text", Blocks{{Index: 0, Kind: 1}}},
		{"tool and text", Blocks{
			{Index: 3, Kind: 2, ToolIdx: 1, ID: []byte("toolu_1"), Name: []byte("get"), Args: []byte(`{"a":`)},
			{Index: 300, Kind: 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := AppendBytes(nil, []byte("head"))
			rec = AppendBlocks(rec, tt.blocks)
			r := NewReader(rec)
			if got := r.Bytes(); string(got) != "head" {
				t.Fatalf("Bytes = %q, want head", got)
			}
			got := r.Blocks(make(Blocks, 5))
			if !r.OK() {
				t.Fatalf("reader not OK after reading %x", rec)
			}
			if len(got) != len(tt.blocks) {
				t.Fatalf("got %d blocks, want %d", len(got), len(tt.blocks))
			}
			for i, b := range tt.blocks {
				g := got[i]
				if g.Index != b.Index || g.Kind != b.Kind || g.ToolIdx != b.ToolIdx ||
					!bytes.Equal(g.ID, b.ID) || !bytes.Equal(g.Name, b.Name) || !bytes.Equal(g.Args, b.Args) {
					t.Errorf("block %d = %+v, want %+v", i, g, b)
				}
			}
		})
	}
}

func TestReaderCorrupt(t *testing.T) {
	good := AppendBlocks(nil, Blocks{{Index: 1, Kind: 2, ID: []byte("id"), Name: []byte("n"), Args: []byte("{}")}})
	tests := []struct {
		name string
		rec  []byte
	}{
		{"empty", nil},
		{"truncated", good[:len(good)-1]},
		{"trailing byte", append(append([]byte(nil), good...), 0)},
		{"count beyond record", []byte{0x7f}},
		{"length beyond record", []byte{1, 0, 0, 0, 9, 'a'}},
		{"bad uvarint", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(tt.rec)
			r.Blocks(nil)
			if r.OK() {
				t.Fatalf("reader OK on corrupt record %x", tt.rec)
			}
		})
	}
}

func TestReadBytes(t *testing.T) {
	rec := AppendBytes(AppendBytes(nil, []byte("ab")), nil)
	tests := []struct {
		name     string
		in       []byte
		want     string
		wantRest []byte
		ok       bool
	}{
		{"first of two", rec, "ab", rec[3:], true},
		{"empty string", rec[3:], "", []byte{}, true},
		{"nothing", nil, "", nil, false},
		{"truncated", rec[:2], "", nil, false},
		{"length beyond record", []byte{9, 'a'}, "", nil, false},
		{"bad uvarint", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, rest, ok := ReadBytes(tt.in)
			if ok != tt.ok || string(v) != tt.want || !bytes.Equal(rest, tt.wantRest) || (rest == nil) != (tt.wantRest == nil) {
				t.Fatalf("ReadBytes(%x) = %q, %x, %v; want %q, %x, %v", tt.in, v, rest, ok, tt.want, tt.wantRest, tt.ok)
			}
			if cap(v) != len(v) {
				t.Errorf("cap(v) = %d, want %d: appending to v must not overwrite the rest", cap(v), len(v))
			}
		})
	}
}

// TestTextBoundary: text blocks that follow one another are joined as they
// are; a block of another kind between two gets a "\n\n" text-delta
// before the later text, once however many blocks sit between. Bits of the
// state byte other than Text and Gap are kept.
func TestTextBoundary(t *testing.T) {
	tb := TextBoundary{Text: 1 << 4, Gap: 1 << 5}
	// blocks is a stream's blocks in order (t: text, o: another kind);
	// want the text emitted, each text block giving "t".
	for blocks, want := range map[string]string{
		"ttt": "ttt", "oot": "t", "tot": "t\n\nt", "toot": "t\n\nt", "tottot": "t\n\ntt\n\nt", "to": "t",
	} {
		t.Run(blocks, func(t *testing.T) {
			bits := byte(0x81)
			var out guest.Output
			for _, c := range blocks {
				if c == 'o' {
					tb.Other(&bits)
					continue
				}
				if tb.BeforeText(&bits) {
					EmitParagraph(&out)
				}
				out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: "t"})
			}
			var got string
			for _, e := range decodeEvents(t, out.Events()) {
				got += e.Text
			}
			if got != want {
				t.Errorf("text %q, want %q", got, want)
			}
			if bits&0x81 != 0x81 {
				t.Errorf("bits %#x lost the other bits 0x81", bits)
			}
		})
	}
}

func TestFindRemove(t *testing.T) {
	bs := Blocks{{Index: 4}, {Index: 7, Kind: 3}, {Index: 9}}
	if b := bs.Find(7); b == nil || b.Kind != 3 {
		t.Fatalf("Find(7) = %+v", b)
	}
	bs.Find(7).Kind = 5
	if bs[1].Kind != 5 {
		t.Fatal("Find does not point into the list")
	}
	if b := bs.Find(8); b != nil {
		t.Fatalf("Find(8) = %+v, want nil", b)
	}
	bs.Remove(7)
	bs.Remove(8)
	if len(bs) != 2 || bs[0].Index != 4 || bs[1].Index != 9 {
		t.Fatalf("after Remove(7): %+v", bs)
	}
}

func TestScratchBytes(t *testing.T) {
	tests := []struct {
		in, want string
		isNil    bool
	}{
		{`"plain"`, "plain", false},
		{`"a\nb\u00e9\"q"`, "a\nb\u00e9\"q", false},
		{`12`, "", true},
		{`"bad \x escape"`, "", true},
	}
	var s Scratch
	for _, tt := range tests {
		got := s.Bytes([]byte(tt.in))
		if tt.isNil != (got == nil) || string(got) != tt.want {
			t.Errorf("Bytes(%s) = %q (nil %v), want %q (nil %v)", tt.in, got, got == nil, tt.want, tt.isNil)
		}
		if s.Str([]byte(tt.in)) != tt.want {
			t.Errorf("Str(%s) = %q, want %q", tt.in, s.Str([]byte(tt.in)), tt.want)
		}
	}
}

func TestAppendArgs(t *testing.T) {
	var s Scratch
	input := []byte(`{"city":`) // aliases the input state, not the arena
	args := s.AppendArgs(input, []byte(` "Paris"`))
	other := s.AppendArgs(nil, []byte(`{"x":1`)) // a second call's arguments
	args = s.AppendArgs(args, []byte(`}`))
	if string(args) != `{"city": "Paris"}` || string(other) != `{"x":1` {
		t.Fatalf("args %q, other %q", args, other)
	}
	if string(input) != `{"city":` {
		t.Fatalf("input changed: %q", input)
	}
	// Steady deltas to the last arguments of the arena grow them in place.
	s.Reset()
	args = s.AppendArgs(nil, []byte("{"))
	allocs := testing.AllocsPerRun(100, func() {
		s.Reset()
		args = s.AppendArgs(nil, []byte("{"))
		for range 8 {
			args = s.AppendArgs(args, []byte(`"k":1,`))
		}
	})
	if allocs != 0 {
		t.Errorf("AppendArgs allocates %v times a call once grown", allocs)
	}
}

func TestEmitToolCall(t *testing.T) {
	tests := []struct {
		name, args string
		want       abi.Event
	}{
		{"object", ` {"a":1} `, abi.Event{Type: abi.EventToolCall, Index: 2, ID: "t1", Name: "get", Arguments: `{"a":1}`}},
		{"empty is {}", "", abi.Event{Type: abi.EventToolCall, Index: 2, ID: "t1", Name: "get", Arguments: `{}`}},
		{"cut off", `{"a":`, abi.Event{Type: abi.EventError, Code: abi.CodeToolArgumentsInvalid,
			Message: `prov: the arguments of tool call "t1" (get) are not a complete JSON object; the call was probably cut off by max_out`}},
		{"array", `[1]`, abi.Event{Type: abi.EventError, Code: abi.CodeToolArgumentsInvalid,
			Message: `prov: the arguments of tool call "t1" (get) are not a complete JSON object; the call was probably cut off by max_out`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out guest.Output
			EmitToolCall(&out, "prov", "max_out", 2, "t1", "get", []byte(tt.args))
			evs := decodeEvents(t, out.Events())
			if len(evs) != 1 {
				t.Fatalf("got %d events, want 1", len(evs))
			}
			g := evs[0]
			if g.Type != tt.want.Type || g.Code != tt.want.Code || g.Message != tt.want.Message ||
				g.Index != tt.want.Index || g.ID != tt.want.ID || g.Name != tt.want.Name || g.Arguments != tt.want.Arguments {
				t.Errorf("got %+v, want %+v", g, tt.want)
			}
		})
	}
}

func TestPreview(t *testing.T) {
	if got := Preview([]byte("a\"b")); got != `"a\"b"` {
		t.Errorf("Preview short = %s", got)
	}
	long := bytes.Repeat([]byte("x"), 70)
	if got := Preview(long); got != `"`+string(long[:64])+`"...` {
		t.Errorf("Preview long = %s", got)
	}
}

// decodeEvents decodes newline-terminated JSON events.
func decodeEvents(t *testing.T, raw []byte) []abi.Event {
	t.Helper()
	var evs []abi.Event
	for line := range bytes.Lines(raw) {
		var e abi.Event
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("event %s: %v", line, err)
		}
		evs = append(evs, e)
	}
	return evs
}

func TestUsage(t *testing.T) {
	u := Usage{Input: 10, CacheRead: 300, CacheCreate: 2, Output: 7}
	rec := u.Append(nil)
	r := NewReader(rec)
	if got := r.Usage(); got != u || !r.OK() {
		t.Fatalf("round trip: %+v (ok %v), want %+v", got, r.OK(), u)
	}
	r = NewReader(rec[:len(rec)-1])
	if r.Usage(); r.OK() {
		t.Error("truncated usage read as OK")
	}
	var out guest.Output
	u.Emit(&out)
	if got, want := string(out.Events()), `{"type":"usage","input_tokens":312,"output_tokens":7,"cached_input_tokens":300,"reasoning_tokens":0,"cache_write_input_tokens":2}`+"\n"; got != want {
		t.Errorf("Emit = %s, want %s", got, want)
	}
}

func TestUintAndNonEmptyObject(t *testing.T) {
	for _, tt := range []struct {
		in   string
		n    uint64
		isOK bool
	}{{"0", 0, true}, {"42", 42, true}, {"-1", 0, false}, {`"3"`, 0, false}, {"", 0, false}} {
		if n, ok := Uint([]byte(tt.in)); n != tt.n || ok != tt.isOK {
			t.Errorf("Uint(%q) = %d, %v", tt.in, n, ok)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{`{ "a" : [1, "b c"] }`, `{"a":[1,"b c"]}`}, {`{}`, ""}, {` { } `, ""}, {`[1]`, ""}, {``, ""}, {`"x"`, ""},
	} {
		if got := NonEmptyObject([]byte(tt.in)); string(got) != tt.want {
			t.Errorf("NonEmptyObject(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStreamContext(t *testing.T) {
	c := StreamContext([]byte(`{"stream":true,"model":"m\u00e9","response_format":{"type":"json_schema","name":"p","schema":{}}}`))
	if string(c.Model) != "mé" || !c.HasModel || string(c.RFType) != "json_schema" || string(c.RFName) != "p" {
		t.Errorf("got %+v", c)
	}
	if c := StreamContext([]byte(`{"response_format":{"type":"text"}}`)); c.HasModel || c.Model != nil || string(c.RFType) != "text" {
		t.Errorf("no model: got %+v", c)
	}
}

func TestArgsDelta(t *testing.T) {
	const tool, jsonKind, other = 3, 4, 5
	var s Scratch
	var out guest.Output
	bt := &Block{Kind: tool, ToolIdx: 2, Args: []byte(`{"a":`)}
	bj := &Block{Kind: jsonKind}
	bo := &Block{Kind: other}
	s.ArgsDelta(&out, bt, []byte(`1}`), tool, jsonKind)
	s.ArgsDelta(&out, bj, []byte(`{"x"`), tool, jsonKind)
	s.ArgsDelta(&out, bo, []byte(`zzz`), tool, jsonKind)
	// Nothing is kept: the host assembles a tool call's arguments.
	if string(bt.Args) != `{"a":` || bj.Args != nil || bo.Args != nil {
		t.Errorf("args: %q %q %q", bt.Args, bj.Args, bo.Args)
	}
	want := `{"type":"tool-call-delta","index":2,"arguments":"1}"}` + "\n" + `{"type":"text-delta","text":"{\"x\""}` + "\n"
	if string(out.Events()) != want {
		t.Errorf("events:\n%s\nwant\n%s", out.Events(), want)
	}
}

// TestEndToolCall: the host completes EndToolCall's event as EmitToolCall
// would have emitted the call from the same arguments.
func TestEndToolCall(t *testing.T) {
	for _, args := range []string{`{"a":1}`, ` {"a":1} `, ``, `{"a":`, `[1]`} {
		var direct guest.Output
		EmitToolCall(&direct, "p", "max_tokens", 1, "id", "n", []byte(args))
		var ended guest.Output
		ended.Emit(&abi.Event{Type: abi.EventToolCallStart, Index: 1, ID: "id", Name: "n"})
		ended.Emit(&abi.Event{Type: abi.EventToolCallDelta, Index: 1, Arguments: args})
		EndToolCall(&ended, "p", "max_tokens", 1, "id", "n")
		var calls abi.ToolCalls
		got := guesttest.CompleteToolCalls(t, &calls, nil, ended.Events())
		lines := bytes.SplitAfterN(got, []byte("\n"), 3)
		if len(lines) != 3 || string(lines[2]) != string(direct.Events()) {
			t.Errorf("arguments %q: completed\n%s\nwant last\n%s", args, got, direct.Events())
		}
	}
}
