// Package think splits inline reasoning out of streamed model text.
//
// Some models served without a reasoning parser write their reasoning into
// the ordinary text as <think>...</think>. A Splitter consumes the text
// deltas of such a stream and yields reasoning pieces and text pieces, so an
// adapter can emit reasoning-delta and text-delta events.
//
// The rules, and why:
//
//   - Tags may be cut across chunks at any byte ("<th" then "ink>"). The
//     Splitter holds a possible partial tag until it is decided: either the
//     tag completes (and is dropped) or it cannot, and the held bytes are
//     released as content. A "<" that is not a tag is therefore never lost.
//   - All of the Splitter's state fits in StateSize bytes (mode and the
//     length of the held partial tag; the held bytes are a prefix of the tag
//     itself, so they need not be stored). An adapter passes them through
//     the host-owned transform state between calls with AppendState and
//     LoadState, which allocate nothing.
//   - By default only a think block at the very start of the response (after
//     optional whitespace) is reasoning: that is where such models put it,
//     and it keeps a response that talks about "<think>" tags later on from
//     being mangled. Options.Anywhere recognizes blocks anywhere instead.
//   - Some chat templates open the block in the prompt, so the model output
//     starts inside it and only the closing tag appears:
//     Options.StartInReasoning handles that.
//   - At the end of the stream, Finish releases held bytes; an unclosed think
//     block is reasoning up to the end (the model was cut off while
//     thinking).
//
// Pieces alias the delta passed to Feed (or the tag strings of Options), so
// Feed allocates nothing beyond growing the caller's piece slice.
package think

import (
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
)

// Kind says whether a piece is reasoning or text.
type Kind uint8

// The piece kinds.
const (
	Text      Kind = 1
	Reasoning Kind = 2
)

// String returns "text" or "reasoning".
func (k Kind) String() string {
	switch k {
	case Text:
		return "text"
	case Reasoning:
		return "reasoning"
	}
	return "unknown"
}

// Piece is a run of text or reasoning. Text aliases the delta given to Feed
// or a tag string of the Options; it is never empty.
type Piece struct {
	// Kind says whether Text is reasoning or text.
	Kind Kind
	// Text is the content.
	Text string
}

// EventType is the event a piece becomes: reasoning-delta for reasoning,
// text-delta for text.
func (p Piece) EventType() abi.EventType {
	if p.Kind == Reasoning {
		return abi.EventReasoningDelta
	}
	return abi.EventTextDelta
}

// The default tags.
const (
	DefaultOpen  = "<think>"
	DefaultClose = "</think>"
)

// Options configure a Splitter. The zero value splits a leading
// <think>...</think> block.
type Options struct {
	// Open and Close are the tags; DefaultOpen and DefaultClose when empty.
	// A tag must be at most 255 bytes and must not begin with whitespace.
	Open, Close string
	// Anywhere recognizes think blocks anywhere in the response, any
	// number of times. When false, only a block at the start of the
	// response (after optional whitespace) is reasoning, and everything
	// after its end (or everything, if the response does not start with
	// the open tag) is text.
	Anywhere bool
	// StartInReasoning treats the response as starting inside a think
	// block: everything up to the first close tag is reasoning.
	StartInReasoning bool
	// TrimSpaceAfterClose drops the whitespace that directly follows a
	// close tag (models usually write "</think>\n\n").
	TrimSpaceAfterClose bool
}

// StateSize is the length of the encoded state.
const StateSize = 3

const stateVersion = 1

// Modes of the Splitter.
const (
	modeFresh  = 0 // nothing seen yet; resolved from Options on first use
	modeStart  = 1 // start of response, only whitespace so far: looking for Open
	modeReason = 2 // inside a think block: looking for Close
	modeAfter  = 3 // just after Close, skipping whitespace (TrimSpaceAfterClose)
	modeText   = 4 // text, looking for Open (Anywhere)
	modePlain  = 5 // text, no more tags recognized
	modeLimit  = 6
)

// Splitter splits one stream. Its zero value behaves like the result of
// New(Options{}). A Splitter is a small value; copy it freely (its state is
// its fields).
type Splitter struct {
	open, close string
	opts        Options
	mode        uint8
	held        uint8 // length of the partial tag held back: target()[:held]
}

// New returns a Splitter at the start of a stream. It fails with an
// invalid_request *abi.Error when a tag is too long or begins with
// whitespace.
func New(opts Options) (Splitter, error) {
	s := Splitter{open: opts.Open, close: opts.Close, opts: opts}
	if s.open == "" {
		s.open = DefaultOpen
	}
	if s.close == "" {
		s.close = DefaultClose
	}
	for _, t := range [2]string{s.open, s.close} {
		if len(t) > 255 || isSpace(t[0]) {
			return Splitter{}, abi.Errorf(abi.CodeInvalidRequest, "think: tag %q must be 1 to 255 bytes and must not begin with whitespace", t)
		}
	}
	return s, nil
}

// Reset returns the Splitter to the start of a stream.
func (s *Splitter) Reset() { s.mode, s.held = modeFresh, 0 }

// AppendState appends the StateSize-byte state to dst.
func (s *Splitter) AppendState(dst []byte) []byte {
	return append(dst, stateVersion, s.mode, s.held)
}

// LoadState restores a state written by AppendState with the same Options.
// An empty b means the start of a stream. b must be exactly StateSize bytes
// otherwise; a state that is not valid (corrupted, or written by a Splitter
// with other tags) is an invalid_request *abi.Error and leaves s unchanged.
func (s *Splitter) LoadState(b []byte) error {
	if len(b) == 0 {
		s.Reset()
		return nil
	}
	if len(b) != StateSize || b[0] != stateVersion || b[1] >= modeLimit {
		return abi.Errorf(abi.CodeInvalidRequest, "think: state %x is not a valid splitter state: restart the stream", b)
	}
	if s.open == "" {
		s.open, s.close = DefaultOpen, DefaultClose
	}
	t := Splitter{open: s.open, close: s.close, opts: s.opts, mode: b[1], held: b[2]}
	if tag := t.target(); int(t.held) >= max(len(tag), 1) && t.held != 0 {
		return abi.Errorf(abi.CodeInvalidRequest, "think: state %x holds %d tag bytes, more than the tag has: restart the stream", b, b[2])
	}
	*s = t
	return nil
}

// InReasoning reports whether the stream is currently inside a think block.
func (s *Splitter) InReasoning() bool {
	return s.mode == modeReason || s.mode == modeFresh && s.opts.StartInReasoning
}

func (s *Splitter) initial() uint8 {
	if s.opts.StartInReasoning {
		return modeReason
	}
	return s.textMode(modeStart)
}

func (s *Splitter) afterClose() uint8 {
	if s.opts.TrimSpaceAfterClose {
		return modeAfter
	}
	return s.textMode(modePlain)
}

// textMode is the mode of the text that follows: modeText when a think
// block may open anywhere (Anywhere), def otherwise.
func (s *Splitter) textMode(def uint8) uint8 {
	if s.opts.Anywhere {
		return modeText
	}
	return def
}

// target is the tag the current mode looks for ("" when none).
func (s *Splitter) target() string {
	switch s.mode {
	case modeStart, modeText:
		return s.open
	case modeReason:
		return s.close
	}
	return ""
}

func (s *Splitter) kind() Kind {
	if s.mode == modeReason {
		return Reasoning
	}
	return Text
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// step advances a match of tag[:k] by byte c (Knuth-Morris-Pratt): the
// result is the length of the longest prefix of tag that is a suffix of
// tag[:k]+c.
func step(tag string, k int, c byte) int {
	for {
		if tag[k] == c {
			return k + 1
		}
		if k == 0 {
			return 0
		}
		k = border(tag, k)
	}
}

// border returns the length of the longest proper prefix of tag[:k] that is
// also its suffix. Tags are short, so the quadratic search is fine, and it
// needs no table.
func border(tag string, k int) int {
	for b := k - 1; b > 0; b-- {
		if tag[:b] == tag[k-b:k] {
			return b
		}
	}
	return 0
}

// appendRange appends the virtual range [a,b) of carry+delta, where the
// first len(carry) positions are the bytes held from earlier calls.
func appendRange(dst []Piece, kind Kind, carry, delta string, a, b int) []Piece {
	if a >= b {
		return dst
	}
	if a < len(carry) {
		hi := min(b, len(carry))
		dst = append(dst, Piece{kind, carry[a:hi]})
		a = hi
	}
	if a < b {
		dst = append(dst, Piece{kind, delta[a-len(carry) : b-len(carry)]})
	}
	return dst
}

// Feed consumes the next text delta and appends the pieces it decides to
// dst. Bytes that may begin a tag are held back until a later Feed or
// Finish decides them.
func (s *Splitter) Feed(dst []Piece, delta string) []Piece {
	if s.open == "" {
		s.open, s.close = DefaultOpen, DefaultClose
	}
	if s.mode == modeFresh {
		s.mode = s.initial()
	}
	// The virtual input is carry (the held bytes, a prefix of the tag the
	// mode looked for) followed by delta; e is the first position not yet
	// emitted or dropped.
	carry := s.target()[:s.held]
	total := len(carry) + len(delta)
	e := 0
	k := int(s.held)
	for p := len(carry); p < total; p++ {
		c := delta[p-len(carry)]
		switch s.mode {
		case modePlain:
			dst = appendRange(dst, Text, carry, delta, e, total)
			s.held = 0
			return dst
		case modeAfter:
			if isSpace(c) {
				e = p + 1
				continue
			}
			s.mode = s.textMode(modePlain)
			p-- // reconsider c in the new mode
			continue
		}
		tag := s.target()
		if k == 0 && s.mode != modeStart {
			// Fast path: skip to the next possible tag start.
			i := strings.IndexByte(delta[p-len(carry):], tag[0])
			if i < 0 {
				break
			}
			p += i
			c = tag[0]
		}
		old := k
		k = step(tag, k, c)
		if s.mode == modeStart && (old > 0 && k <= old || old == 0 && k == 0 && !isSpace(c)) {
			// Something other than whitespace or the open tag: this
			// response does not start with a think block.
			s.mode = modePlain
			k = 0
			continue
		}
		if k == len(tag) {
			dst = appendRange(dst, s.kind(), carry, delta, e, p+1-len(tag))
			e = p + 1
			k = 0
			if s.mode == modeReason {
				s.mode = s.afterClose()
			} else {
				s.mode = modeReason
			}
		}
	}
	if s.mode == modePlain {
		k = 0
	}
	dst = appendRange(dst, s.kind(), carry, delta, e, total-k)
	s.held = uint8(k)
	return dst
}

// Finish ends the stream: it appends the held bytes, as reasoning inside an
// unclosed think block and as text otherwise. The Splitter is then at the
// start of a new stream.
func (s *Splitter) Finish(dst []Piece) []Piece {
	if s.held > 0 {
		dst = append(dst, Piece{s.kind(), s.target()[:s.held]})
	}
	s.Reset()
	return dst
}
