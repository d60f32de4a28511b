package abi

import (
	"bytes"
	"testing"
)

// The envelope decoders read bytes the other side of the boundary wrote:
// a guest decodes what the host sent, and the host decodes a guest's
// transform result. They must never panic, never read out of bounds, and
// accept exactly the envelopes the encoders produce: whatever decodes
// re-encodes to the same bytes.

func transformSeeds() [][]byte {
	in := &TransformInput{Flags: FlagEnd, Context: []byte(`{"model":"m"}`), State: []byte{1, 2, 3},
		Chunks: []Chunk{{Event: []byte("message"), Data: []byte(`{"a":1}`)}, {Data: []byte("[DONE]")}}}
	taped := &TransformInput{Flags: FlagTape, Chunks: []Chunk{{Data: []byte(`[1,"x"]`), Tape: []byte{0, 0, 0, 0x70, 7, 0, 0, 0}}}}
	return [][]byte{
		AppendTransformInput(nil, in),
		AppendTransformInput(nil, &TransformInput{}),
		AppendTransformInput(nil, taped),
		AppendTransformInputTaped(nil, in),
		{0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff},                         // a context longer than the envelope
		{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f}, // an absurd chunk count
	}
}

func FuzzDecodeTransformInput(f *testing.F) {
	for _, s := range transformSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in := reencodes(t, b, DecodeTransformInput, AppendTransformInput)
		if in != nil && in.Flags&FlagTape == 0 {
			for _, c := range in.Chunks {
				if c.Tape != nil {
					t.Fatal("a tape decoded from an envelope without FlagTape")
				}
			}
		}
	})
}

func FuzzDecodeResponseInput(f *testing.F) {
	f.Add(AppendResponseInput(nil, &ResponseInput{Status: 429, Headers: [][2][]byte{{[]byte("retry-after"), []byte("3")}},
		Context: []byte(`{"model":"m"}`), Body: []byte(`{"error":{}}`)}))
	f.Add(AppendResponseInput(nil, &ResponseInput{}))
	f.Add([]byte{200, 0, 0, 0, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		reencodes(t, b, DecodeResponseInput, AppendResponseInput)
	})
}

// reencodes decodes the envelope b with decode and fails t unless b is
// no envelope (ErrEnvelope) or re-encodes to itself with encode. It
// returns what it decoded, or nil.
func reencodes[T any](t *testing.T, b []byte, decode func([]byte, *T) error, encode func([]byte, *T) []byte) *T {
	var in T
	if err := decode(b, &in); err != nil {
		if err != ErrEnvelope {
			t.Fatalf("error %v, want ErrEnvelope", err)
		}
		return nil
	}
	if got := encode(nil, &in); !bytes.Equal(got, b) {
		t.Fatalf("decoded %+v re-encodes to %x, not %x", in, got, b)
	}
	return &in
}

func FuzzDecodeTransformOutput(f *testing.F) {
	f.Add(AppendTransformOutput(nil, []byte{1, 2}, []byte(`{"type":"text-delta","text":"a"}`+"\n"))[1:])
	f.Add([]byte{})
	f.Add([]byte{5, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, payload []byte) {
		state, events, err := DecodeTransformOutput(payload)
		if err != nil {
			if err != ErrEnvelope {
				t.Fatalf("error %v, want ErrEnvelope", err)
			}
			return
		}
		if got := AppendTransformOutput(nil, state, events); !bytes.Equal(got[1:], payload) {
			t.Fatalf("state %x events %q re-encode to %x, not %x", state, events, got[1:], payload)
		}
	})
}

// FuzzTransformRoundTrip encodes arbitrary inputs and decodes them back:
// every field must survive, with and without tapes.
func FuzzTransformRoundTrip(f *testing.F) {
	f.Add(uint32(FlagEnd), []byte(`{"model":"m"}`), []byte{}, []byte("ev"), []byte(`{"a":[1,2]}`), []byte("[DONE]"))
	f.Add(uint32(FlagTape), []byte{}, []byte{9}, []byte{}, []byte(`"s"`), []byte{0xff})
	f.Fuzz(func(t *testing.T, flags uint32, ctx, state, event, d1, d2 []byte) {
		in := &TransformInput{Flags: flags &^ FlagTape, Context: ctx, State: state,
			Chunks: []Chunk{{Event: event, Data: d1}, {Data: d2}}}
		for _, taped := range []bool{false, true} {
			var b []byte
			if taped {
				b = AppendTransformInputTaped(nil, in)
			} else {
				b = AppendTransformInput(nil, in)
			}
			var out TransformInput
			if err := DecodeTransformInput(b, &out); err != nil {
				t.Fatalf("taped=%v: %v", taped, err)
			}
			if out.Flags&^FlagTape != in.Flags || !bytes.Equal(out.Context, ctx) || !bytes.Equal(out.State, state) || len(out.Chunks) != 2 ||
				!bytes.Equal(out.Chunks[0].Event, event) || !bytes.Equal(out.Chunks[0].Data, d1) || !bytes.Equal(out.Chunks[1].Data, d2) {
				t.Fatalf("taped=%v: %+v decoded as %+v", taped, in, out)
			}
			if taped {
				for i, c := range out.Chunks {
					if len(c.Tape) > 0 && !CheckTape(c.Tape, len(c.Data)) {
						t.Fatalf("chunk %d: the host's tape %x is malformed for %q", i, c.Tape, c.Data)
					}
				}
			}
		}
	})
}

// FuzzDecodeOpResult: the host's check of operation results never panics,
// and whatever it accepts is within the documented limits.
func FuzzDecodeOpResult(f *testing.F) {
	f.Add(OpEmbed, []byte(`{"embeddings":[[1,2],"AACAPwAAAEA="],"usage":{"input_tokens":3}}`))
	f.Add(OpModels, []byte(`{"models":[{"id":"a","capabilities":{"details":{"context_window":5}}}],"next_page":"x"}`))
	f.Add(OpCountTokens, []byte(`{"input_tokens":12}`))
	f.Fuzz(func(t *testing.T, op string, payload []byte) {
		call := &OpCall{Op: op, Request: []byte(`{"model":"m","inputs":["a","b"]}`)}
		res, err := DecodeOpResult(call, payload)
		if err != nil {
			return
		}
		switch {
		case res.Embed != nil:
			if len(res.Embed.Embeddings) != 2 || res.Embed.Usage.InputTokens < 0 {
				t.Fatalf("accepted %s", payload)
			}
		case res.Models != nil:
			if len(res.Models.Models) > MaxModelsPerPage {
				t.Fatalf("accepted %d models", len(res.Models.Models))
			}
		case res.CountTokens != nil:
			if res.CountTokens.InputTokens < 0 {
				t.Fatalf("accepted %s", payload)
			}
		}
	})
}
