package engine

import (
	"context"
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
	m.templates = ts
	return nil
}

// tapePool holds the buffers the host tapes chunks into for matching.
var tapePool = sync.Pool{New: func() any { return new([]byte) }}

// templated serves the leading chunks of in that a template covers: while
// a template holds for the state (abi.TextTemplate.HoldsFor) and a chunk
// matches it, the chunk's event (a text-delta, or from ABI 1.7 a
// tool-call-delta; none for an empty text) is the host's, and the state
// stays as it is. It returns those events and how many chunks it served;
// the module gets the rest. The last call of a stream (FlagEnd) always
// goes to the module, and so does every call the module's own call would
// refuse (a caller gone, a suspended or closed module, an input that may
// be over the input limit), so that the outcome never depends on the
// templates.
func (m *module) templated(ctx context.Context, in *abi.TransformInput) (events []abi.Event, served int) {
	if len(m.templates) == 0 || len(in.State) == 0 || in.Flags&abi.FlagEnd != 0 ||
		ctx.Err() != nil || m.Closed() || m.crashes.check() != nil || envelopeBound(in) > m.cfg.MaxInputBytes {
		return nil, 0
	}
	// The state does not change while the host serves chunks: the
	// templates that hold for it are found once per call.
	var holdArr [8]*abi.TextTemplate
	hold := holdArr[:0]
	for i := range m.templates {
		if t := &m.templates[i]; t.HoldsFor(in.State) {
			hold = append(hold, t)
		}
	}
	if len(hold) == 0 {
		return nil, 0
	}
	buf := tapePool.Get().(*[]byte)
	defer tapePool.Put(buf)
	for _, c := range in.Chunks {
		t, text, ok := matchTemplate(hold, &c, buf)
		if !ok {
			break
		}
		served++
		if ev, ok := t.Emitted(text); ok {
			events = append(events, ev)
		}
	}
	return events, served
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
