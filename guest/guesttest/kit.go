package guesttest

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

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

// DefaultSampling checks a model that takes sampling parameters only at
// their defaults: each {request, pointer} of refused is refused
// (capability_unsupported at the pointer), and defaults, a request setting
// them to their defaults, projects to a body with none of the members
// absent.
func DefaultSampling(t *testing.T, a guest.Adapter, refused [][2]string, defaults string, absent ...string) {
	t.Helper()
	for _, tt := range refused {
		ProjectError(t, a, tt[0], abi.CodeCapabilityUnsupported, tt[1])
	}
	p, err := Project(t, a, defaults)
	if err != nil {
		t.Fatal(err)
	}
	BodyHas(t, p.Body, nil, absent)
}

// BenchChunk measures a.Transform on one chunk c from a mid-stream state
// (see StateAfter), called directly (no Dispatcher), with its
// allocations; bytes per operation are the chunk's data.
func BenchChunk(b *testing.B, a Transformer, state []byte, c abi.Chunk) {
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
// stream with context ctx: CheckAdapter, the state allowed to be
// refused as corrupt, with the first data also the body of ParseResponse
// and of MapError at status.
func FuzzEvents(f *testing.F, a guest.Adapter, ctx []byte, status uint32) {
	f.Fuzz(func(t *testing.T, e1, d1, e2, d2, state []byte) {
		CheckAdapter(t, a, Input{
			Stream:   Stream{Context: ctx, State: state, MayRefuse: true},
			Chunks:   []abi.Chunk{{Event: e1, Data: d1}, {Event: e2, Data: d2}},
			Body:     d1,
			Statuses: []uint32{status},
		})
	})
}
