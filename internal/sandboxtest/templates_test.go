package sandboxtest

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api/cases"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/guest"
)

// counted forwards to an adapter and counts the chunks its transform
// calls get.
type counted struct {
	guest.Adapter
	chunks *atomic.Int64
}

func (c counted) Transform(in *abi.TransformInput, out *guest.Output) error {
	c.chunks.Add(int64(len(in.Chunks)))
	return c.Adapter.Transform(in, out)
}

func (c counted) TextTemplates() []abi.TextTemplate {
	if tt, ok := c.Adapter.(guest.TextTemplater); ok {
		return tt.TextTemplates()
	}
	return nil
}

// templated returns the adapters that declare text-delta templates.
func templated() []string {
	var out []string
	for _, name := range adapterNames() {
		if tt, ok := adapters[name]().(guest.TextTemplater); ok && len(tt.TextTemplates()) > 0 {
			out = append(out, name)
		}
	}
	return out
}

// templatesModule is the adapter's native build with its text templates
// served by the host (on) or ignored; chunks counts the chunks its
// transform calls get.
func templatesModule(name string, on bool, chunks *atomic.Int64) engine.Module {
	return engine.NewNativeWithConfig(name, counted{adapters[name](), chunks}, engine.NativeConfig{PoolSize: 1,
		Logger: slog.New(slog.DiscardHandler), Crashes: engine.CrashPolicy{Limit: -1}, NoTextTemplates: !on})
}

// TestTextTemplatesSameEvents: every streamed case of every adapter that
// declares text templates gives the same events with the templates served
// by the host as without them, a chunk per call and all in one call, and
// the host served some chunks of the cases itself both ways (all in one
// call: chunks in the middle of the call's batch).
func TestTextTemplatesSameEvents(t *testing.T) {
	names := templated()
	if !slices.Contains(names, "openai") {
		t.Fatalf("adapters with text templates: %v; the openai adapter declares them", names)
	}
	ctx := context.Background()
	var served [2]int // chunks the host served, over every case, by batch
	for _, ac := range streamCases(t) {
		if !slices.Contains(names, ac.adapter) {
			continue
		}
		t.Run(ac.adapter+"/"+ac.c.Name, func(t *testing.T) {
			for _, batch := range []int{1, 0} {
				var onChunks, offChunks atomic.Int64
				on, err := cases.Replay(ctx, templatesModule(ac.adapter, true, &onChunks), bytes.NewReader(ac.c.Body), ac.framing, ac.sctx, batch)
				if err != nil {
					t.Fatal(err)
				}
				off, err := cases.Replay(ctx, templatesModule(ac.adapter, false, &offChunks), bytes.NewReader(ac.c.Body), ac.framing, ac.sctx, batch)
				if err != nil {
					t.Fatal(err)
				}
				if a, b := cases.AppendLines(nil, on), cases.AppendLines(nil, off); !bytes.Equal(a, b) {
					t.Fatalf("batch %d: templates on gave\n%s\noff gave\n%s", batch, a, b)
				}
				served[batch] += int(offChunks.Load() - onChunks.Load())
			}
		})
	}
	if served[0] == 0 || served[1] == 0 {
		t.Errorf("the host served %d chunks of the cases itself a chunk per call, %d all in one call; want some both ways", served[1], served[0])
	}
	t.Logf("the host served %d chunks of the cases itself a chunk per call, %d all in one call", served[1], served[0])
}

// FuzzTextTemplates: from a state a template holds for (for a prefix
// template, its state and any suffix the module loads), any two chunks
// with the template's event name give the same state, events and error
// code whether the host serves the chunks it can (templates on) or the
// module gets them all (off), one chunk per call and both in one call.
func FuzzTextTemplates(f *testing.F) {
	names := templated()
	if len(names) == 0 {
		f.Skip("no adapter declares text templates")
	}
	oa := uint8(max(slices.Index(names, "openai"), 0)) // Chat Completions chunks
	const text = `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" hi"},"logprobs":null,"finish_reason":null}],"usage":null}`
	f.Add(oa, []byte(nil), []byte(text), []byte(text))
	f.Add(oa, []byte(nil), []byte(`{"choices":[{"delta":{"content":"a\n\"b\\/"}}]}`), []byte(`{"choices":[{"index":0,"delta":{"content":"\u00e9"}}]}`))
	f.Add(oa, []byte(nil), []byte(`{"choices":[{"delta":{"content":""}}],"obfuscation":"x"}`), []byte(`{"choices":[{"delta":{"content":null}}]}`))
	f.Add(oa, []byte(nil), []byte(`{"choices":[{"delta":{"content":"a","content":"b"}}]}`), []byte(`{"choices":[{"index":1,"delta":{"content":"x"}}]}`))
	f.Add(oa, []byte(nil), []byte(`{"choices":[{"delta":{"content":"a"},"finish_reason":"stop"}]}`), []byte(`[DONE]`))
	f.Add(oa, []byte(nil), []byte(`{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"t","function":{"name":"f","arguments":"{}"}}]}}]}`), []byte(text))
	f.Add(oa, []byte(nil), []byte(`{"choices":[{"delta":{"content":"a"}},{"delta":{"content":"b"}}]}`), []byte(`{"choices":[{"delta":{"content":"a","refusal":null,"role":"assistant"}}],"usage":{"prompt_tokens":1}}`))
	// Content blocks (Messages API streams); the suffix is a usage.
	if i := slices.Index(names, "anthropic"); i >= 0 {
		sel, next := uint8(i), uint8(i+len(names)) // block index 0, 1
		usage := []byte{10, 5, 3, 1}
		const delta = `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}`
		f.Add(sel, usage, []byte(delta), []byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"lo \u00e9\n\""}}`))
		f.Add(sel, usage, []byte(`{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","text":"x"}}`), []byte(delta))
		f.Add(sel, usage, []byte(`{"type":"content_block_delta","index":0,"delta":{"type":"citations_delta","citation":{"type":"char_location","cited_text":"c"}}}`), []byte(delta))
		f.Add(sel, usage, []byte(`{"type":"content_block_stop","index":0}`), []byte(delta))
		f.Add(sel, usage, []byte(`{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t","name":"f","input":{}}}`), []byte(delta))
		f.Add(sel, usage, []byte(`{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":7}}`), []byte(delta))
		f.Add(sel, usage, []byte(`{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"x"}}`), []byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":""}}`))
		f.Add(next, usage, []byte(`{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"x"}}`), []byte(`{"type":"message_stop"}`))
		f.Add(sel, []byte{0x80}, []byte(delta), []byte(delta))
		// Tool templates (ABI 1.7): the first is call 0 in block 0; the
		// suffix is the call's id, name and empty arguments, and a usage.
		first := slices.IndexFunc(adapters["anthropic"]().(guest.TextTemplater).TextTemplates(), func(t abi.TextTemplate) bool { return t.Emit == abi.EventToolCallDelta })
		tool := uint8(i + first*len(names))
		call := append([]byte("\x07toolu_1\x0bget_weather\x00"), usage...)
		const args = `{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"city"}}`
		f.Add(tool, call, []byte(args), []byte(`{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"\":\"Par\u00e9"}}`))
		f.Add(tool, call, []byte(args), []byte(`{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":""}}`))
		f.Add(tool, call, []byte(`{"type":"content_block_stop","index":0}`), []byte(args))
		f.Add(tool, call, []byte(`{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"x"}}`), []byte(args))
	}
	// Chat Completions tool templates: the first is one started call 0.
	if first := slices.IndexFunc(adapters["openai"]().(guest.TextTemplater).TextTemplates(), func(t abi.TextTemplate) bool { return t.Emit == abi.EventToolCallDelta }); first >= 0 {
		tool := uint8(int(oa) + first*len(names))
		const args = `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a"}}]},"logprobs":null,"finish_reason":null}],"usage":null}`
		call := []byte("\x07call_w1\x0bget_weather\x00")
		f.Add(tool, call, []byte(args), []byte(args))
		f.Add(tool, call, []byte(args), []byte(`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\u00e9","name":"g"}}]}}]}`))
		f.Add(tool, call, []byte(`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_2","function":{"name":"h","arguments":""}}]}}]}`), []byte(args))
		f.Add(tool, call, []byte(`{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`), []byte(args))
		f.Add(tool, call, []byte(args), []byte(`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"}"}}]},"finish_reason":"tool_calls"}]}`))
	}
	type pair struct {
		on, off   engine.Module
		templates []abi.TextTemplate
	}
	var calls atomic.Int64
	mods := map[string]pair{}
	ctx := context.Background()
	for _, name := range names {
		mods[name] = pair{on: templatesModule(name, true, &calls), off: templatesModule(name, false, &calls),
			templates: adapters[name]().(guest.TextTemplater).TextTemplates()}
	}
	f.Fuzz(func(t *testing.T, sel uint8, suffix, a, b []byte) {
		name := names[int(sel)%len(names)]
		p := mods[name]
		tpl := p.templates[int(sel)/len(names)%len(p.templates)]
		start := tpl.State
		if tpl.StatePrefix {
			start = append(slices.Clip(start), suffix...)
			// The state must be one the module loads: the template
			// holds for the states of its streams.
			if _, _, err := p.off.Transform(ctx, &abi.TransformInput{State: start}); err != nil {
				return
			}
		}
		run := func(m engine.Module, batches [][]abi.Chunk) string {
			state := start
			var out []byte
			for _, chunks := range batches {
				st, evs, err := m.Transform(ctx, &abi.TransformInput{State: state, Chunks: chunks})
				if err != nil {
					return string(out) + "error " + string(abi.CodeOf(err))
				}
				state = st
				out = cases.AppendLines(out, evs)
			}
			return string(out) + "state " + string(state)
		}
		ev := []byte(tpl.Event)
		ca, cb := abi.Chunk{Event: ev, Data: a}, abi.Chunk{Event: ev, Data: b}
		for _, batches := range [][][]abi.Chunk{{{ca}, {cb}}, {{ca, cb}}} {
			if on, off := run(p.on, batches), run(p.off, batches); on != off {
				t.Fatalf("%s: templates on gave\n%s\noff gave\n%s", name, on, off)
			}
		}
	})
}
