package sandboxtest

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
)

// Fuzz targets over every adapter's native build, through engine.NewNative:
// the engine's pool, result decoding and real event validator. The
// adapters' own fuzzers (adapters-wasm/*/fuzz_test.go) cover some
// transforms; these cover every adapter's transform and, for all of them,
// the projection, which no other fuzzer reaches.

// fuzzAdapters is adapterNames(), fixed once: a fuzz input's first byte
// picks an adapter.
var fuzzAdapters = adapterNames()

func pick(sel uint8) string { return fuzzAdapters[int(sel)%len(fuzzAdapters)] }

// refusals are the codes a projection may refuse a request with.
var refusals = map[abi.Code]bool{
	abi.CodeCapabilityUnsupported: true,
	abi.CodeSchemaUnsupported:     true,
	abi.CodeInvalidRequest:        true,
}

// FuzzAdapterProject projects arbitrary normalized requests with every
// adapter: none may fault (panic, bad output), a refusal must carry one of
// the projection codes, and a projection must be a well-formed provider
// request (the engine checks it) whose body is JSON.
func FuzzAdapterProject(f *testing.F) {
	for _, ac := range streamCases(f) {
		if ac.c.Request != nil {
			f.Add(ac.c.Request)
		}
	}
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"name":"t","parameters":{"type":"object","properties":{"a":{"type":"string","pattern":"^x"}}}}],"tool_choice":{"tool":"t"},"stream":true}`))
	f.Add([]byte(`{"model":"","messages":[]}`))
	mods := map[string]engine.Module{}
	for _, name := range fuzzAdapters {
		mods[name] = nativeModule(name)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, reqJSON []byte) {
		var req abi.Request
		if json.Unmarshal(reqJSON, &req) != nil {
			return
		}
		for _, name := range fuzzAdapters {
			pr, err := mods[name].Project(ctx, &req)
			if err != nil {
				if !refusals[abi.CodeOf(err)] {
					t.Fatalf("%s: Project failed with %v (code %q): want a projection or a refusal", name, err, abi.CodeOf(err))
				}
				continue
			}
			if len(pr.Body) > 0 && !json.Valid(pr.Body) {
				t.Fatalf("%s: projected body is not JSON: %q", name, pr.Body)
			}
		}
	})
}

// FuzzAdapterTransform feeds two arbitrary chunks to one adapter (the
// first byte picks it) with the stream context of one of its recorded
// requests: no fault, only valid events (the engine's validator), the same
// events whether the chunks come in one call or one per call, and
// ParseResponse and MapError of the same bytes must not fault either.
func FuzzAdapterTransform(f *testing.F) {
	contexts := map[string][]byte{}
	for _, ac := range streamCases(f) {
		if contexts[ac.adapter] == nil && ac.sctx != nil {
			contexts[ac.adapter] = ac.sctx
		}
		fr := frame(ac.c.Body, ac.framing)
		for i := 0; i+1 < len(fr.chunks) && i < 6; i += 2 {
			sel := 0
			for j, n := range fuzzAdapters {
				if n == ac.adapter {
					sel = j
				}
			}
			f.Add(uint8(sel), fr.chunks[i].Event, fr.chunks[i].Data, fr.chunks[i+1].Event, fr.chunks[i+1].Data)
		}
	}
	mods := map[string]engine.Module{}
	for _, name := range fuzzAdapters {
		mods[name] = nativeModule(name)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, sel uint8, e1, d1, e2, d2 []byte) {
		name := pick(sel)
		m := mods[name]
		sctx := contexts[name]
		if sctx == nil {
			sctx = []byte(`{"model":"m","stream":true}`)
		}
		f := framed{chunks: []abi.Chunk{{Event: e1, Data: d1}, {Event: e2, Data: d2}}}
		one := replay(ctx, m, f, sctx, nil, false)
		split := replay(ctx, m, f, sctx, []int{1, 1}, false)
		if !bytes.Equal(one, split) {
			t.Fatalf("%s: batching changed the events:\none call:\n%s\none per call:\n%s", name, one, split)
		}
		if i := bytes.Index(one, []byte("ERROR ")); i >= 0 {
			line := string(one[i:])
			code, _, _ := strings.Cut(strings.TrimPrefix(line, "ERROR "), " ")
			switch {
			case abi.Code(code) == abi.CodeInvalidRequest:
				// A refusal (a corrupt state or context), not a fault.
			default:
				t.Fatalf("%s: transform failed: %s", name, line)
			}
		}
		for _, status := range []uint32{200, 400, 429, 500} {
			in := &abi.ResponseInput{Status: status, Context: sctx, Body: d1}
			var err error
			if status == 200 {
				_, err = m.ParseResponse(ctx, in)
			} else {
				_, err = m.MapError(ctx, in)
			}
			switch abi.CodeOf(err) {
			case abi.CodeAdapterTrap, abi.CodeAdapterBadOutput, abi.CodeAdapterMemory, abi.CodeAdapterTimeout:
				t.Fatalf("%s: status %d: %v", name, status, err)
			}
		}
	})
}
