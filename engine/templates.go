package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"

	"github.com/wasmadapt/wasmadapt/abi"
)

// loadTextTemplates reads the text-delta templates the module declares
// (ABI 1.4, abi.ExportTextTemplates) once, unless Config.NoTextTemplates.
// A module of an older ABI, or one without the export, has none.
func (m *module) loadTextTemplates(ctx context.Context) error {
	if m.cfg.NoTextTemplates {
		return nil
	}
	_, minor, _ := abi.UnpackVersion(m.abiVersion)
	if minor < 4 {
		return nil
	}
	var ts []abi.TextTemplate
	err := m.call(ctx, expTextTemplates,
		func(dst []byte) []byte { return dst },
		func(_ *worker, p []byte) error {
			var err error
			if ts, err = abi.DecodeTextTemplates(p, minor); err != nil {
				return badOutput("%s: %v", abi.ExportTextTemplates, err)
			}
			return nil
		})
	if err != nil {
		return err
	}
	m.templates, m.skeletons = ts, skeletonsOf(ts)
	return nil
}

// tapePool holds the buffers the host tapes chunks into for matching.
var tapePool = sync.Pool{New: func() any { return new([]byte) }}

// skeleton is a shape of the module's templates, with their integers left
// open (abi.MatchTemplateSkeleton), and its chunk event name: a chunk that
// matches no skeleton matches no template in any state.
type skeleton struct {
	event string
	shape *abi.Shape
}

// skeletonsOf returns the distinct skeletons of ts: templates that differ
// only in their states, integers and events emitted (one per block or call
// index) share one.
func skeletonsOf(ts []abi.TextTemplate) []skeleton {
	var out []skeleton
	seen := map[string]bool{}
	for i := range ts {
		key, _ := json.Marshal(struct {
			Event string
			Shape *abi.Shape
		}{ts[i].Event, openInts(ts[i].Data)})
		if !seen[string(key)] {
			seen[string(key)] = true
			out = append(out, skeleton{ts[i].Event, ts[i].Data})
		}
	}
	return out
}

// openInts returns a copy of s with every integer zero.
func openInts(s *abi.Shape) *abi.Shape {
	if s == nil {
		return nil
	}
	c := *s
	c.Int = 0
	if s.Keys != nil {
		c.Keys = make(map[string]*abi.Shape, len(s.Keys))
		for k, v := range s.Keys {
			c.Keys[k] = openInts(v)
		}
	}
	c.Items = make([]*abi.Shape, len(s.Items))
	for i, v := range s.Items {
		c.Items[i] = openInts(v)
	}
	return &c
}

// templatesApply reports whether the host may serve chunks of in: the
// module has templates, and the module's own call would not be refused (a
// caller gone, a suspended or closed module, an input that may be over the
// input limit), so that the outcome never depends on the templates. A call
// of no chunk, or of one chunk with FlagEnd, goes to the module.
func (m *module) templatesApply(ctx context.Context, in *abi.TransformInput) bool {
	n := len(in.Chunks)
	if in.Flags&abi.FlagEnd != 0 {
		n--
	}
	return len(m.templates) > 0 && n > 0 &&
		ctx.Err() == nil && !m.Closed() && m.crashes.check() == nil && envelopeBound(in) <= m.cfg.MaxInputBytes
}

// templated runs a transform call whose chunks the templates may serve.
// While a template holds for the state (abi.TextTemplate.HoldsFor) and a
// chunk matches it, the chunk's event (a text-delta, or from ABI 1.7 a
// tool-call-delta; none for an empty text) is the host's, and the state
// stays as it is. The module gets the other chunks in order, each run of
// them up to the next chunk that matches a skeleton (one call, with the
// state it returned for the chunks before), as if the stream had been cut
// into those calls; a module's events never depend on how its chunks are
// batched (guesttest checks batching invariance). Once a chunk that
// matches a skeleton is not served, the module gets every chunk left in
// one call, so a call costs at most one more module call per run served.
// The last chunk of a stream's last call (FlagEnd) always goes to the
// module, with the flag.
func (m *module) templated(ctx context.Context, in *abi.TransformInput) ([]byte, []abi.Event, error) {
	buf := tapePool.Get().(*[]byte)
	defer tapePool.Put(buf)
	state, chunks := in.State, in.Chunks
	var events []abi.Event
	called, split := false, true
	for len(chunks) > 0 {
		limit := len(chunks)
		if in.Flags&abi.FlagEnd != 0 {
			limit--
		}
		served := m.serve(state, chunks[:limit], buf, &events)
		chunks = chunks[served:]
		if len(chunks) == 0 {
			break
		}
		if called && served == 0 {
			split = false // a chunk the module's state did not let through
		}
		next := len(chunks)
		if split {
			for k := 1; k < len(chunks); k++ {
				if m.maybeTemplated(&chunks[k], buf) {
					next = k
					break
				}
			}
		}
		part := *in
		part.State, part.Chunks = state, chunks[:next]
		if next < len(chunks) {
			part.Flags &^= abi.FlagEnd
		}
		st, evs, err := m.transform(ctx, &part)
		if err != nil {
			return nil, nil, err
		}
		state, called = st, true
		events = append(events, evs...)
		chunks = chunks[next:]
	}
	if !called {
		state = bytes.Clone(in.State)
	}
	return state, events, nil
}

// serve serves the leading chunks of chunks that a template holding for
// state matches, appending their events, and returns how many it served.
func (m *module) serve(state []byte, chunks []abi.Chunk, buf *[]byte, events *[]abi.Event) (served int) {
	if len(state) == 0 || len(chunks) == 0 {
		return 0
	}
	// The state does not change while the host serves chunks: the
	// templates that hold for it are found once.
	var holdArr [8]*abi.TextTemplate
	hold := holdArr[:0]
	for i := range m.templates {
		if t := &m.templates[i]; t.HoldsFor(state) {
			hold = append(hold, t)
		}
	}
	if len(hold) == 0 {
		return 0
	}
	for i := range chunks {
		t, text, ok := matchTemplate(hold, &chunks[i], buf)
		if !ok {
			break
		}
		served++
		if ev, ok := t.Emitted(text); ok {
			*events = append(*events, ev)
		}
	}
	return served
}

// maybeTemplated reports whether c matches one of the module's skeletons.
func (m *module) maybeTemplated(c *abi.Chunk, buf *[]byte) bool {
	taped := false
	for _, sk := range m.skeletons {
		if sk.event != string(c.Event) {
			continue
		}
		if !taped {
			var ok bool
			if *buf, ok = abi.AppendTape((*buf)[:0], c.Data); !ok {
				return false
			}
			taped = true
		}
		if abi.MatchTemplateSkeleton(sk.shape, c.Data, *buf) {
			return true
		}
	}
	return false
}

// envelopeBound is at least the size of in's transform envelope, tapes
// included (abi.MaxTapeLen bounds each).
func envelopeBound(in *abi.TransformInput) int {
	n := 16 + len(in.Context) + len(in.State)
	for _, c := range in.Chunks {
		n += 12 + len(c.Event) + len(c.Data) + abi.MaxTapeLen(len(c.Data))
	}
	return n
}

// matchTemplate matches one chunk against the templates that hold for
// the call's state, and returns the one it matches with its text.
func matchTemplate(hold []*abi.TextTemplate, c *abi.Chunk, buf *[]byte) (t *abi.TextTemplate, text []byte, ok bool) {
	taped := false
	for _, t := range hold {
		if t.Event != string(c.Event) {
			continue
		}
		if !taped {
			if *buf, ok = abi.AppendTape((*buf)[:0], c.Data); !ok {
				return nil, nil, false
			}
			taped = true
		}
		if text, ok = abi.MatchTextTemplate(t.Data, c.Data, *buf); ok {
			return t, text, true
		}
	}
	return nil, nil, false
}
