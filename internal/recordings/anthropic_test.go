package recordings_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/anthropic"
	"github.com/wasmadapt/wasmadapt/api/cases"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/internal/recordings"
)

// TestAnthropicRecordings replays every anthropic recording in ../shared
// and compares the events with our reviewed expectations in
// testdata/anthropic/recordings.
func TestAnthropicRecordings(t *testing.T) {
	nativeRecordings(t, "anthropic", "anthropic", anthropic.New(), nil)
}

// nativeReplay gives the events of one recording: map_error for error
// statuses, parse_response for whole bodies, the host's framer and
// transform otherwise, checked to be the same with all chunks in one call
// and with one chunk per call. sctx is the stream context, or nil.
func nativeReplay(t *testing.T, m engine.Module, r *recordings.Recording, sctx []byte) []byte {
	t.Helper()
	ctx := context.Background()
	switch {
	case r.Status >= 400:
		in := &abi.ResponseInput{Status: uint32(r.Status), Body: r.Body}
		if r.ContentType != "" {
			in.Headers = [][2][]byte{{[]byte("content-type"), []byte(r.ContentType)}}
		}
		ev, err := m.MapError(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return cases.AppendLines(nil, []abi.Event{ev})
	case r.Framing == abi.FramingNone:
		evs, err := m.ParseResponse(ctx, &abi.ResponseInput{Status: uint32(r.Status), Context: sctx, Body: r.Body})
		if err != nil {
			t.Fatal(err)
		}
		return cases.AppendLines(nil, evs)
	}
	all, err := cases.Replay(ctx, m, bytes.NewReader(r.Body), r.Framing, sctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	one, err := cases.Replay(ctx, m, bytes.NewReader(r.Body), r.Framing, sctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := cases.AppendLines(nil, all)
	if alt := cases.AppendLines(nil, one); !bytes.Equal(alt, got) {
		t.Fatalf("events depend on batching:\n%s\nversus\n%s", got, alt)
	}
	return got
}

// nativeRecordings compares every recording of a provider directory with
// testdata/<name>/recordings/<recording>.events.jsonl. contextOf, when not
// nil, gives the stream context of a recording (by file name), for
// adapters whose events depend on the request (the model, say).
func nativeRecordings(t *testing.T, name, provider string, a guest.Adapter, contextOf func(file string) []byte) {
	t.Helper()
	recs := providerRecordings(t, provider)
	m := engine.NewNative(name, a)
	t.Cleanup(func() { m.Close(context.Background()) })
	expDir := filepath.Join("..", "..", "testdata", name, "recordings")
	for i := range recs {
		r := &recs[i]
		t.Run(r.Name(), func(t *testing.T) {
			var sctx []byte
			if contextOf != nil {
				sctx = contextOf(r.File)
			}
			got := nativeReplay(t, m, r, sctx)
			path := filepath.Join(expDir, r.Name()+".events.jsonl")
			want, err := os.ReadFile(path)
			if errors.Is(err, os.ErrNotExist) {
				t.Fatalf("no expected events %s: review the recording and write them", path)
			}
			if err != nil {
				t.Fatal(err)
			}
			sameLines(t, path, got, want)
		})
	}
}

// update rewrites the expected events of recordings that differ (go test
// ./internal/recordings -update): review the diff before committing.
var update = flag.Bool("update", false, "rewrite testdata/*/recordings/*.events.jsonl that differ from the adapters' events")

// sameLines fails the test at the first event line where got and want
// differ; with -update it rewrites the expected file at path instead.
func sameLines(t *testing.T, path string, got, want []byte) {
	if *update && !bytes.Equal(got, want) {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("updated %s", path)
		return
	}
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for j := 0; j < len(gl) || j < len(wl); j++ {
		var g, w string
		if j < len(gl) {
			g = gl[j]
		}
		if j < len(wl) {
			w = wl[j]
		}
		if g != w {
			t.Fatalf("event line %d:\ngot  %s\nwant %s", j+1, g, w)
		}
	}
}
