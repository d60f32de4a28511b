// Package adaptertest holds test and benchmark helpers the adapters' tests
// share beyond guest/guesttest: table tests of projection and model tables
// (refusals, the model a name is served as, the source of a model's
// capabilities, the refusal of sampling parameters a model takes only at
// their defaults) and the benchmark of one steady chunk.
package adaptertest

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

// Refusal is a request the adapter must refuse, with the code and the
// JSON pointer of the error. It is a struct type literal, so that tables
// may list its fields in order.
type Refusal = struct {
	Name, Req string
	Code      abi.Code
	Pointer   string
}

// Refusals checks, in a subtest each, that a refuses every request with
// its code at its pointer (guesttest.ProjectError).
func Refusals(t *testing.T, a guest.Adapter, tests []Refusal) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) { guesttest.ProjectError(t, a, tt.Req, tt.Code, tt.Pointer) })
	}
}

// Serves checks what a model table serves names as: for each [2]string
// {name, want}, serve(name) must be want (for example the table prefix
// of the entry serving the name, "" for the unknown model).
func Serves(t *testing.T, serve func(name string) string, tests [][2]string) {
	t.Helper()
	for _, tt := range tests {
		if got := serve(tt[0]); got != tt[1] {
			t.Errorf("lookup(%q) serves %q, want %q", tt[0], got, tt[1])
		}
	}
}

// Sources checks where a's capabilities for each model come from: for each
// [2]string {model, want}, Capabilities(model).Features.Source must be
// want (abi.Source*, "" for no model).
func Sources(t *testing.T, a guest.Adapter, tests [][2]string) {
	t.Helper()
	for _, tt := range tests {
		if got := a.Capabilities(tt[0]).Features.Source; got != tt[1] {
			t.Errorf("%q: source %q, want %q", tt[0], got, tt[1])
		}
	}
}

// DefaultSampling checks a model that takes sampling parameters only at
// their defaults: each {request, pointer} of refused is refused
// (capability_unsupported at the pointer), and defaults, a request setting
// them to their defaults, projects to a body with none of the members
// absent.
func DefaultSampling(t *testing.T, a guest.Adapter, refused [][2]string, defaults string, absent ...string) {
	t.Helper()
	for _, tt := range refused {
		guesttest.ProjectError(t, a, tt[0], abi.CodeCapabilityUnsupported, tt[1])
	}
	p, err := guesttest.Project(t, a, defaults)
	if err != nil {
		t.Fatal(err)
	}
	guesttest.BodyHas(t, p.Body, nil, absent)
}

// BenchChunk measures a.Transform on one chunk c from a mid-stream state
// (see guesttest.StateAfter), called directly (no Dispatcher), with its
// allocations; bytes per operation are the chunk's data.
func BenchChunk(b *testing.B, a guesttest.Transformer, state []byte, c abi.Chunk) {
	in := abi.TransformInput{State: state, Chunks: []abi.Chunk{c}}
	var out guest.Output
	b.SetBytes(int64(len(c.Data)))
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		if err := a.Transform(&in, &out); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzEvents registers f's fuzz function for a stream adapter whose fuzz
// inputs are two chunks (event name and data each) and a state, on a
// stream with context ctx: guesttest.CheckAdapter, the state allowed to be
// refused as corrupt, with the first data also the body of ParseResponse
// and of MapError at status.
func FuzzEvents(f *testing.F, a guest.Adapter, ctx []byte, status uint32) {
	f.Fuzz(func(t *testing.T, e1, d1, e2, d2, state []byte) {
		guesttest.CheckAdapter(t, a, guesttest.Input{
			Stream:   guesttest.Stream{Context: ctx, State: state, MayRefuse: true},
			Chunks:   []abi.Chunk{{Event: e1, Data: d1}, {Event: e2, Data: d2}},
			Body:     d1,
			Statuses: []uint32{status},
		})
	})
}
