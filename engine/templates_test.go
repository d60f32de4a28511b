package engine

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

// TestTextTemplatesByBackend: on every backend, a 1.4 module's text
// template is served by the host (the module's own event never comes) for
// a chunk that matches it in its state, and the module gets every other
// chunk, the last call of a stream, every chunk of a module of an older
// ABI, and every chunk when the host is configured without templates; a
// 1.6 module's prefix template holds for longer states, and its string
// shape matches only its string; a 1.7 module's template may emit a
// tool-call-delta of its index (none for empty arguments); a module whose
// templates are malformed, or a 1.5 module's that use 1.6 shapes, or a 1.6
// module's that emit a tool-call-delta, is refused at load.
func TestTextTemplatesByBackend(t *testing.T) {
	const tpl = `[{"event":"","state":"AQ==","data":{"kind":"object","required":["t"],"keys":{"t":{"kind":"text"}}}}]`
	module := []byte(`{"type":"text-delta","text":"module"}` + "\n")
	ctx := context.Background()
	host := abi.Chunk{Data: []byte(`{"t":"host"}`)}
	other := abi.Chunk{Data: []byte(`{"x":"host"}`)}
	// A 1.6 template: state prefix 0x01, a member k that is the string "v".
	const tpl16 = `{"event":"","state":"AQ==","state_prefix":true,"data":{"kind":"object","required":["k","t"],"keys":{"k":{"kind":"string","string":"v"},"t":{"kind":"text"}}}}`
	prefixed := abi.Chunk{Data: []byte(`{"k":"v","t":"host"}`)}
	// 1.7 templates: the 1.6 one, and a tool-call-delta of call 3 from a
	// member a in the state prefix 0x02.
	const tpl17 = `[` + tpl16 + `,{"event":"","state":"Ag==","state_prefix":true,"emit":"tool-call-delta","index":3,"data":{"kind":"object","required":["a"],"keys":{"a":{"kind":"text"}}}}]`
	args := abi.Chunk{Data: []byte(`{"a":"{\"x"}`)}
	tests := []struct {
		name   string
		minor  uint8
		off    bool
		flags  uint32
		state  []byte
		chunks []abi.Chunk
		want   []string // texts
	}{
		{"served", 4, false, 0, []byte{1}, []abi.Chunk{host}, []string{"host"}},
		{"served twice", 4, false, 0, []byte{1}, []abi.Chunk{host, host}, []string{"host", "host"}},
		// The stub's own calls return an empty state, for which no
		// template holds: after its call for other, it gets the last
		// chunk too.
		{"served then module", 4, false, 0, []byte{1}, []abi.Chunk{host, other, host}, []string{"host", "module", "module"}},
		{"other state", 4, false, 0, []byte{2}, []abi.Chunk{host}, []string{"module"}},
		{"end", 4, false, abi.FlagEnd, []byte{1}, []abi.Chunk{host}, []string{"module"}},
		{"templates off", 4, true, 0, []byte{1}, []abi.Chunk{host}, []string{"module"}},
		{"ABI 1.3", 3, false, 0, []byte{1}, []abi.Chunk{host}, []string{"module"}},
		{"prefix: longer state", 6, false, 0, []byte{1, 9}, []abi.Chunk{prefixed, host}, []string{"host", "module"}},
		{"prefix: other state", 6, false, 0, []byte{2, 1}, []abi.Chunk{prefixed}, []string{"module"}},
		{"string: other value", 6, false, 0, []byte{1, 9}, []abi.Chunk{{Data: []byte(`{"k":"w","t":"host"}`)}}, []string{"module"}},
		{"1.7: text", 7, false, 0, []byte{1, 9}, []abi.Chunk{prefixed}, []string{"host"}},
		{"1.7: tool-call-delta", 7, false, 0, []byte{2, 9}, []abi.Chunk{args, {Data: []byte(`{"a":""}`)}, args, host}, []string{`call 3 {"x`, `call 3 {"x`, "module"}},
		{"1.7: tool-call-delta, other state", 7, false, 0, []byte{1, 9}, []abi.Chunk{args}, []string{"module"}},
	}
	for _, backend := range Backends() {
		for _, tt := range tests {
			t.Run(backend+"/"+tt.name, func(t *testing.T) {
				e, err := New(ctx, Config{Backend: backend, PoolSize: 1, NoTextTemplates: tt.off, Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					t.Fatal(err)
				}
				defer e.Close(ctx)
				tpls := tpl
				switch {
				case tt.minor >= 7:
					tpls = tpl17
				case tt.minor >= 6:
					tpls = "[" + tpl16 + "]"
				}
				m, err := e.Load(ctx, "tpl", watModule(t, stubWAT(abi.PackVersion(1, tt.minor, 0), false, module, tpls)))
				if err != nil {
					t.Fatalf("load: %v", err)
				}
				st, evs, err := m.Transform(ctx, &abi.TransformInput{Flags: tt.flags, State: tt.state, Chunks: tt.chunks})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, ev := range evs {
					if ev.Type == abi.EventToolCallDelta {
						got = append(got, fmt.Sprintf("call %d %s", ev.Index, ev.Arguments))
						continue
					}
					got = append(got, ev.Text)
				}
				if strings.Join(got, ",") != strings.Join(tt.want, ",") {
					t.Fatalf("events %q, want %q", got, tt.want)
				}
				if tt.want[len(tt.want)-1] == "host" && string(st) != string(tt.state) {
					t.Fatalf("state %v, want the template's %v", st, tt.state)
				}
			})
		}
		t.Run(backend+"/malformed", func(t *testing.T) {
			e, err := New(ctx, Config{Backend: backend, PoolSize: 1, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close(ctx)
			_, err = e.Load(ctx, "tpl", watModule(t, stubWAT(abi.PackVersion(1, 4, 0), false, module, `[{"state":"AQ==","data":{"kind":"any"}}]`)))
			if abi.CodeOf(err) != abi.CodeABIMismatch || !strings.Contains(err.Error(), "text shapes") {
				t.Fatalf("load: %v, want abi_mismatch naming the problem", err)
			}
			_, err = e.Load(ctx, "tpl15", watModule(t, stubWAT(abi.PackVersion(1, 5, 0), false, module, "["+tpl16+"]")))
			if abi.CodeOf(err) != abi.CodeABIMismatch || !strings.Contains(err.Error(), "1.6") {
				t.Fatalf("load of a 1.5 module with 1.6 templates: %v, want abi_mismatch", err)
			}
			_, err = e.Load(ctx, "tpl16", watModule(t, stubWAT(abi.PackVersion(1, 6, 0), false, module, tpl17)))
			if abi.CodeOf(err) != abi.CodeABIMismatch || !strings.Contains(err.Error(), "1.7") {
				t.Fatalf("load of a 1.6 module with 1.7 templates: %v, want abi_mismatch", err)
			}
		})
	}
}

// TestTextTemplatesRefuseAsTheModule: a call the module's own call would
// refuse fails the same with templates: over the input limit, after the
// caller is gone, on a closed module.
func TestTextTemplatesRefuseAsTheModule(t *testing.T) {
	const tpl = `[{"event":"","state":"AQ==","data":{"kind":"object","keys":{"t":{"kind":"text"}}}}]`
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	in := func() *abi.TransformInput {
		return &abi.TransformInput{State: []byte{1}, Chunks: []abi.Chunk{{Data: []byte(`{"t":"` + strings.Repeat("x", 100) + `"}`)}}}
	}
	tests := []struct {
		name  string
		limit int
		ctx   context.Context
		close bool
		want  abi.Code
	}{
		{"input limit", 100, ctx, false, abi.CodeStreamTruncated},
		{"caller gone", 0, cancelled, false, abi.CodeAdapterTimeout},
		{"closed", 0, ctx, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var codes [2]string
			for i, off := range []bool{false, true} {
				e, err := New(ctx, Config{PoolSize: 1, MaxInputBytes: tt.limit, NoTextTemplates: off, Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					t.Fatal(err)
				}
				m, err := e.Load(ctx, "tpl", watModule(t, stubWAT(abi.PackVersion(1, 4, 0), false, []byte(`{"type":"text-delta","text":"m"}`+"\n"), tpl)))
				if err != nil {
					t.Fatal(err)
				}
				if tt.close {
					m.Close(ctx)
				}
				_, _, err = m.Transform(tt.ctx, in())
				if err == nil {
					t.Fatalf("templates off=%v: the call succeeded", off)
				}
				codes[i] = string(abi.CodeOf(err))
				e.Close(ctx)
			}
			if codes[0] != codes[1] || (tt.want != "" && codes[0] != string(tt.want)) {
				t.Fatalf("codes with templates %q, without %q, want both %q", codes[0], codes[1], tt.want)
			}
		})
	}
}

// TestTemplatesMidBatch: on every backend, the host serves the chunks a
// template covers anywhere in a call's batch, not only its leading ones:
// the module gets each run of other chunks up to the next chunk that
// matches a template's skeleton, in one call with the state before it
// (the stub emits one event per call and returns the state ret); once a
// chunk that matches a skeleton is not served, the module gets every
// chunk left in one call; the last chunk of a call with FlagEnd goes to
// the module with the flag.
func TestTemplatesMidBatch(t *testing.T) {
	const tpl = `[{"event":"","state":"AQ==","data":{"kind":"object","required":["t","i"],"keys":{"t":{"kind":"text"},"i":{"kind":"int","int":1}}}}]`
	host := abi.Chunk{Data: []byte(`{"t":"host","i":1}`)}
	other := abi.Chunk{Data: []byte(`{"x":"module"}`)}
	otherInt := abi.Chunk{Data: []byte(`{"t":"host","i":2}`)} // the skeleton's, not the template's
	ctx := context.Background()
	tests := []struct {
		name   string
		ret    []byte // the state the stub's calls return
		flags  uint32
		chunks []abi.Chunk
		want   []string
	}{
		{"module, then served", []byte{1}, 0, []abi.Chunk{other, host, host}, []string{"module", "host", "host"}},
		{"module, served, module, served", []byte{1}, 0, []abi.Chunk{other, host, other, other, host}, []string{"module", "host", "module", "host"}},
		{"a run of other chunks in one call", []byte{1}, 0, []abi.Chunk{other, other, host}, []string{"module", "host"}},
		{"a skeleton's chunk not served: the rest in one call", []byte{1}, 0, []abi.Chunk{other, otherInt, host, other, host}, []string{"module", "module"}},
		{"end: the last chunk goes to the module", []byte{1}, abi.FlagEnd, []abi.Chunk{host, host}, []string{"host", "module"}},
		{"end: one chunk", []byte{1}, abi.FlagEnd, []abi.Chunk{host}, []string{"module"}},
		{"a state no template holds for: the rest in one call", []byte{2}, 0, []abi.Chunk{other, host, other, host}, []string{"module", "module"}},
	}
	for _, backend := range Backends() {
		for _, tt := range tests {
			t.Run(backend+"/"+tt.name, func(t *testing.T) {
				e, err := New(ctx, Config{Backend: backend, PoolSize: 1, Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					t.Fatal(err)
				}
				defer e.Close(ctx)
				module := []byte(`{"type":"text-delta","text":"module"}` + "\n")
				m, err := e.Load(ctx, "tpl", watModule(t, stubWATState(abi.PackVersion(1, 7, 0), false, tt.ret, module, tpl)))
				if err != nil {
					t.Fatalf("load: %v", err)
				}
				st, evs, err := m.Transform(ctx, &abi.TransformInput{Flags: tt.flags, State: []byte{1}, Chunks: tt.chunks})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, ev := range evs {
					got = append(got, ev.Text)
				}
				if strings.Join(got, ",") != strings.Join(tt.want, ",") {
					t.Fatalf("events %q, want %q", got, tt.want)
				}
				if string(st) != string(tt.ret) {
					t.Fatalf("state %v, want the module's last %v", st, tt.ret)
				}
			})
		}
	}
}
