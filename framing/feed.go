package framing

import (
	"iter"

	"github.com/wasmadapt/wasmadapt/abi"
)

// Feeder feeds a stream's chunks through an adapter's transform the way the
// host does: with host-owned state (each call gets the state the previous
// call returned), the stream context while the state is empty, and a last
// call carrying abi.FlagEnd. It is the one replay loop of the project's
// case runners: `wasmrun test` and package api/cases, the registry's
// self-test runner (engine/registry) and the guest SDK's test kit
// (guest/guesttest) all feed streams through it, whatever the framing.
//
// A Feeder is used for one stream; it is not safe for concurrent use.
type Feeder struct {
	// Context is the stream context. It is sent while the state is empty
	// (the first call of a stream); with EveryCall set it is sent on every
	// call, which a host may also do.
	Context   []byte
	EveryCall bool
	// State is the state of the next call: empty for a new stream.
	State []byte
	// Call is one transform call; it returns the state for the next call.
	// The chunks of in are valid during the call only.
	Call func(in *abi.TransformInput) (state []byte, err error)
}

// Send makes one transform call carrying chunks with flags.
func (f *Feeder) Send(chunks []abi.Chunk, flags uint32) error {
	in := &abi.TransformInput{Flags: flags, State: f.State, Chunks: chunks}
	if f.EveryCall || len(f.State) == 0 {
		in.Context = f.Context
	}
	st, err := f.Call(in)
	if err != nil {
		return err
	}
	f.State = st
	return nil
}

// Replay feeds the chunks of seq batch a call (all of them in one call
// when batch is 0); the last call carries abi.FlagEnd (an empty call when
// the chunks filled the last batch). The chunks
// seq yields are copied, so a framer may reuse its buffers between
// iterations.
//
// An error seq yields (a corrupt stream: the framing's error) stops the
// replay: the chunks before it are fed, no end call is made (the stream did
// not end), and the error is returned as corrupt. A host then gives
// ErrorEvent(corrupt) as the stream's last event. err is the first
// transform call's error.
func (f *Feeder) Replay(seq iter.Seq2[abi.Chunk, error], batch int) (corrupt, err error) {
	var (
		// arena holds copies of the pending batch's chunk bytes; spans
		// index them (event start and end, data start and end).
		arena  []byte
		spans  [][4]int
		chunks []abi.Chunk
	)
	flush := func(flags uint32) error {
		chunks = chunks[:0]
		for _, s := range spans {
			chunks = append(chunks, abi.Chunk{Event: arena[s[0]:s[1]], Data: arena[s[2]:s[3]]})
		}
		arena, spans = arena[:0], spans[:0]
		return f.Send(chunks, flags)
	}
	for ch, ferr := range seq {
		if ferr != nil {
			corrupt = ferr
			break
		}
		s := [4]int{len(arena), 0, 0, 0}
		arena = append(arena, ch.Event...)
		s[1], s[2] = len(arena), len(arena)
		arena = append(arena, ch.Data...)
		s[3] = len(arena)
		spans = append(spans, s)
		if batch > 0 && len(spans) >= batch {
			if err := flush(0); err != nil {
				return nil, err
			}
		}
	}
	if corrupt == nil {
		return nil, flush(abi.FlagEnd)
	}
	if len(spans) > 0 {
		if err := flush(0); err != nil {
			return nil, err
		}
	}
	return corrupt, nil
}

// Each yields the chunks of a slice, then err when it is not nil: the
// sequence Feeder.Replay takes for chunks framed beforehand (Chunks
// returns the chunks framed before an error, and the error).
func Each(chunks []abi.Chunk, err error) iter.Seq2[abi.Chunk, error] {
	return func(yield func(abi.Chunk, error) bool) {
		for _, ch := range chunks {
			if !yield(ch, nil) {
				return
			}
		}
		if err != nil {
			yield(abi.Chunk{}, err)
		}
	}
}
