package recordings_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/gemini"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/framing"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
	"github.com/wasmadapt/wasmadapt/internal/recordings"
)

// replayFramed runs one recording through a the way the host does, with the
// host's own framer: map_error for error statuses, parse_response for whole
// bodies, and for streams framing.Split then one transform call per chunk
// with host-owned state and a final call with FlagEnd. Streams are replayed
// a second time with all chunks in one call, and both replays must agree.
func replayFramed(t *testing.T, a guest.Adapter, r *recordings.Recording, sctx []byte) []byte {
	t.Helper()
	d := guest.NewDispatcher(a)
	check := func(res []byte) []byte {
		if abi.Status(res[0]) != abi.StatusOK {
			t.Fatalf("adapter call failed: %s", res[1:])
		}
		return res[1:]
	}
	switch {
	case r.Status >= 400:
		return bytes.Clone(check(d.MapError(abi.AppendResponseInput(nil, &abi.ResponseInput{Status: uint32(r.Status), Context: sctx, Body: r.Body}))))
	case r.Framing == abi.FramingNone:
		return bytes.Clone(check(d.ParseResponse(abi.AppendResponseInput(nil, &abi.ResponseInput{Status: uint32(r.Status), Context: sctx, Body: r.Body}))))
	}
	chunks, err := framing.Chunks(r.Body, r.Framing, framing.Options{})
	if err != nil {
		t.Fatalf("framing the recording: %v", err)
	}
	run := func(batch int) []byte {
		var state, events []byte
		var calls abi.ToolCalls
		call := func(cs []abi.Chunk, flags uint32) {
			in := abi.TransformInput{Flags: flags, State: state, Chunks: cs}
			if len(state) == 0 {
				in.Context = sctx
			}
			st, evs, err := abi.DecodeTransformOutput(check(d.Transform(abi.AppendTransformInput(nil, &in))))
			if err != nil {
				t.Fatal(err)
			}
			state = bytes.Clone(st)
			events = guesttest.CompleteToolCalls(t, &calls, events, evs)
		}
		if batch == 0 {
			call(chunks, 0)
		} else {
			for i := 0; i < len(chunks); i += batch {
				call(chunks[i:min(i+batch, len(chunks))], 0)
			}
		}
		call(nil, abi.FlagEnd)
		return events
	}
	one, all := run(1), run(0)
	if !bytes.Equal(one, all) {
		t.Fatalf("events depend on batching:\none chunk per call:\n%s\nall chunks in one call:\n%s", one, all)
	}
	return one
}

// checkRecordings runs every recording of provider through a and compares
// the events with the reviewed expectations in
// testdata/<dir>/recordings/<name>.events.jsonl. skip names the recordings
// the adapter does not serve, with the reason.
func checkRecordings(t *testing.T, provider, dir string, a guest.Adapter, sctx []byte, skip map[string]string) {
	recs := providerRecordings(t, provider)
	expDir := filepath.Join("..", "..", "testdata", dir, "recordings")
	for i := range recs {
		r := &recs[i]
		t.Run(r.Name(), func(t *testing.T) {
			if why, ok := skip[r.File]; ok {
				t.Skip(why)
			}
			got := replayFramed(t, a, r, sctx)
			path := filepath.Join(expDir, r.Name()+".events.jsonl")
			want, err := os.ReadFile(path)
			if os.IsNotExist(err) {
				t.Fatalf("no expected events %s: review the recording and write them; the adapter gives\n%s", path, got)
			}
			if err != nil {
				t.Fatal(err)
			}
			sameLines(t, path, got, want)
		})
	}
}

// TestGeminiRecordings runs the gemini recordings through the gemini
// adapter. Every recording is of the Gemini API's GenerateContentResponse
// (the Vertex AI one has the same shape), so none is skipped.
func TestGeminiRecordings(t *testing.T) {
	checkRecordings(t, "gemini", "gemini", gemini.New(), []byte(`{"model":"gemini-2.5-flash","stream":true}`), nil)
}

// fuzzValidated feeds two chunks, a whole body and an error body through m
// (a native module: every event passes the engine's validator) and fails on
// any call error, such as adapter_bad_output for an event that breaks the
// contract.
func fuzzValidated(t *testing.T, m engine.Module, sctx []byte, a, b string) {
	ctx := context.Background()
	var state []byte
	for i, c := range []string{a, b, ""} {
		in := &abi.TransformInput{State: state}
		if len(state) == 0 {
			in.Context = sctx
		}
		if i < 2 {
			in.Chunks = []abi.Chunk{{Data: []byte(c)}}
		} else {
			in.Flags = abi.FlagEnd
		}
		st, _, err := m.Transform(ctx, in)
		if err != nil {
			t.Fatalf("transform: %v", err)
		}
		state = st
	}
	if _, err := m.ParseResponse(ctx, &abi.ResponseInput{Status: 200, Context: sctx, Body: []byte(a)}); err != nil {
		t.Fatalf("parse_response: %v", err)
	}
	if _, err := m.MapError(ctx, &abi.ResponseInput{Status: 400, Context: sctx, Body: []byte(b)}); err != nil {
		t.Fatalf("map_error: %v", err)
	}
}

// FuzzGeminiValidated checks every gemini output against the engine's
// event validator.
func FuzzGeminiValidated(f *testing.F) {
	f.Add(`{"candidates":[{"content":{"parts":[{"text":"a","thoughtSignature":"s"},{"functionCall":{"name":"f","args":{"x":1}}}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":1},"responseId":"r"}`, `{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","message":"m"}}`)
	f.Add(`{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","willContinue":true}}]}}]}`, `{"candidates":[{"content":{"parts":[{"functionCall":{"partialArgs":[{"jsonPath":"$.a","stringValue":"x"}]}}]},"finishReason":"MAX_TOKENS"}]}`)
	f.Add(`[{"promptFeedback":{"blockReason":"SAFETY"}}]`, `<html>`)
	m := engine.NewNative("gemini", gemini.New())
	f.Fuzz(func(t *testing.T, a, b string) {
		fuzzValidated(t, m, []byte(`{"model":"gemini-2.5-flash","stream":true}`), a, b)
	})
}
